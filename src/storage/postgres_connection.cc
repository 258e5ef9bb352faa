#include "storage/postgres_connection.h"

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

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(PGconn* connection) : connection_(connection) {}
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
    PGresult* raw = PQexecParams(connection_, text.c_str(), static_cast<int>(params.size()),
                                 types.data(), values.data(), lengths.data(), formats.data(), 0);
    std::unique_ptr<PGresult, decltype(&PQclear)> result(raw, PQclear);
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
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection_, text.c_str()),
                                                         PQclear);
    return check(result.get());
  }

  Status begin() override { return execute_script("BEGIN"); }
  Status begin_migration() override {
    TESSERA_RETURN_IF_ERROR(begin());
    Status locked = execute_script(kMigrationLock);
    if (!locked.ok()) rollback();
    return locked;
  }
  Status commit() override { return execute_script("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(connection_) != PQTRANS_IDLE) (void)execute_script("ROLLBACK");
  }

  Result<bool> table_exists(std::string_view name) override {
    TESSERA_ASSIGN_OR_RETURN(SqlResult found,
                             execute("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
                                     "current_schema() AND tablename = $1",
                                     {std::string(name)}));
    return !found.rows.empty();
  }

  std::string adapt_schema(std::string_view sql) const override { return std::string(sql); }

  bool healthy() const override { return PQstatus(connection_) == CONNECTION_OK; }

 private:
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
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_postgres_connection(const std::string& url) {
  PGconn* connection = PQconnectdb(url.c_str());
  if (connection == nullptr) return resource_exhausted("out of memory connecting to PostgreSQL");
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = first_line(PQerrorMessage(connection));
    PQfinish(connection);
    return unavailable("cannot connect to PostgreSQL: " + message);
  }
  auto opened = std::make_unique<PostgresConnection>(connection);
  // Quiet NOTICEs (e.g. "relation already exists, skipping") and pin the session to UTC.
  TESSERA_RETURN_IF_ERROR(
      opened->execute_script("SET client_min_messages = warning; SET TIME ZONE 'UTC'"));
  return std::unique_ptr<SqlConnection>(std::move(opened));
}

}  // namespace tessera
