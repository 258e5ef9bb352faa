#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Result<OrgPolicy> SqlStore::load_policy() {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                           connection->execute("SELECT key, value FROM policy", {}));
  OrgPolicy policy;
  for (const SqlRow& row : result.rows) {
    const std::string key = row.text(0);
    const std::string value = row.text(1);
    Status parsed = set_policy_value(policy, key, value);
    if (!parsed.ok()) {
      // One bad row must not fail every sign-in: that setting keeps its default, and the
      // operator hears of it once (per key and value) until it is set again.
      report_bad_policy_row(key, value, parsed);
    }
  }
  return policy;
}

Status SqlStore::save_policy(const OrgPolicy& policy, const AuditLogEntry* audit) {
  TESSERA_RETURN_IF_ERROR(validate(policy));
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    for (const auto& [key, value] : describe_policy(policy)) {
      TESSERA_RETURN_IF_ERROR(connection
                                  .execute("INSERT INTO policy (key, value) VALUES ($1, $2) "
                                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                           {key, value})
                                  .status());
    }
    return maybe_audit(connection, audit);
  });
}

// Logs a policy row that does not parse, once per key and value.
void SqlStore::report_bad_policy_row(const std::string& key, const std::string& value,
                                     const Status& problem) {
  {
    std::lock_guard lock(reported_mutex_);
    if (!reported_policy_rows_.emplace(key, value).second) return;
  }
  log_event(LogLevel::error, "policy_value_invalid",
            {{"key", key}, {"error", problem.message()}, {"using", "the default"}});
}

}  // namespace tessera
