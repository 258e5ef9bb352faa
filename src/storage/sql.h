// The SQL seam shared by the SQLite and PostgreSQL stores: one connection interface, one parameter
// and row representation, one pool. SQL text is written once, in PostgreSQL's dialect with $1, $2 …
// placeholders; the SQLite connection rewrites placeholders to ?1, ?2 … (same meaning).
#pragma once

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace tessera {

struct SqlBlob {
  std::vector<std::uint8_t> bytes;
};
using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string, SqlBlob>;
using SqlParams = std::vector<SqlValue>;

// One result row: every cell as raw bytes (text as UTF-8, integers as decimal text, blobs as their
// bytes) or null. Accessors check bounds and types, so a schema mismatch is an error, not UB.
class SqlRow {
 public:
  explicit SqlRow(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  bool is_null(std::size_t column) const;
  std::string text(std::size_t column) const;      // "" for null
  std::int64_t integer(std::size_t column) const;  // 0 for null or non-numeric
  std::optional<std::int64_t> optional_integer(std::size_t column) const;
  std::vector<std::uint8_t> blob(std::size_t column) const;

 private:
  std::vector<std::optional<std::string>> cells_;
};

struct SqlResult {
  std::vector<SqlRow> rows;
  std::int64_t affected_rows = 0;  // for INSERT/UPDATE/DELETE
};

// One database connection; not thread-safe (the pool hands it to one thread at a time).
// Errors: already_exists for a unique violation, failed_precondition for a foreign key violation,
// unavailable for a lost or busy database, internal otherwise (the message carries the database's
// own text, never parameter values).
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual Result<SqlResult> execute(std::string_view sql, const SqlParams& params) = 0;
  // Like execute(), for writes that may be lost by a power cut (not by a crash of tessera): they
  // skip the wait for the disk. Only for state whose loss costs nothing but a retry, such as a
  // sign-in flow. Not inside a transaction begun with begin().
  virtual Result<SqlResult> execute_ephemeral(std::string_view sql, const SqlParams& params) = 0;
  // Several statements without parameters (a migration file).
  virtual Status execute_script(std::string_view sql) = 0;
  // Starts a transaction that writes: SQLite takes the write lock at once (BEGIN IMMEDIATE), so two
  // writers never deadlock on a lock upgrade.
  virtual Status begin() = 0;
  // Like begin(), for a transaction whose commit may be lost by a power cut (as
  // execute_ephemeral()): its commit skips the wait for the disk. By default, begin().
  virtual Status begin_ephemeral() { return begin(); }
  // Like begin(), and also serialises schema migrations across every node sharing the database.
  virtual Status begin_migration() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  // Whether a table of this name exists (in the connection's schema).
  virtual Result<bool> table_exists(std::string_view name) = 0;
  // Rewrites dialect-specific words in a migration file ("BIGSERIAL PRIMARY KEY").
  virtual std::string adapt_schema(std::string_view sql) const = 0;
  // False after the connection was lost; the pool then replaces it.
  virtual bool healthy() const = 0;
};

// A fixed-size pool; acquire() waits up to `wait_timeout` for a free connection, then fails as
// unavailable (so a stalled database fails requests instead of piling them up). Connections are
// opened lazily and re-opened when found unhealthy. Thread-safe.
class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<SqlConnection>>()>;
  ConnectionPool(Factory factory, std::size_t size,
                 std::chrono::milliseconds wait_timeout = std::chrono::seconds(5));

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    SqlConnection& operator*() { return *connection_; }
    SqlConnection* operator->() { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> connection_;
  };

  Result<Lease> acquire();

 private:
  void release(std::unique_ptr<SqlConnection> connection);

  Factory factory_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  std::size_t free_slots_;
  std::chrono::milliseconds wait_timeout_;
};

// Runs `work` inside begin()/commit() on one leased connection, rolling back on any error.
// `ephemeral`: begun with begin_ephemeral(), its commit not waiting for the disk.
Status in_transaction(ConnectionPool& pool, const std::function<Status(SqlConnection&)>& work,
                      bool ephemeral = false);

}  // namespace tessera
