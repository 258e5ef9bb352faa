#include "storage/postgres_connection.h"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <poll.h>

#include <libpq-fe.h>

#include "base/hex.h"

namespace tessera {
namespace {

constexpr Oid kByteaOid = 17;
// Any constant will do, as long as every node uses the same one.
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(7265737365726101)";

std::string first_line(const char* text) {
  std::string line = text == nullptr ? "" : text;
  if (const auto end = line.find('\n'); end != std::string::npos) line.resize(end);
  return line;
}

using SteadyClock = std::chrono::steady_clock;
using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

// How much longer than the server's statement_timeout the client waits for an answer: the server
// cancelling its own statement leaves the connection usable, so it gets the first chance.
constexpr auto kAnswerGrace = std::chrono::seconds(1);

// Waits until the connection's socket is ready for `events`; false when `deadline` passed first.
bool wait_for_socket(PGconn* connection, short events,
                     std::optional<SteadyClock::time_point> deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(*deadline - SteadyClock::now());
      if (left.count() <= 0) return false;
      timeout_ms = static_cast<int>(std::min<std::int64_t>(left.count(), 60'000));
    }
    pollfd watched{PQsocket(connection), events, 0};
    const int ready = ::poll(&watched, 1, timeout_ms);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return true;  // let libpq read the error
  }
}

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(PGconn* connection, std::chrono::milliseconds wait_timeout)
      : connection_(connection), answer_timeout_(wait_timeout + kAnswerGrace) {}
  ~PostgresConnection() override { PQfinish(connection_); }

