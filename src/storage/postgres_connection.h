// PostgreSQL connections through libpq. Parameters are always sent separately from the SQL text
// (PQexecParams), never spliced into it.
#pragma once

#include <memory>
#include <string>

#include "storage/sql.h"

namespace tessera {

// `url` is a libpq connection string or postgresql:// URL. unavailable when the server cannot be
// reached (the message carries libpq's reason, never the password).
Result<std::unique_ptr<SqlConnection>> open_postgres_connection(const std::string& url);

}  // namespace tessera
