#include "domain/sign_in_decision.h"

namespace tessera {
namespace {

bool org_requires_mfa(const OrgPolicy& policy, Timestamp now) {
  return policy.mfa_required_from && start_of_day(*policy.mfa_required_from) <= now;
}

bool in_trusted_range(const OrgPolicy& policy, const std::optional<IpAddress>& ip) {
  if (!ip) return false;
  for (const auto& range : policy.trusted_ip_ranges) {
    if (range.contains(*ip)) return true;
  }
  return false;
}

// When the registration requirement started for this user: the later of the org date and the
// user's own state change, whichever made MFA required.
Timestamp requirement_start(const User& user, const OrgPolicy& policy, Timestamp now) {
  if (user.mfa_state >= MfaState::enabled) return user.mfa_state_changed_at;
  if (org_requires_mfa(policy, now)) {
    const Timestamp org_start = start_of_day(*policy.mfa_required_from);
    // A user created after the org date only starts the clock at creation.
    return std::max(org_start, user.created_at);
  }
  return now;
}

SignInDecision deny(DecisionRule rule) {
  return {NextStep::deny, rule};
}

}  // namespace

std::string_view to_string(NextStep step) {
  switch (step) {
    case NextStep::deny:
      return "deny";
    case NextStep::change_password:
      return "change_password";
    case NextStep::register_mfa:
      return "register_mfa";
    case NextStep::challenge_mfa:
      return "challenge_mfa";
    case NextStep::complete:
      return "complete";
  }
  return "deny";
}

std::string_view to_string(DecisionRule rule) {
  switch (rule) {
    case DecisionRule::unknown_user:
      return "unknown_user";
    case DecisionRule::no_password_set:
      return "no_password_set";
    case DecisionRule::wrong_password:
      return "wrong_password";
    case DecisionRule::account_blocked:
      return "account_blocked";
    case DecisionRule::account_locked:
      return "account_locked";
    case DecisionRule::temporary_password:
      return "temporary_password";
    case DecisionRule::mfa_not_required:
      return "mfa_not_required";
    case DecisionRule::mfa_already_satisfied:
      return "mfa_already_satisfied";
    case DecisionRule::user_state_enabled:
      return "user_state_enabled";
    case DecisionRule::user_state_enforced:
      return "user_state_enforced";
    case DecisionRule::org_policy_mfa_for_all:
      return "org_policy_mfa_for_all";
    case DecisionRule::trusted_ip:
      return "trusted_ip";
    case DecisionRule::remembered_device:
      return "remembered_device";
    case DecisionRule::app_requires_mfa:
      return "app_requires_mfa";
    case DecisionRule::registration_required:
      return "registration_required";
  }
  return "unknown_user";
}

MfaState effective_mfa_state(const User& user, const OrgPolicy& policy, Timestamp now) {
  if (user.mfa_state == MfaState::disabled && org_requires_mfa(policy, now)) {
    return MfaState::enabled;
  }
  return user.mfa_state;
}

MfaState initial_mfa_state(const OrgPolicy& policy, Timestamp now) {
  return org_requires_mfa(policy, now) ? MfaState::enabled : MfaState::disabled;
}

SignInDecision decide_sign_in(const SignInFacts& facts) {
  // 1. Account and password. A lockout is checked before the password so that a locked account
  // cannot be used to go on guessing; a blocked account is only revealed to someone who knows the
  // password (everyone else sees "wrong password").
  if (facts.user == nullptr) return deny(DecisionRule::unknown_user);
  const User& user = *facts.user;
  if (facts.locked_until && *facts.locked_until > facts.now) {
    return deny(DecisionRule::account_locked);
  }
  if (user.password_hash.empty()) return deny(DecisionRule::no_password_set);
  if (!facts.password_correct) return deny(DecisionRule::wrong_password);
  if (user.status == UserStatus::blocked) return deny(DecisionRule::account_blocked);

  // 2. A temporary password is changed before anything else.
  if (user.password_temporary) {
    return {NextStep::change_password, DecisionRule::temporary_password};
  }

  // 3. Is MFA required, and by which rule?
  const OrgPolicy& policy = *facts.policy;
  std::optional<DecisionRule> requirement;
  if (user.mfa_state == MfaState::enforced) {
    requirement = DecisionRule::user_state_enforced;
  } else if (user.mfa_state == MfaState::enabled) {
    requirement = DecisionRule::user_state_enabled;
  } else if (org_requires_mfa(policy, facts.now)) {
    requirement = DecisionRule::org_policy_mfa_for_all;
  } else if (facts.app_requires_mfa) {
    requirement = DecisionRule::app_requires_mfa;
  }
  if (!requirement) return {NextStep::complete, DecisionRule::mfa_not_required};

  SignInDecision decision;
  decision.mfa_required = true;
  decision.requirement_rule = requirement;

  if (facts.mfa_completed_in_flow) {
    decision.next = NextStep::complete;
    decision.rule = DecisionRule::mfa_already_satisfied;
    return decision;
  }

  // 4. Nothing usable registered: registration, which trusted IPs and remembered devices never
  // skip.
  if (!facts.has_usable_method) {
    decision.next = NextStep::register_mfa;
    decision.rule = DecisionRule::registration_required;
    const Timestamp grace_end = requirement_start(user, policy, facts.now) +
                                std::chrono::days(policy.registration_grace_days);
    decision.registration_skippable =
        !facts.app_requires_mfa && policy.registration_grace_days > 0 && facts.now < grace_end;
    return decision;
  }

  // 5. Registered: the challenge, unless the network or a remembered device vouches.
  if (!facts.app_requires_mfa && in_trusted_range(policy, facts.client_ip)) {
    decision.next = NextStep::complete;
    decision.rule = DecisionRule::trusted_ip;
    return decision;
  }
  if (!facts.app_requires_mfa && facts.remembered_device_valid && remembers_mfa(policy)) {
    decision.next = NextStep::complete;
    decision.rule = DecisionRule::remembered_device;
    return decision;
  }
  decision.next = NextStep::challenge_mfa;
  decision.rule = *requirement;
  return decision;
}

}  // namespace tessera
