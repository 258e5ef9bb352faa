// The Store over a ConnectionPool: every query written once, run on SQLite or PostgreSQL.
#pragma once

#include <memory>

#include "base/rng.h"
#include "crypto/aead.h"
#include "storage/sql.h"
#include "storage/store.h"

namespace tessera {

// `sealer` and `rng` must outlive the store.
std::unique_ptr<Store> make_sql_store(std::unique_ptr<ConnectionPool> pool,
                                      const SecretSealer& sealer, Rng& rng);

}  // namespace tessera
