#include "storage/open_store.h"

#include <atomic>
#include <memory>

#include "storage/postgres_connection.h"
#include "storage/sql_store.h"
#include "storage/sqlite_connection.h"

namespace tessera {

Result<std::unique_ptr<Store>> open_store(const StoreConfig& config, const SecretSealer& sealer,
                                          Rng& rng) {
  ConnectionPool::Factory factory;
  std::size_t pool_size = 0;
  if (config.kind == StoreConfig::Kind::sqlite) {
    // Only the first connection may create the file: the pool opens later ones while serving,
    // when a missing file means it was deleted under us, not that it is new.
    auto create = std::make_shared<std::atomic<bool>>(config.create_if_missing);
    factory = [path = config.sqlite_path, timeout = config.busy_timeout, create] {
      const bool create_now = create->exchange(false);
      return open_sqlite_connection(path, timeout, create_now);
    };
    pool_size = config.pool_size > 0 ? static_cast<std::size_t>(config.pool_size) : 4;
  } else {
    factory = [url = config.postgres_url, timeout = config.wait_timeout] {
      return open_postgres_connection(url, timeout);
    };
    pool_size = config.pool_size > 0 ? static_cast<std::size_t>(config.pool_size) : 8;
  }
  auto pool = std::make_unique<ConnectionPool>(std::move(factory), pool_size, config.wait_timeout);
  {
    // Open one connection now, so a bad path or an unreachable server is reported at start-up.
    TESSERA_ASSIGN_OR_RETURN(auto probe, pool->acquire());
  }
  return make_sql_store(std::move(pool), sealer, rng);
}

}  // namespace tessera
