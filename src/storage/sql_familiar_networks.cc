#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Result<std::optional<FamiliarNetwork>> SqlStore::find_familiar_network(const std::string& user_id,
                                                                       const std::string& network) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT network, last_seen "
                          "FROM familiar_networks WHERE user_id = $1 AND network = $2",
                          {user_id, network}));
  if (result.rows.empty()) return std::optional<FamiliarNetwork>();
  const SqlRow& row = result.rows[0];
  return std::optional<FamiliarNetwork>(
      FamiliarNetwork{row.text(0), from_unix_seconds(row.integer(1))});
}

Status SqlStore::remember_network(const std::string& user_id, const std::string& network,
                                  Timestamp now) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    return upsert_network(connection, user_id, network, now);
  });
}

Status SqlStore::upsert_network(SqlConnection& connection, const std::string& user_id,
                                const std::string& network, Timestamp now) {
  TESSERA_RETURN_IF_ERROR(
      connection
          .execute("INSERT INTO familiar_networks (user_id, network, last_seen) "
                   "VALUES ($1, $2, $3) ON CONFLICT (user_id, network) DO UPDATE SET "
                   "last_seen = excluded.last_seen",
                   {user_id, network, seconds(now)})
          .status());
  // Forget all but the most recent few.
  return connection
      .execute(
          "DELETE FROM familiar_networks WHERE user_id = $1 AND network NOT IN "
          "(SELECT network FROM familiar_networks WHERE user_id = $1 "
          "ORDER BY last_seen DESC, network LIMIT $2)",
          {user_id, static_cast<std::int64_t>(kMaxFamiliarNetworks)})
      .status();
}

}  // namespace tessera
