#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Status SqlStore::create_user(const User& user, const AuditLogEntry* audit) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    auto inserted = connection.execute(
        "INSERT INTO users (" + std::string(kUserColumns) +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        {user.id, user.upn, user.display_name, static_cast<std::int64_t>(user.status),
         user.password_hash, std::int64_t{user.password_temporary},
         static_cast<std::int64_t>(user.mfa_state), seconds(user.mfa_state_changed_at),
         seconds(user.created_at), seconds(user.password_changed_at),
         std::int64_t{user.stay_prompt_suppressed}, user.security_version,
         static_cast<std::int64_t>(user.role), optional_seconds(user.reset_prompted_at)});
    if (!inserted.ok()) {
      if (inserted.status().code() == ErrorCode::already_exists) {
        return already_exists("a user " + user.upn + " already exists");
      }
      return inserted.status();
    }
    return maybe_audit(connection, audit);
  });
}

Result<User> SqlStore::find_user_by_id(const std::string& id) {
  return find_user("id", id);
}

Result<User> SqlStore::find_user_by_upn(const std::string& canonical_upn) {
  return find_user("upn", canonical_upn);
}

Result<std::vector<User>> SqlStore::list_users(const UserListQuery& query) {
  // Every value is a parameter, so the statement text never varies (and is prepared once).
  const std::string sql = "SELECT " + std::string(kUserColumns) +
                          " FROM users WHERE upn LIKE $1 ESCAPE '\\' AND ($2 < 0 OR "
                          "mfa_state = $2) ORDER BY upn LIMIT $3 OFFSET $4";
  const std::size_t limit = std::clamp<std::size_t>(query.limit, 1, kMaxListLimit);
  const SqlParams params{
      like_pattern(query.upn_contains),
      query.mfa_state ? static_cast<std::int64_t>(*query.mfa_state) : std::int64_t{-1},
      static_cast<std::int64_t>(limit), static_cast<std::int64_t>(query.offset)};
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection->execute(sql, params));
  std::vector<User> users;
  users.reserve(result.rows.size());
  for (const SqlRow& row : result.rows) {
    TESSERA_ASSIGN_OR_RETURN(User user, user_from(row));
    users.push_back(std::move(user));
  }
  return users;
}

Result<std::int64_t> SqlStore::count_users() {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection->execute("SELECT COUNT(*) FROM users", {}));
  return result.rows.empty() ? 0 : result.rows[0].integer(0);
}

Result<std::int64_t> SqlStore::update_password(
    const std::string& user_id, const std::string& password_hash, bool temporary,
    Timestamp changed_at, std::optional<std::int64_t> expected_security_version) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult updated,
      connection->execute(
          "UPDATE users SET password_hash = $2, password_temporary = $3, "
          "password_changed_at = $4, security_version = security_version + 1 "
          "WHERE id = $1 AND (security_version = $5 OR $5 < 0) RETURNING security_version",
          {user_id, password_hash, std::int64_t{temporary}, seconds(changed_at),
           expected_security_version.value_or(-1)}));
  if (!updated.rows.empty()) return updated.rows[0].integer(0);
  TESSERA_RETURN_IF_ERROR(require_user(*connection, user_id));
  return failed_precondition("the user changed meanwhile");
}

Status SqlStore::replace_password_hash(const std::string& user_id, const std::string& old_hash,
                                       const std::string& new_hash) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connection
      ->execute("UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
                {user_id, old_hash, new_hash})
      .status();
}

Status SqlStore::set_password_temporary(const std::string& user_id, bool temporary) {
  return update_one("UPDATE users SET password_temporary = $2 WHERE id = $1",
                    {user_id, std::int64_t{temporary}}, "no such user");
}

Result<std::int64_t> SqlStore::update_status(const std::string& user_id, UserStatus status) {
  return update_returning_version(
      "UPDATE users SET status = $2, security_version = security_version + 1 WHERE id = $1 "
      "RETURNING security_version",
      {user_id, static_cast<std::int64_t>(status)});
}

Status SqlStore::update_mfa_state(const std::string& user_id, MfaState state,
                                  Timestamp changed_at) {
  return update_one("UPDATE users SET mfa_state = $2, mfa_state_changed_at = $3 WHERE id = $1",
                    {user_id, static_cast<std::int64_t>(state), seconds(changed_at)},
                    "no such user");
}

Result<std::int64_t> SqlStore::bump_security_version(const std::string& user_id) {
  return update_returning_version(
      "UPDATE users SET security_version = security_version + 1 WHERE id = $1 "
      "RETURNING security_version",
      {user_id});
}

Status SqlStore::check_user_unchanged(const std::string& user_id, std::int64_t security_version) {
  // An UPDATE rather than a SELECT: it takes the row's write lock on PostgreSQL (SQLite's
  // transactions already hold the database's), and PostgreSQL re-checks the condition once a
  // concurrent change of the row commits.
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult updated,
      connection->execute(
          "UPDATE users SET security_version = security_version WHERE id = $1 "
          "AND status = $2 AND security_version = $3",
          {user_id, static_cast<std::int64_t>(UserStatus::active), security_version}));
  if (updated.affected_rows == 0) {
    return failed_precondition("the user was blocked, changed or deleted meanwhile");
  }
  return Status();
}

Status SqlStore::set_stay_prompt_suppressed(const std::string& user_id, bool suppressed) {
  return update_one("UPDATE users SET stay_prompt_suppressed = $2 WHERE id = $1",
                    {user_id, std::int64_t{suppressed}}, "no such user");
}

Status SqlStore::mark_reset_prompted(const std::string& user_id, Timestamp at) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connection
      ->execute(
          "UPDATE users SET reset_prompted_at = $2 WHERE id = $1 AND reset_prompted_at IS NULL",
          {user_id, seconds(at)})
      .status();
}

Status SqlStore::update_role(const std::string& user_id, Role role) {
  return update_one("UPDATE users SET role = $2 WHERE id = $1",
                    {user_id, static_cast<std::int64_t>(role)}, "no such user");
}

Status SqlStore::delete_user(const std::string& id, const AuditLogEntry* audit) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    TESSERA_ASSIGN_OR_RETURN(SqlResult deleted,
                             connection.execute("DELETE FROM users WHERE id = $1", {id}));
    if (deleted.affected_rows == 0) return not_found("no such user");
    TESSERA_RETURN_IF_ERROR(
        connection.execute("DELETE FROM sign_in_flows WHERE user_id = $1", {id}).status());
    return maybe_audit(connection, audit);
  });
}

Result<User> SqlStore::find_user(std::string_view column, const std::string& value) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT " + std::string(kUserColumns) + " FROM users WHERE " +
                              std::string(column) + " = $1",
                          {value}));
  if (result.rows.empty()) return not_found("no user " + value);
  return user_from(result.rows[0]);
}

}  // namespace tessera
