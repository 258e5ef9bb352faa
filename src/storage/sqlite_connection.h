// SQLite connections: WAL journal, synchronous=FULL (a committed sign-in survives power loss),
// foreign keys on, a busy timeout so concurrent writers wait instead of failing.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "storage/sql.h"

namespace tessera {

// Opens the database file at `path`; unavailable (naming `tessera init`) when it does not exist,
// unless `create_if_missing`, which creates it with mode 0600 and must only be used while
// no other thread creates files (the umask is changed for the moment). The connection reports
// itself unhealthy once the file is deleted or replaced under it.
Result<std::unique_ptr<SqlConnection>> open_sqlite_connection(
    const std::filesystem::path& path, std::chrono::milliseconds busy_timeout,
    bool create_if_missing = false);

}  // namespace tessera
