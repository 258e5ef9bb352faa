#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Status SqlStore::add_method(const Method& method, const AuditLogEntry* audit) {
  auto sealed = sealer_.seal(method.secret.span(), method_associated_data(method.id), rng_);
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    if (method.is_default) {
      TESSERA_RETURN_IF_ERROR(
          connection
              .execute("UPDATE methods SET is_default = 0 WHERE user_id = $1", {method.user_id})
              .status());
    }
    auto inserted = connection.execute(
        "INSERT INTO methods (" + std::string(kMethodColumns) +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {method.id, method.user_id, static_cast<std::int64_t>(method.kind), method.label,
         method.detail, SqlBlob{sealed}, std::int64_t{method.is_default},
         seconds(method.created_at),
         method.last_used_step ? SqlValue(*method.last_used_step) : SqlValue(nullptr)});
    if (!inserted.ok()) {
      if (inserted.status().code() == ErrorCode::failed_precondition) {
        return not_found("no such user for this method");
      }
      return inserted.status();
    }
    return maybe_audit(connection, audit);
  });
}

Result<std::vector<Method>> SqlStore::list_methods(const std::string& user_id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT " + std::string(kMethodColumns) +
                              " FROM methods WHERE user_id = $1 ORDER BY created_at, id",
                          {user_id}));
  std::vector<Method> methods;
  for (const SqlRow& row : result.rows) {
    TESSERA_ASSIGN_OR_RETURN(Method method, method_from(row));
    methods.push_back(std::move(method));
  }
  return methods;
}

Result<Method> SqlStore::find_method(const std::string& method_id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT " + std::string(kMethodColumns) + " FROM methods WHERE id = $1",
                          {method_id}));
  if (result.rows.empty()) return not_found("no such sign-in method");
  return method_from(result.rows[0]);
}

Status SqlStore::delete_method(const std::string& method_id, const AuditLogEntry* audit) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    TESSERA_ASSIGN_OR_RETURN(SqlResult deleted,
                             connection.execute("DELETE FROM methods WHERE id = $1", {method_id}));
    if (deleted.affected_rows == 0) return not_found("no such sign-in method");
    return maybe_audit(connection, audit);
  });
}

Status SqlStore::set_default_method(const std::string& user_id, const std::string& method_id) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult updated,
        connection.execute("UPDATE methods SET is_default = CASE WHEN id = $2 THEN 1 ELSE 0 "
                           "END WHERE user_id = $1",
                           {user_id, method_id}));
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult found, connection.execute("SELECT id FROM methods WHERE user_id = $1 AND id = $2",
                                            {user_id, method_id}));
    (void)updated;
    if (found.rows.empty()) return not_found("no such sign-in method for this user");
    return Status();
  });
}

Result<bool> SqlStore::advance_method_step(const std::string& method_id, std::int64_t step) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult updated, connection->execute(kAdvanceStep, {method_id, step}));
  if (updated.affected_rows > 0) return true;
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult found, connection->execute("SELECT id FROM methods WHERE id = $1", {method_id}));
  if (found.rows.empty()) return not_found("no such sign-in method");
  return false;
}

Result<Method> SqlStore::method_from(const SqlRow& row) {
  Method method;
  method.id = row.text(0);
  method.user_id = row.text(1);
  TESSERA_ASSIGN_OR_RETURN(
      method.kind, stored_enum(row.integer(2), kLastMethodKind, "kind of method", method.id));
  method.label = row.text(3);
  method.detail = row.text(4);
  auto sealed = row.blob(5);
  TESSERA_ASSIGN_OR_RETURN(method.secret, sealer_.open(sealed, method_associated_data(method.id)));
  method.is_default = row.integer(6) != 0;
  method.created_at = from_unix_seconds(row.integer(7));
  method.last_used_step = row.optional_integer(8);
  return method;
}

}  // namespace tessera
