// SQLite connections: WAL journal, synchronous=FULL (a committed sign-in survives power loss),
// foreign keys on, a busy timeout so concurrent writers wait instead of failing.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "storage/sql.h"

namespace tessera {

// Opens (creating with mode 0600 if missing) the database file at `path`.
Result<std::unique_ptr<SqlConnection>> open_sqlite_connection(
    const std::filesystem::path& path, std::chrono::milliseconds busy_timeout);

}  // namespace tessera
