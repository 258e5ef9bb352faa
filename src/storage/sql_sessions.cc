#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Status SqlStore::create_session(const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return insert_session(*connection, session);
}

Status SqlStore::insert_session(SqlConnection& connection, const SessionRecord& session) {
  auto inserted = connection.execute(
      "INSERT INTO sessions (" + std::string(kSessionColumns) +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {session.token_hash, session.user_id, seconds(session.created_at),
       seconds(session.last_seen_at), seconds(session.expires_at), std::int64_t{session.persistent},
       optional_seconds(session.mfa_at), session.amr});
  if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
    return not_found("no such user for this session");
  }
  return inserted.status();
}

Result<SessionRecord> SqlStore::find_session(const std::string& token_hash) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                           connection->execute("SELECT " + std::string(kSessionColumns) +
                                                   " FROM sessions WHERE token_hash = $1",
                                               {token_hash}));
  if (result.rows.empty()) return not_found("no such session");
  return session_from(result.rows[0]);
}

Status SqlStore::touch_session(const std::string& token_hash, Timestamp last_seen_at) {
  return update_one("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
                    {token_hash, seconds(last_seen_at)}, "no such session");
}

Status SqlStore::set_session_mfa(const std::string& token_hash, Timestamp mfa_at) {
  return update_one("UPDATE sessions SET mfa_at = $2 WHERE token_hash = $1",
                    {token_hash, seconds(mfa_at)}, "no such session");
}

Status SqlStore::delete_session(const std::string& token_hash) {
  return update_one("DELETE FROM sessions WHERE token_hash = $1", {token_hash}, "no such session");
}

Status SqlStore::delete_user_sessions(const std::string& user_id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connection->execute("DELETE FROM sessions WHERE user_id = $1", {user_id}).status();
}

}  // namespace tessera