  Result<SqlResult> execute(std::string_view sql, const SqlParams& params) override {
    const std::string text(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    std::vector<Oid> types(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const SqlValue& value = params[i];
      if (std::holds_alternative<std::nullptr_t>(value)) continue;
      if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        storage[i] = std::to_string(*integer);
      } else if (const auto* string = std::get_if<std::string>(&value)) {
        storage[i] = *string;
      } else {
        const auto& blob = std::get<SqlBlob>(value).bytes;
        storage[i].assign(blob.begin(), blob.end());
        formats[i] = 1;
        types[i] = kByteaOid;
      }
      values[i] = storage[i].data();
      lengths[i] = static_cast<int>(storage[i].size());
    }
    const int sent =
        PQsendQueryParams(connection_, text.c_str(), static_cast<int>(params.size()), types.data(),
                          values.data(), lengths.data(), formats.data(), 0);
    TESSERA_ASSIGN_OR_RETURN(PgResult result, answer(sent));
    PGresult* raw = result.get();
    TESSERA_RETURN_IF_ERROR(check(raw));
    SqlResult out;
    const int rows = PQntuples(raw);
    const int columns = PQnfields(raw);
    out.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      std::vector<std::optional<std::string>> cells(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(raw, r, c)) continue;
        std::string cell(PQgetvalue(raw, r, c), static_cast<std::size_t>(PQgetlength(raw, r, c)));
        if (PQftype(raw, c) == kByteaOid) {
          // Text-format bytea is "\x" followed by hex.
          auto bytes = from_hex(std::string_view(cell).substr(cell.size() >= 2 ? 2 : 0));
          if (!bytes.ok()) return internal_error("PostgreSQL returned malformed bytea");
          cell.assign(bytes->begin(), bytes->end());
        }
        cells[static_cast<std::size_t>(c)] = std::move(cell);
      }
      out.rows.emplace_back(std::move(cells));
    }
    const char* affected = PQcmdTuples(raw);
    out.affected_rows = (affected != nullptr && *affected != '\0') ? std::atoll(affected) : 0;
    return out;
  }

  // synchronous_commit = off for this transaction only: PostgreSQL's own knob for exactly this.
  Result<SqlResult> execute_ephemeral(std::string_view sql, const SqlParams& params) override {
    TESSERA_RETURN_IF_ERROR(execute_script("BEGIN; SET LOCAL synchronous_commit = off"));
    auto result = execute(sql, params);
    if (!result.ok()) {
      rollback();
      return result;
    }
    Status committed = commit();
    if (!committed.ok()) {
      rollback();
      return committed;
    }
    return result;
  }

  Status execute_script(std::string_view sql) override {
    const std::string text(sql);
    TESSERA_ASSIGN_OR_RETURN(PgResult result, answer(PQsendQuery(connection_, text.c_str())));
    return check(result.get());
  }

  Status begin() override { return execute_script("BEGIN"); }
  Status begin_ephemeral() override {
    return execute_script("BEGIN; SET LOCAL synchronous_commit = off");
  }
  Status begin_migration() override {
    TESSERA_RETURN_IF_ERROR(begin());
    migrating_ = true;
    Status locked = execute_script("SET LOCAL statement_timeout = 0");
    if (locked.ok()) locked = execute_script(kMigrationLock);
    if (!locked.ok()) rollback();
    return locked;
  }
  Status commit() override {
    Status committed = execute_script("COMMIT");
    migrating_ = false;
    return committed;
  }
  void rollback() override {
    if (PQtransactionStatus(connection_) != PQTRANS_IDLE) (void)execute_script("ROLLBACK");
    migrating_ = false;
  }

  Result<bool> table_exists(std::string_view name) override {
    TESSERA_ASSIGN_OR_RETURN(SqlResult found,
                             execute("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
                                     "current_schema() AND tablename = $1",
                                     {std::string(name)}));
    return !found.rows.empty();
  }

  std::string adapt_schema(std::string_view sql) const override { return std::string(sql); }

  bool healthy() const override {
    if (broken_ || PQstatus(connection_) != CONNECTION_OK) return false;
    // An idle connection has nothing to read: tessera never LISTENs. Something to read means the
    // server ended the session (its FATAL message and the close after a restart or a
    // pg_terminate_backend), which libpq would only notice when the next query fails.
    pollfd watched{PQsocket(connection_), POLLIN, 0};
    return ::poll(&watched, 1, 0) == 0;
  }

 private:
  // Collects the answer to a query sent with PQsend* (`sent` is what that returned), as PQexec
  // would: the first error, else the last result. Bounded by answer_timeout_ (none while
  // migrating); a connection whose answer did not come in time is broken for good.
  Result<PgResult> answer(int sent) {
    if (sent == 0) return lost_or_failed();
    std::optional<SteadyClock::time_point> deadline;
    if (!migrating_) deadline = SteadyClock::now() + answer_timeout_;
    for (int flushed = PQflush(connection_); flushed != 0; flushed = PQflush(connection_)) {
      if (flushed < 0) return lost_or_failed();
      if (!wait_for_socket(connection_, POLLIN | POLLOUT, deadline)) return timed_out();
      if (PQconsumeInput(connection_) == 0) return lost_or_failed();
    }
    PgResult kept(nullptr, PQclear);
    for (;;) {
      while (PQisBusy(connection_)) {
        if (!wait_for_socket(connection_, POLLIN, deadline)) return timed_out();
        if (PQconsumeInput(connection_) == 0) return lost_or_failed();
      }
      PgResult next(PQgetResult(connection_), PQclear);
      if (next == nullptr) break;
      const bool kept_error = kept != nullptr && PQresultStatus(kept.get()) == PGRES_FATAL_ERROR;
      if (!kept_error) kept = std::move(next);
    }
    if (kept == nullptr) return lost_or_failed();
    return kept;
  }

  Status lost_or_failed() {
    const std::string message = first_line(PQerrorMessage(connection_));
    if (PQstatus(connection_) != CONNECTION_OK) {
      broken_ = true;
      return unavailable("lost the connection to PostgreSQL: " + message);
    }
    return internal_error("PostgreSQL: " + message);
  }

  Status timed_out() {
    broken_ = true;
    return unavailable("PostgreSQL did not answer within " +
                       std::to_string(answer_timeout_.count()) + " ms");
  }

  Status check(PGresult* result) const {
    const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status();
    if (PQstatus(connection_) != CONNECTION_OK) {
      return unavailable("lost the connection to PostgreSQL: " +
                         first_line(PQerrorMessage(connection_)));
    }
    const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const std::string sqlstate = state == nullptr ? "" : state;
    const std::string message =
        first_line(result == nullptr ? PQerrorMessage(connection_) : PQresultErrorMessage(result));
    if (sqlstate == "23505") return already_exists("already exists (" + message + ")");
    if (sqlstate == "23503") {
      return failed_precondition("a referenced row does not exist (" + message + ")");
    }
    if (sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57") ||
        sqlstate == "40001" || sqlstate == "40P01") {
      return unavailable("PostgreSQL is unavailable: " + message);
    }
    return internal_error("PostgreSQL: " + message);
  }

  PGconn* connection_;
  std::chrono::milliseconds answer_timeout_;
  bool migrating_ = false;
  bool broken_ = false;  // an answer never came: what the connection says next cannot be trusted
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_postgres_connection(
    const std::string& url, std::chrono::milliseconds wait_timeout) {
  const auto timeout_ms = std::max<std::int64_t>(1, wait_timeout.count());
  const std::string connect_seconds =
      std::to_string(std::max<std::int64_t>(2, (timeout_ms + 999) / 1000));
  // Entries before dbname are defaults: the expanded URL overrides them.
  const char* const keywords[] = {
      "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
      "dbname",          nullptr};
  const char* const values[] = {
      connect_seconds.c_str(), "1", "30", "10", "3", url.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (connection == nullptr) return resource_exhausted("out of memory connecting to PostgreSQL");
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = first_line(PQerrorMessage(connection));
    PQfinish(connection);
    return unavailable("cannot connect to PostgreSQL: " + message);
  }
  auto opened =
      std::make_unique<PostgresConnection>(connection, std::chrono::milliseconds(timeout_ms));
  // Quiet NOTICEs (e.g. "relation already exists, skipping"), pin the session to UTC, and have the
  // server cancel any statement (a lock wait included) that runs longer than the bound.
  TESSERA_RETURN_IF_ERROR(opened->execute_script(
      "SET client_min_messages = warning; SET TIME ZONE 'UTC'; SET statement_timeout = " +
      std::to_string(timeout_ms)));
  return std::unique_ptr<SqlConnection>(std::move(opened));
}

}  // namespace tessera
