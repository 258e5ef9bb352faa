#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Result<std::int64_t> SqlStore::save_flow(const FlowRecord& flow, const std::string* new_id_hash) {
  const std::string& key = new_id_hash != nullptr ? *new_id_hash : flow.id_hash;
  auto sealed = sealer_.seal(flow.state.span(), flow_associated_data(key), rng_);
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  if (flow.version == 0) {
    TESSERA_RETURN_IF_ERROR(
        connections_
            .ephemeral(*connection,
                       "INSERT INTO sign_in_flows (id_hash, sealed_state, version, expires_at, "
                       "user_id) VALUES ($1, $2, 1, $3, $4)",
                       {key, SqlBlob{std::move(sealed)}, seconds(flow.expires_at),
                        optional_text(flow.user_id)})
            .status());
    return 1;
  }
  // One statement whether or not the flow moves to a new key, so it is prepared once.
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult updated,
      connections_.ephemeral(
          *connection,
          "UPDATE sign_in_flows SET id_hash = $5, sealed_state = $2, version = version + 1, "
          "expires_at = $4, user_id = $6, "
          "code_attempts = CASE WHEN $5 = $1 THEN code_attempts ELSE 0 END "
          "WHERE id_hash = $1 AND version = $3",
          {flow.id_hash, SqlBlob{std::move(sealed)}, flow.version, seconds(flow.expires_at), key,
           optional_text(flow.user_id)}));
  if (updated.affected_rows == 0) {
    return failed_precondition("the sign-in flow was changed or ended by another request");
  }
  return flow.version + 1;
}

Result<FlowRecord> SqlStore::find_flow(const std::string& id_hash, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT sealed_state, version, expires_at, user_id, code_attempts "
                          "FROM sign_in_flows WHERE id_hash = $1 AND expires_at > $2",
                          {id_hash, seconds(now)}));
  if (result.rows.empty()) return not_found("no such sign-in flow");
  const SqlRow& row = result.rows[0];
  FlowRecord flow;
  flow.id_hash = id_hash;
  TESSERA_ASSIGN_OR_RETURN(flow.state, sealer_.open(row.blob(0), flow_associated_data(id_hash)));
  flow.version = row.integer(1);
  flow.expires_at = from_unix_seconds(row.integer(2));
  flow.user_id = row.text(3);
  flow.code_attempts = static_cast<int>(row.integer(4));
  return flow;
}

Status SqlStore::delete_flow(const std::string& id_hash) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connections_
      .ephemeral(*connection, "DELETE FROM sign_in_flows WHERE id_hash = $1", {id_hash})
      .status();
}

Status SqlStore::delete_flow_at_version(const std::string& id_hash, std::int64_t version) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult deleted,
      connections_.ephemeral(*connection,
                             "DELETE FROM sign_in_flows WHERE id_hash = $1 AND version = $2",
                             {id_hash, version}));
  if (deleted.affected_rows == 0) {
    return failed_precondition("the sign-in flow was changed or ended by another request");
  }
  return Status();
}

Result<std::optional<int>> SqlStore::count_flow_attempt(const std::string& id_hash, int limit) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connections_.ephemeral(*connection,
                             "UPDATE sign_in_flows SET code_attempts = code_attempts + 1 "
                             "WHERE id_hash = $1 AND code_attempts < $2 RETURNING code_attempts",
                             {id_hash, std::int64_t{limit}}));
  if (result.rows.empty()) return std::optional<int>();
  return std::optional<int>(static_cast<int>(result.rows[0].integer(0)));
}

Status SqlStore::delete_user_flows(const std::string& user_id, const std::string& except_id_hash) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connections_
      .ephemeral(*connection, "DELETE FROM sign_in_flows WHERE user_id = $1 AND id_hash <> $2",
                 {user_id, except_id_hash})
      .status();
}

Result<std::int64_t> SqlStore::delete_expired_flows(Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult deleted,
      connections_.ephemeral(*connection, "DELETE FROM sign_in_flows WHERE expires_at <= $1",
                             {seconds(now)}));
  return deleted.affected_rows;
}

}  // namespace tessera
