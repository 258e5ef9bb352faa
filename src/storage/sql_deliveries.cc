#include "base/utf8.h"
#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

namespace {

// The statements name statuses, channels and answers by their stored numbers.
static_assert(static_cast<int>(DeliveryStatus::queued) == 0 &&
              static_cast<int>(DeliveryStatus::sending) == 1 &&
              static_cast<int>(DeliveryStatus::sent) == 2 &&
              static_cast<int>(DeliveryChannel::call) == 1 &&
              static_cast<int>(CallAnswer::none) == 0);

// A claim looks for this many candidates at once and tries them in turn, so senders claiming
// together each take another one without looking again after every loss.
constexpr std::int64_t kClaimCandidates = 8;
// Each round lost means kClaimCandidates deliveries went to other senders: only many senders
// emptying the queue faster than this one can ask get to the end, and then it says so.
constexpr int kClaimRounds = 16;

constexpr std::string_view kClaimable = "status = 0 OR (status = 1 AND updated_at < $1)";

// The gateway's error as the column takes it: valid UTF-8 without NUL (PostgreSQL refuses
// either) and at most kMaxDeliveryErrorLength bytes, cut between characters.
std::string bounded_error(std::string_view error) {
  std::string text = to_valid_utf8(error);
  std::erase(text, '\0');
  std::size_t kept = 0;
  while (kept < text.size()) {
    const std::size_t length = decode_utf8_at(text, kept).length;
    if (length == 0 || kept + length > kMaxDeliveryErrorLength) break;
    kept += length;
  }
  text.resize(kept);
  return text;
}

}  // namespace

Status SqlStore::add_delivery(const Delivery& delivery) {
  // Empty content is stored as NULL, as content is once emptied: nothing to seal or open.
  SqlValue content = nullptr;
  if (!delivery.content.empty()) {
    content =
        SqlBlob{sealer_.seal(delivery.content.span(), delivery_associated_data(delivery.id), rng_)};
  }
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  auto inserted = connection->execute(
      "INSERT INTO deliveries (" + std::string(kDeliveryColumns) +
          ") VALUES ($1, $2, $3, $4, $5, 0, 0, '', '', 0, $6, $7, $8)",
      {delivery.id, static_cast<std::int64_t>(delivery.channel), delivery.destination,
       delivery.user_id, std::move(content), seconds(delivery.created_at),
       seconds(delivery.updated_at), static_cast<std::int64_t>(delivery.reports_fraud ? 1 : 0)});
  if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
    return not_found("no such user for this delivery");
  }
  return inserted.status();
}

Result<std::size_t> SqlStore::count_unsent_deliveries() {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT COUNT(*) FROM deliveries WHERE status IN (0, 1)", {}));
  return result.rows.empty() ? 0 : static_cast<std::size_t>(result.rows[0].integer(0));
}

Result<std::optional<Delivery>> SqlStore::claim_delivery(Timestamp now, Timestamp stale_before) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  for (int round = 0; round < kClaimRounds; ++round) {
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult candidates,
        connection->execute("SELECT id FROM deliveries WHERE " + std::string(kClaimable) +
                                " ORDER BY created_at, id LIMIT $2",
                            {seconds(stale_before), kClaimCandidates}));
    if (candidates.rows.empty()) return std::optional<Delivery>();
    for (const SqlRow& candidate : candidates.rows) {
      // Claims only if it is still claimable: of senders racing for one row, the database lets
      // exactly one change it (PostgreSQL re-checks the condition on the row it waited for).
      TESSERA_ASSIGN_OR_RETURN(
          SqlResult claimed,
          connection->execute("UPDATE deliveries SET status = 1, attempts = attempts + 1, "
                              "updated_at = $2 WHERE id = $3 AND (" +
                                  std::string(kClaimable) + ") RETURNING " +
                                  std::string(kDeliveryColumns),
                              {seconds(stale_before), seconds(now), candidate.text(0)}));
      if (!claimed.rows.empty()) {
        TESSERA_ASSIGN_OR_RETURN(Delivery delivery, delivery_from(claimed.rows[0]));
        return std::optional<Delivery>(std::move(delivery));
      }
    }
  }
  return unavailable("other senders kept claiming every queued delivery first");
}

Result<Delivery> SqlStore::find_delivery(std::string_view id) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                           connection->execute("SELECT " + std::string(kDeliveryColumns) +
                                                   " FROM deliveries WHERE id = $1",
                                               {std::string(id)}));
  if (result.rows.empty()) return not_found("no such delivery");
  return delivery_from(result.rows[0]);
}

Result<bool> SqlStore::finish_delivery(std::string_view id, DeliveryStatus status,
                                       std::string_view provider_id, std::string_view error,
                                       bool keep_content, Timestamp now) {
  if (status != DeliveryStatus::sent && status != DeliveryStatus::failed) {
    return invalid_argument("a delivery finishes sent or failed, not " +
                            std::string(to_string(status)));
  }
  const std::string_view emptied = keep_content ? "" : ", sealed_content = NULL";
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult finished,
      connection->execute("UPDATE deliveries SET status = $2, provider_id = $3, last_error = $4, "
                          "updated_at = $5" +
                              std::string(emptied) + " WHERE id = $1 AND status = 1",
                          {std::string(id), static_cast<std::int64_t>(status),
                           std::string(provider_id), bounded_error(error), seconds(now)}));
  return finished.affected_rows > 0;
}

Result<bool> SqlStore::answer_call(std::string_view id, CallAnswer answer, Timestamp now) {
  if (answer == CallAnswer::none) return invalid_argument("a call's answer cannot be none");
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult answered,
      connection->execute("UPDATE deliveries SET answer = $2, sealed_content = NULL, "
                          "updated_at = $3 WHERE id = $1 AND channel = 1 AND status = 2 AND "
                          "answer = 0",
                          {std::string(id), static_cast<std::int64_t>(answer), seconds(now)}));
  return answered.affected_rows > 0;
}

Result<std::size_t> SqlStore::delete_deliveries_before(Timestamp cutoff) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult deleted,
      connection->execute("DELETE FROM deliveries WHERE created_at < $1", {seconds(cutoff)}));
  return static_cast<std::size_t>(deleted.affected_rows);
}

Result<Delivery> SqlStore::delivery_from(const SqlRow& row) {
  Delivery delivery;
  delivery.id = row.text(0);
  TESSERA_ASSIGN_OR_RETURN(delivery.channel, stored_enum(row.integer(1), DeliveryChannel::email,
                                                         "channel of delivery", delivery.id));
  delivery.destination = row.text(2);
  delivery.user_id = row.text(3);
  if (!row.is_null(4)) {
    TESSERA_ASSIGN_OR_RETURN(delivery.content,
                             sealer_.open(row.blob(4), delivery_associated_data(delivery.id)));
  }
  TESSERA_ASSIGN_OR_RETURN(delivery.status, stored_enum(row.integer(5), DeliveryStatus::failed,
                                                        "status of delivery", delivery.id));
  delivery.attempts = static_cast<int>(row.integer(6));
  delivery.last_error = row.text(7);
  delivery.provider_id = row.text(8);
  TESSERA_ASSIGN_OR_RETURN(delivery.answer, stored_enum(row.integer(9), CallAnswer::denied,
                                                        "answer of delivery", delivery.id));
  delivery.created_at = from_unix_seconds(row.integer(10));
  delivery.updated_at = from_unix_seconds(row.integer(11));
  delivery.reports_fraud = row.integer(12) != 0;
  return delivery;
}

}  // namespace tessera
