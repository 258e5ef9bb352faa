#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Status SqlStore::append_sign_in(const SignInLogEntry& entry) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return insert_sign_in(*connection, entry);
}

Status SqlStore::insert_sign_in(SqlConnection& connection, const SignInLogEntry& entry) {
  return connection
      .execute(
          "INSERT INTO sign_in_log (id, time, user_id, upn, client_ip, app, result, "
          "failure_reason, mfa_required, decided_by, method) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          {entry.id, seconds(entry.time), entry.user_id, entry.upn, entry.client_ip, entry.app,
           static_cast<std::int64_t>(entry.result), entry.failure_reason,
           std::int64_t{entry.mfa_required}, entry.decided_by, entry.method})
      .status();
}

Result<std::vector<SignInLogEntry>> SqlStore::list_sign_ins(std::size_t limit) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute(
          "SELECT id, time, user_id, upn, client_ip, app, result, "
          "failure_reason, mfa_required, decided_by, method FROM sign_in_log "
          "ORDER BY seq DESC LIMIT $1",
          {static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit))}));
  std::vector<SignInLogEntry> entries;
  for (const SqlRow& row : result.rows) {
    SignInLogEntry entry;
    entry.id = row.text(0);
    entry.time = from_unix_seconds(row.integer(1));
    entry.user_id = row.text(2);
    entry.upn = row.text(3);
    entry.client_ip = row.text(4);
    entry.app = row.text(5);
    entry.result = static_cast<SignInResult>(std::clamp<std::int64_t>(row.integer(6), 0, 2));
    entry.failure_reason = row.text(7);
    entry.mfa_required = row.integer(8) != 0;
    entry.decided_by = row.text(9);
    entry.method = row.text(10);
    entries.push_back(std::move(entry));
  }
  return entries;
}

Status SqlStore::append_audit(const AuditLogEntry& entry) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return insert_audit(*connection, entry);
}

Result<std::vector<AuditLogEntry>> SqlStore::list_audit(std::size_t limit) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute(
          "SELECT id, time, actor, action, target, detail FROM audit_log "
          "ORDER BY seq DESC LIMIT $1",
          {static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit))}));
  std::vector<AuditLogEntry> entries;
  for (const SqlRow& row : result.rows) {
    entries.push_back({row.text(0), from_unix_seconds(row.integer(1)), row.text(2), row.text(3),
                       row.text(4), row.text(5)});
  }
  return entries;
}

}  // namespace tessera
