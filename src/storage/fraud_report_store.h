// Fraud reports (DESIGN.md section 4): sign-ins a user said they did not start, and the single-use
// "This wasn't me" links emails carry, by the hash of their token. Part of the Store
// (storage/store.h), whose contracts apply.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace tessera {

struct FraudReport {
  std::string id;
  std::string user_id;
  Timestamp reported_at{};
  std::string source;    // "call" or "email"
  bool blocked = false;  // the report blocked the user (policy fraud_block_user)
  std::optional<Timestamp> told_at;
};

class FraudReportStore {
 public:
  virtual ~FraudReportStore() = default;

  virtual Status add_fraud_report(const FraudReport& report) = 0;
  // The user's newest report they were not told about yet, if any.
  virtual Result<std::optional<FraudReport>> untold_fraud_report(const std::string& user_id) = 0;
  // Marks every report of the user as told at `now`.
  virtual Status mark_fraud_reports_told(const std::string& user_id, Timestamp now) = 0;

  virtual Status add_report_link(const std::string& token_hash, const std::string& user_id,
                                 Timestamp expires_at) = 0;
  // Uses the link up: the user it reports for, once, while it has not expired at `now`; not_found
  // for an unknown, used or expired link.
  virtual Result<std::string> take_report_link(const std::string& token_hash, Timestamp now) = 0;
  // The user of a link that is still good, without using it up (the page that asks "report it?").
  virtual Result<std::string> peek_report_link(const std::string& token_hash, Timestamp now) = 0;
  virtual Result<std::size_t> delete_expired_report_links(Timestamp now) = 0;
};

}  // namespace tessera
