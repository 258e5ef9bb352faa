// Fraud reports (DESIGN.md sections 1 and 4): a person who did not start a sign-in says so, by
// pressing 0# on its call or following "This wasn't me" in its email. The report ends every
// sign-in of the user under way, is written to the sign-in log (`fraud_reported`) and the audit
// log, and per policy blocks the user (fraud_block_user) and emails the admin address
// (fraud_notify_email) — all in one store transaction. The user is told at their next sign-in
// (SignInService, through Store::untold_fraud_report).
//
// "This wasn't me" links: a random token in the email's URL, only its hash stored, valid for
// kReportLinkLifetime and usable once.
//
// Thread-safe if Store, Clock and Rng are.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "service/deliveries.h"
#include "storage/store.h"

namespace tessera {

inline constexpr std::chrono::hours kReportLinkLifetime{24};
// The path a "This wasn't me" link opens (with ?t=TOKEN).
inline constexpr std::string_view kReportPath = "/report";

struct FraudReportSettings {
  std::string tenant_name = "tessera";
  const DeliveryQueue* deliveries = nullptr;  // none: the admin address is not emailed
};

// A link's token, for the email, and its hash, for Store::add_report_link.
struct ReportLink {
  std::string url;         // public_url + kReportPath + "?t=" + token
  std::string token_hash;  // empty when no link could be made (no public URL)
};

// A new "This wasn't me" link under `public_url` (no trailing slash; empty = no link).
ReportLink new_report_link(Rng& rng, std::string_view public_url);

class FraudReports {
 public:
  FraudReports(Store& store, const Clock& clock, Rng& rng, FraudReportSettings settings = {})
      : store_(store), clock_(clock), rng_(rng), settings_(std::move(settings)) {}

  // The user `user_id` (their call or email) reported a sign-in as not theirs; `source` is
  // "call" or "email", `client_ip` whoever reported (empty for a call). not_found for no such
  // user.
  Status report(const std::string& user_id, std::string_view source, std::string_view client_ip);
  // "This wasn't me": reports for the user of the link (used up); not_found for an unknown, used
  // or expired link.
  Status report_by_link(std::string_view token, std::string_view client_ip);
  // Whether a link is still good (the page that asks before reporting).
  Result<bool> link_valid(std::string_view token);
  // Whether a report blocks the user now (policy fraud_block_user).
  Result<bool> blocks_user();

 private:
  Store& store_;
  const Clock& clock_;
  Rng& rng_;
  const FraudReportSettings settings_;
};

}  // namespace tessera
