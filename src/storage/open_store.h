// Choosing and opening a Store from configuration.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/rng.h"
#include "crypto/aead.h"
#include "storage/store.h"

namespace tessera {

struct StoreConfig {
  enum class Kind { sqlite, postgres };
  Kind kind = Kind::sqlite;
  std::filesystem::path sqlite_path = "data/tessera.db";
  std::string postgres_url;                      // libpq connection string or postgresql:// URL
  int pool_size = 0;                             // 0 = a default (4 for SQLite, 8 for PostgreSQL)
  std::chrono::milliseconds busy_timeout{5000};  // SQLite: wait this long for a writer
  // Every other wait on the database: for a free pooled connection, and with PostgreSQL for a
  // connection to open and for a statement's answer. Past it the request fails as unavailable
  // (pages answer 503), so a stalled database never holds a thread for longer.
  std::chrono::milliseconds wait_timeout{5000};
  // SQLite: create the file when it is missing (`tessera init`). Otherwise a missing file is an
  // error: a database deleted under a running server must not come back empty.
  bool create_if_missing = false;
};

// Opens the database (creating an SQLite file with mode 0600 when missing and
// `config.create_if_missing`) and checks it can be reached; does not migrate. `sealer` and `rng`
// must outlive the store.
Result<std::unique_ptr<Store>> open_store(const StoreConfig& config, const SecretSealer& sealer,
                                          Rng& rng);

}  // namespace tessera
