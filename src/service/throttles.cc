#include "service/throttles.h"

#include <algorithm>

namespace tessera::throttles {

ThrottleKey account_passwords(const std::string& user_id) {
  return {"password:user:" + user_id, user_id};
}

ThrottleKey familiar_network_passwords(const std::string& user_id, const std::string& network) {
  return {"password:network:" + user_id + ":" + network, user_id};
}

ThrottleKey unknown_name_passwords(const std::string& name_hash) {
  return {"password:name:" + name_hash, ""};
}

ThrottleKey network_password_failures(const std::string& network) {
  return {"password:from:" + network, ""};
}

ThrottleKey network_sign_in_starts(const std::string& network) {
  return {"sign_in_start:" + network, ""};
}

ThrottleKey user_codes(const std::string& user_id) {
  return {"code:user:" + user_id, user_id};
}

ThrottleKey user_sends(const std::string& user_id) {
  return ThrottleKey{"send:user:" + user_id, user_id};
}

ThrottleKey destination_sends(const std::string& destination) {
  return ThrottleKey{"send:to:" + destination, ""};
}

Result<Timestamp> lock_end(ThrottleStore& store, const std::string& key, Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(std::optional<ThrottleState> state, store.find_throttle(key));
  if (state && state->locked_until && *state->locked_until > now) return *state->locked_until;
  return now;
}

ThrottleRule password_rule(const OrgPolicy& policy) {
  ThrottleRule rule;
  rule.limit = std::max(1, policy.lockout.threshold);
  rule.lock = policy.lockout.duration;
  rule.doubling = true;
  rule.max_lock = kMaxPasswordLockout;
  return rule;
}

ThrottleRule unknown_name_rule(const OrgPolicy& policy) {
  ThrottleRule rule = password_rule(policy);
  rule.forget_after = kStaleCounterAge;
  return rule;
}

ThrottleRule network_password_failure_rule() {
  ThrottleRule rule;
  rule.limit = kMaxNetworkPasswordFailures;
  rule.window = kNetworkFailureWindow;
  rule.lock = kNetworkThrottleDuration;
  rule.max_lock = kNetworkThrottleDuration;
  rule.forget_after = kStaleCounterAge;
  return rule;
}

ThrottleRule network_sign_in_start_rule(int limit) {
  ThrottleRule rule;
  rule.limit = std::max(1, limit);
  rule.window = kFlowStartWindow;
  rule.forget_after = kStaleCounterAge;
  return rule;
}

ThrottleRule code_rule() {
  ThrottleRule rule;
  rule.limit = kMaxWrongCodesPerUser;
  rule.lock = kCodeLockoutDuration;
  rule.max_lock = kCodeLockoutDuration;
  return rule;
}

ThrottleRule send_rule() {
  ThrottleRule rule;
  rule.limit = kMaxSendsPerWindow;
  rule.window = kSendWindow;
  rule.forget_after = kStaleCounterAge;
  return rule;
}

}  // namespace tessera::throttles
