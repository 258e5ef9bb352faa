#include "storage/sqlite_connection.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sys/stat.h>

#include <sqlite3.h>

namespace tessera {
namespace {

// "$12" → "?12" outside string literals; SQLite gives ?NNN the same meaning as PostgreSQL's $NNN.
std::string rewrite_placeholders(std::string_view sql) {
  std::string out(sql);
  bool in_literal = false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\'') in_literal = !in_literal;
    if (!in_literal && out[i] == '$' && i + 1 < out.size() && out[i + 1] >= '0' &&
        out[i + 1] <= '9') {
      out[i] = '?';
    }
  }
  return out;
}

// One lock per database file for the writers of this process. SQLite lets one writer at a time
// in and makes the others poll (its busy handler sleeps up to 100 ms between tries), so under load
// a write waited far longer than the one before it took; queueing on a mutex hands the write lock
// over at once. Another process (a CLI command beside the server) still meets the busy handler.
std::shared_ptr<std::timed_mutex> write_lock_of(const std::filesystem::path& path) {
  static std::mutex guard;
  static std::map<std::string, std::weak_ptr<std::timed_mutex>> locks;
  std::error_code ignored;
  const std::string key = std::filesystem::weakly_canonical(path, ignored).string();
  std::lock_guard lock(guard);
  std::shared_ptr<std::timed_mutex> found = locks[key].lock();
  if (!found) {
    found = std::make_shared<std::timed_mutex>();
    locks[key] = found;
  }
  return found;
}

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, std::shared_ptr<std::timed_mutex> write_lock,
                   std::chrono::milliseconds busy_timeout)
      : db_(db), write_lock_(std::move(write_lock)), busy_timeout_(busy_timeout) {}
  ~SqliteConnection() override {
    unlock_writes();
    for (auto& [sql, statement] : statements_)
      sqlite3_finalize(statement);
    sqlite3_close_v2(db_);
  }

  Result<SqlResult> execute(std::string_view sql, const SqlParams& params) override {
    sqlite3_stmt* statement = nullptr;
    int rc = SQLITE_OK;
    // Statements are prepared once per connection and reused: the store runs the same few dozen.
    if (auto cached = statements_.find(sql); cached != statements_.end()) {
      statement = cached->second;
    } else {
      const std::string rewritten = rewrite_placeholders(sql);
      rc = sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size()),
                              SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
      if (rc != SQLITE_OK) return error(rc);
      if (statements_.size() < kMaxCachedStatements) {
        statements_.emplace(std::string(sql), statement);
      } else {
        owned_.reset(statement);  // finalized after this call
      }
    }
    // A write outside a transaction is a transaction of its own: it queues for the write lock,
    // which it gives back once the statement is reset.
    const bool own_turn = sqlite3_get_autocommit(db_) != 0 && sqlite3_stmt_readonly(statement) == 0;
    if (own_turn) TESSERA_RETURN_IF_ERROR(lock_writes());
    // Leaves the statement ready for its next use whatever happens below.
    struct Reset {
      sqlite3_stmt* statement;
      SqliteConnection* turn;  // the connection whose write turn ends with the statement, or null
      ~Reset() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
        if (turn != nullptr) turn->unlock_writes();
      }
    } reset{statement, own_turn ? this : nullptr};
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      const SqlValue& value = params[i];
      if (std::holds_alternative<std::nullptr_t>(value)) {
        rc = sqlite3_bind_null(statement, index);
      } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        rc = sqlite3_bind_int64(statement, index, *integer);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        rc = sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
      } else {
        const auto& blob = std::get<SqlBlob>(value).bytes;
        rc = sqlite3_bind_blob64(statement, index, blob.data(), blob.size(), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return error(rc);
    }
    SqlResult result;
    const int columns = sqlite3_column_count(statement);
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      std::vector<std::optional<std::string>> cells(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(statement, c) == SQLITE_NULL) continue;
        const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, c));
        const int length = sqlite3_column_bytes(statement, c);
        cells[static_cast<std::size_t>(c)] =
            data == nullptr ? std::string() : std::string(data, static_cast<std::size_t>(length));
      }
      result.rows.emplace_back(std::move(cells));
    }
    if (rc != SQLITE_DONE) return error(rc);
    result.affected_rows = sqlite3_changes64(db_);
    return result;
  }

  // In WAL mode a commit with synchronous=NORMAL is appended to the log without fsync; the next
  // FULL commit's fsync makes it durable too, so mixing the two loses nothing else.
  Result<SqlResult> execute_ephemeral(std::string_view sql, const SqlParams& params) override {
    TESSERA_RETURN_IF_ERROR(start_ephemeral());
    auto result = execute(sql, params);
    TESSERA_RETURN_IF_ERROR(end_ephemeral());
    return result;
  }

  Status execute_script(std::string_view sql) override {
    const std::string terminated(sql);
    const int rc = sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status() : error(rc);
  }

  Status begin() override {
    TESSERA_RETURN_IF_ERROR(lock_writes());
    Status begun = execute_script("BEGIN IMMEDIATE");
    if (!begun.ok()) unlock_writes();
    return begun;
  }
  // synchronous is read at commit: NORMAL for this transaction, FULL again once it ends.
  Status begin_ephemeral() override {
    TESSERA_RETURN_IF_ERROR(start_ephemeral());
    Status begun = begin();
    if (!begun.ok()) (void)end_ephemeral();
    return begun;
  }
  Status begin_migration() override { return begin(); }
  Status commit() override {
    Status committed = execute_script("COMMIT");
    // A COMMIT that failed may leave the transaction open: rollback() ends it, and the turn.
    if (sqlite3_get_autocommit(db_) != 0) {
      unlock_writes();
      (void)end_ephemeral();
    }
    return committed;
  }
  void rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) (void)execute_script("ROLLBACK");
    unlock_writes();
    (void)end_ephemeral();
  }

  Result<bool> table_exists(std::string_view name) override {
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult found, execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
                                 {std::string(name)}));
    return !found.rows.empty();
  }

  std::string adapt_schema(std::string_view sql) const override {
    std::string out(sql);
    const std::string_view from = "BIGSERIAL PRIMARY KEY";
    for (std::size_t at = out.find(from); at != std::string::npos; at = out.find(from, at)) {
      out.replace(at, from.size(), "INTEGER PRIMARY KEY");  // SQLite's rowid alias
    }
    return out;
  }

  // False once the file this connection opened was deleted, renamed or replaced: its reads would
  // come from a file nobody else sees (and SQLite refuses its writes), so the pool drops it.
  bool healthy() const override {
    int moved = 0;
    const int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_HAS_MOVED, &moved);
    return rc == SQLITE_OK && moved == 0;
  }

 private:
  // Waits for the write lock as long as SQLite's busy handler would have.
  Status lock_writes() {
    if (holding_) return Status();
    if (!write_lock_->try_lock_for(busy_timeout_)) {
      return unavailable("the database stayed busy: another write of this process held it");
    }
    holding_ = true;
    return Status();
  }
  void unlock_writes() {
    if (!holding_) return;
    holding_ = false;
    write_lock_->unlock();
  }

  // Commits from here on skip the wait for the disk, until end_ephemeral().
  Status start_ephemeral() {
    TESSERA_RETURN_IF_ERROR(execute_script("PRAGMA synchronous = NORMAL"));
    ephemeral_ = true;
    return Status();
  }
  Status end_ephemeral() {
    if (!ephemeral_) return Status();
    ephemeral_ = false;
    return execute_script("PRAGMA synchronous = FULL");
  }

  Status error(int rc) const {
    const int primary = rc & 0xff;
    const std::string message = sqlite3_errmsg(db_);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return already_exists("already exists (" + message + ")");
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return failed_precondition("a referenced row does not exist (" + message + ")");
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      return unavailable("the database stayed busy: " + message);
    }
    if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL ||
        primary == SQLITE_READONLY) {
      return unavailable("the database cannot be written: " + message);
    }
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
      return data_loss("the database file is damaged: " + message);
    }
    return internal_error("SQLite: " + message);
  }

  static constexpr std::size_t kMaxCachedStatements = 256;
  sqlite3* db_;
  const std::shared_ptr<std::timed_mutex> write_lock_;
  const std::chrono::milliseconds busy_timeout_;
  bool holding_ = false;    // this connection holds *write_lock_ (a transaction or one write)
  bool ephemeral_ = false;  // between start_ephemeral() and end_ephemeral() (synchronous = NORMAL)
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> owned_{nullptr, sqlite3_finalize};
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_sqlite_connection(
    const std::filesystem::path& path, std::chrono::milliseconds busy_timeout,
    bool create_if_missing) {
  // Never open() the database file ourselves: closing any descriptor of a file drops every POSIX
  // lock this process holds on it, including SQLite's WAL locks of the connections already open,
  // and a CLI command beside the server would then checkpoint and unlink the WAL under it.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create_if_missing) flags |= SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  int rc = SQLITE_OK;
  {
    // A new file starts private (SQLite gives -wal and -shm the database file's mode). The umask
    // is the process's, so this runs only when creating, which `tessera init` does before any
    // other thread starts.
    const mode_t previous = create_if_missing ? ::umask(077) : 0;
    rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (create_if_missing) ::umask(previous);
  }
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    if ((rc & 0xff) == SQLITE_CANTOPEN && !create_if_missing && !std::filesystem::exists(path)) {
      // unavailable: to a running server this is a database gone missing (503, retry later).
      return unavailable("the database file " + path.string() +
                         " does not exist; run `tessera init` to create it");
    }
    return unavailable("cannot open the database file " + path.string() + ": " + message);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  auto connection = std::make_unique<SqliteConnection>(db, write_lock_of(path), busy_timeout);
  auto wal = connection->execute("PRAGMA journal_mode = WAL", {});
  if (!wal.ok()) {
    return Status(wal.status().code(),
                  "cannot use the database file " + path.string() + ": " + wal.status().message());
  }
  TESSERA_RETURN_IF_ERROR(
      connection->execute_script("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"));
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace tessera
