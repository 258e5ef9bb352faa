#include "service/fraud_reports.h"

#include "base/ids.h"
#include "base/log.h"
#include "base/time_format.h"
#include "crypto/token.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxLinkTokenLength = 128;

// The email the admin address gets.
Outgoing admin_email(const std::string& to, const User& user, std::string_view source, bool blocked,
                     Timestamp now, std::string_view tenant) {
  const std::string how = source == "call" ? "answered a call from us with 0#"
                                           : "followed \"This wasn't me\" in a sign-in email";
  const std::string outcome =
      blocked ? "The account is now blocked until an admin unblocks it (tessera user unblock " +
                    user.upn + ")."
      : user.status != UserStatus::active
          ? std::string("The account was blocked already.")
          : std::string("The account was not blocked (policy fraud_block_user is off).");
  std::string text = user.upn + " reported a sign-in to " + std::string(tenant) +
                     " they didn't start: they " + how + " at " + format_timestamp(now) +
                     ".\n\nThe sign-in was stopped. " + outcome +
                     "\n\nSomeone may know this user's password: reset it and check the sign-in "
                     "log (tessera log sign-ins).\n";
  return Outgoing{DeliveryChannel::email, to,
                  std::string(tenant) + ": fraud reported by " + user.upn,
                  SecretBytes::from_string(text), SecretBytes()};
}

}  // namespace

ReportLink new_report_link(Rng& rng, std::string_view public_url) {
  if (public_url.empty()) return {};
  IssuedToken token = issue_token(rng);
  return ReportLink{
      std::string(public_url) + std::string(kReportPath) + "?t=" + std::string(token.token.view()),
      std::move(token.token_hash)};
}

Status FraudReports::report(const std::string& user_id, std::string_view source,
                            std::string_view client_ip) {
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  bool queued = false;
  const Status done = store_.transaction([&](Store& tx) -> Status {
    TESSERA_ASSIGN_OR_RETURN(User user, tx.find_user_by_id(user_id));
    const bool block = policy.fraud_block_user && user.status == UserStatus::active;
    // Every sign-in of theirs under way ends: the one reported, and any other the same person
    // may have started with the password.
    TESSERA_RETURN_IF_ERROR(tx.delete_user_flows(user.id, ""));
    TESSERA_RETURN_IF_ERROR(tx.add_fraud_report(
        FraudReport{new_id(rng_), user.id, now, std::string(source), block, std::nullopt}));
    SignInLogEntry entry;
    entry.id = new_id(rng_);
    entry.time = now;
    entry.user_id = user.id;
    entry.upn = user.upn;
    entry.client_ip = std::string(client_ip);
    entry.app = "Fraud report (" + std::string(source) + ")";
    entry.result = SignInResult::failure;
    entry.failure_reason = "fraud_reported";
    entry.mfa_required = true;
    entry.decided_by = "fraud_reported";
    TESSERA_RETURN_IF_ERROR(tx.append_sign_in(entry));
    const std::string how = "reported by " + std::string(source);
    TESSERA_RETURN_IF_ERROR(tx.append_audit(
        AuditLogEntry{new_id(rng_), now, user.upn, "user.fraud_report", user.upn, how}));
    if (block) {
      TESSERA_RETURN_IF_ERROR(tx.update_status(user.id, UserStatus::blocked).status());
      TESSERA_RETURN_IF_ERROR(tx.delete_user_sessions(user.id));
      TESSERA_RETURN_IF_ERROR(tx.append_audit(
          AuditLogEntry{new_id(rng_), now, "system", "user.block", user.upn, "fraud " + how}));
    }
    if (!policy.fraud_notify_email.empty() && settings_.deliveries != nullptr) {
      const Outgoing email =
          admin_email(policy.fraud_notify_email, user, source, block, now, settings_.tenant_name);
      TESSERA_ASSIGN_OR_RETURN(
          auto sent,
          settings_.deliveries->queue(tx, rng_, user.id, email, now, DeliveryQueue::Cause::notice));
      queued = std::holds_alternative<std::string>(sent);
      if (!queued) {
        log_event(LogLevel::error, "fraud_notice_not_queued", {{"user", user.id}});
      }
    }
    return Status();
  });
  if (!done.ok()) return done;
  log_event(LogLevel::warn, "fraud_reported", {{"user", user_id}, {"source", std::string(source)}});
  if (queued) settings_.deliveries->wake();
  return Status();
}

Status FraudReports::report_by_link(std::string_view token, std::string_view client_ip) {
  if (token.empty() || token.size() > kMaxLinkTokenLength) return not_found("no such link");
  TESSERA_ASSIGN_OR_RETURN(std::string user_id,
                           store_.take_report_link(hash_token(token), clock_.now()));
  return report(user_id, "email", client_ip);
}

Result<bool> FraudReports::link_valid(std::string_view token) {
  if (token.empty() || token.size() > kMaxLinkTokenLength) return false;
  auto user = store_.peek_report_link(hash_token(token), clock_.now());
  if (!user.ok() && user.status().code() == ErrorCode::not_found) return false;
  if (!user.ok()) return user.status();
  return true;
}

Result<bool> FraudReports::blocks_user() {
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  return policy.fraud_block_user;
}

}  // namespace tessera
