#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

Status SqlStore::remember_device(const RememberedDevice& device) {
  return connections_.in_transaction([&](SqlConnection& connection) -> Status {
    auto inserted = connection.execute(
        "INSERT INTO remembered_devices (token_hash, user_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4)",
        {device.token_hash, device.user_id, seconds(device.created_at),
         seconds(device.expires_at)});
    if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
      return not_found("no such user for this device");
    }
    TESSERA_RETURN_IF_ERROR(inserted.status());
    return connection
        .execute(
            "DELETE FROM remembered_devices WHERE user_id = $1 AND token_hash NOT IN "
            "(SELECT token_hash FROM remembered_devices WHERE user_id = $1 "
            "ORDER BY created_at DESC, token_hash LIMIT $2)",
            {device.user_id, static_cast<std::int64_t>(kMaxRememberedDevices)})
        .status();
  });
}

Result<std::optional<RememberedDevice>> SqlStore::find_remembered_device(
    const std::string& token_hash, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT token_hash, user_id, created_at, expires_at "
                          "FROM remembered_devices WHERE token_hash = $1 AND expires_at > $2",
                          {token_hash, seconds(now)}));
  if (result.rows.empty()) return std::optional<RememberedDevice>();
  const SqlRow& row = result.rows[0];
  return std::optional<RememberedDevice>(RememberedDevice{row.text(0), row.text(1),
                                                          from_unix_seconds(row.integer(2)),
                                                          from_unix_seconds(row.integer(3))});
}

Result<std::size_t> SqlStore::forget_remembered_devices(const std::string& user_id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("DELETE FROM remembered_devices WHERE user_id = $1", {user_id}));
  return static_cast<std::size_t>(result.affected_rows);
}

Result<std::size_t> SqlStore::count_remembered_devices(const std::string& user_id, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute(
          "SELECT COUNT(*) FROM remembered_devices WHERE user_id = $1 AND expires_at > $2",
          {user_id, seconds(now)}));
  return static_cast<std::size_t>(result.rows.empty() ? 0 : result.rows[0].integer(0));
}

Status SqlStore::add_fraud_report(const FraudReport& report) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  auto inserted = connection->execute(
      "INSERT INTO fraud_reports (id, user_id, reported_at, source, blocked, told_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {report.id, report.user_id, seconds(report.reported_at), report.source,
       std::int64_t{report.blocked}, optional_seconds(report.told_at)});
  if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
    return not_found("no such user for this report");
  }
  return inserted.status();
}

Result<std::optional<FraudReport>> SqlStore::untold_fraud_report(const std::string& user_id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT id, user_id, reported_at, source, blocked, told_at "
                          "FROM fraud_reports WHERE user_id = $1 AND told_at IS NULL "
                          "ORDER BY reported_at DESC, id LIMIT 1",
                          {user_id}));
  if (result.rows.empty()) return std::optional<FraudReport>();
  const SqlRow& row = result.rows[0];
  return std::optional<FraudReport>(FraudReport{row.text(0), row.text(1),
                                                from_unix_seconds(row.integer(2)), row.text(3),
                                                row.integer(4) != 0, optional_timestamp(row, 5)});
}

Status SqlStore::mark_fraud_reports_told(const std::string& user_id, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connection
      ->execute("UPDATE fraud_reports SET told_at = $2 WHERE user_id = $1 AND told_at IS NULL",
                {user_id, seconds(now)})
      .status();
}

Status SqlStore::add_report_link(const std::string& token_hash, const std::string& user_id,
                                 Timestamp expires_at) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  auto inserted = connection->execute(
      "INSERT INTO report_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
      {token_hash, user_id, seconds(expires_at)});
  if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
    return not_found("no such user for this link");
  }
  return inserted.status();
}

Result<std::string> SqlStore::take_report_link(const std::string& token_hash, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  // One statement: of two requests racing with one link, one gets its row.
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("DELETE FROM report_links WHERE token_hash = $1 AND expires_at > $2 "
                          "RETURNING user_id",
                          {token_hash, seconds(now)}));
  if (result.rows.empty()) return not_found("no such report link");
  return result.rows[0].text(0);
}

Result<std::string> SqlStore::peek_report_link(const std::string& token_hash, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute(
          "SELECT user_id FROM report_links WHERE token_hash = $1 AND expires_at > $2",
          {token_hash, seconds(now)}));
  if (result.rows.empty()) return not_found("no such report link");
  return result.rows[0].text(0);
}

Result<std::size_t> SqlStore::delete_expired_report_links(Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("DELETE FROM report_links WHERE expires_at <= $1", {seconds(now)}));
  return static_cast<std::size_t>(result.affected_rows);
}

}  // namespace tessera
