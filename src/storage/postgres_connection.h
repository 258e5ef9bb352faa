// PostgreSQL connections through libpq. Parameters are always sent separately from the SQL text
// (PQexecParams), never spliced into it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "storage/sql.h"

namespace tessera {

// `url` is a libpq connection string or postgresql:// URL. unavailable when the server cannot be
// reached (the message carries libpq's reason, never the password).
//
// No wait is unbounded, so a stalled or paused server can never hold a thread: connecting gives up
// after `wait_timeout` (rounded up to whole seconds, at least 2: libpq's unit and minimum), the
// server cancels a statement after `wait_timeout` (statement_timeout), and the client gives up on
// an answer a second after that, leaving the connection unhealthy so the pool drops it. TCP
// keepalives find a dead peer of an idle connection. The URL's own connect_timeout or keepalive
// settings win over these. Migrations (begin_migration) are exempt from the statement bounds: a
// long schema change or another node's migration is worth waiting for.
Result<std::unique_ptr<SqlConnection>> open_postgres_connection(
    const std::string& url, std::chrono::milliseconds wait_timeout = std::chrono::seconds(5));

}  // namespace tessera
