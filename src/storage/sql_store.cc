#include "storage/sql_store.h"

#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Status SqlStore::transaction(const std::function<Status(Store& tx)>& work) {
  if (connections_.bound()) return work(*this);
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    SqlStore bound(connection, sealer_, rng_);
    return work(bound);
  });
}

Result<int> SqlStore::schema_version() {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return schema_version_on(*connection);
}

int SqlStore::latest_schema_version() const {
  return static_cast<int>(migration_file_names().size());
}

Status SqlStore::migrate() {
  const auto names = migration_file_names();
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  for (std::size_t index = 0; index < names.size(); ++index) {
    const int version = static_cast<int>(index + 1);
    TESSERA_RETURN_IF_ERROR(connection->begin_migration());
    Status applied = apply_migration(*connection, version, names[index]);
    if (applied.ok()) applied = connection->commit();
    if (!applied.ok()) {
      connection->rollback();
      return Status(applied.code(),
                    "migration " + std::string(names[index]) + " failed: " + applied.message());
    }
  }
  return Status();
}

Status SqlStore::verify_master_key() {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult found, connection->execute("SELECT sealed FROM master_key_check WHERE id = 1", {}));
  const std::string_view associated_data = "master_key_check:1";
  if (found.rows.empty()) {
    const auto plaintext = SecretBytes::from_string(kKeyCheckPlaintext);
    auto sealed = sealer_.seal(plaintext.span(), associated_data, rng_);
    // Two nodes starting together may both get here: the first row wins, and every node then
    // opens the row that won, so a node with another key fails instead of starting.
    TESSERA_RETURN_IF_ERROR(
        connection
            ->execute("INSERT INTO master_key_check (id, sealed) VALUES (1, $1) "
                      "ON CONFLICT (id) DO NOTHING",
                      {SqlBlob{std::move(sealed)}})
            .status());
    TESSERA_ASSIGN_OR_RETURN(
        found, connection->execute("SELECT sealed FROM master_key_check WHERE id = 1", {}));
    if (found.rows.empty()) return internal_error("the master key check row is missing");
  }
  if (!sealer_.open(found.rows[0].blob(0), associated_data).ok()) {
    return data_loss(
        "the master key does not match this database (wrong key file or TESSERA_MASTER_KEY)");
  }
  return Status();
}

Result<int> SqlStore::schema_version_on(SqlConnection& connection) {
  // Only a database without the table is at version 0; any other failure is an error, never
  // "empty" (a server must not mistake a broken database for a new one).
  TESSERA_ASSIGN_OR_RETURN(bool exists, connection.table_exists("schema_migrations"));
  if (!exists) return 0;
  TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                           connection.execute("SELECT MAX(version) FROM schema_migrations", {}));
  return result.rows.empty() ? 0 : static_cast<int>(result.rows[0].integer(0));
}

Status SqlStore::apply_migration(SqlConnection& connection, int version, std::string_view name) {
  // Inside the migration lock, so concurrent nodes cannot race to create it.
  TESSERA_RETURN_IF_ERROR(connection.execute_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at BIGINT NOT NULL)"));
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult found,
      connection.execute("SELECT version FROM schema_migrations WHERE version = $1",
                         {std::int64_t{version}}));
  if (!found.rows.empty()) return Status();  // applied already, perhaps by another node
  TESSERA_RETURN_IF_ERROR(connection.execute_script(connection.adapt_schema(migration_file(name))));
  return connection
      .execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
               {std::int64_t{version}, seconds(SystemClock().now())})
      .status();
}

Status SqlStore::require_user(SqlConnection& connection, const std::string& user_id) {
  TESSERA_ASSIGN_OR_RETURN(SqlResult found,
                           connection.execute("SELECT 1 FROM users WHERE id = $1", {user_id}));
  if (found.rows.empty()) return not_found("no such user");
  return Status();
}

Result<std::int64_t> SqlStore::update_returning_version(std::string_view sql,
                                                        const SqlParams& params) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection->execute(sql, params));
  if (result.rows.empty()) return not_found("no such user");
  return result.rows[0].integer(0);
}

Status SqlStore::update_one(std::string_view sql, const SqlParams& params,
                            std::string_view missing) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection->execute(sql, params));
  if (result.affected_rows == 0) return not_found(std::string(missing));
  return Status();
}

std::unique_ptr<Store> make_sql_store(std::unique_ptr<ConnectionPool> pool,
                                      const SecretSealer& sealer, Rng& rng) {
  return std::make_unique<SqlStore>(std::move(pool), sealer, rng);
}

}  // namespace tessera
