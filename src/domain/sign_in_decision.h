// The sign-in decision of DESIGN.md section 3, as one pure function: given what is known about an
// interactive sign-in attempt, what to ask next and the rule that decided. No I/O, no clock: `now`
// is an input. The flow calls it after each step with the facts as they stand.
#pragma once

#include <optional>
#include <string_view>

#include "base/clock.h"
#include "domain/ip_range.h"
#include "domain/policy.h"
#include "domain/user.h"

namespace tessera {

enum class NextStep {
  deny,             // stop: credentials wrong, account blocked or locked
  change_password,  // temporary password: "Update your password"
  register_mfa,     // "More information required": registration wizard
  challenge_mfa,    // prove a registered method
  complete,         // signed in (continue with "Stay signed in?" and the redirect)
};

// Why the decision was made; written to the sign-in log. Stable names (see to_string).
enum class DecisionRule {
  unknown_user,     // no such UPN (the page says the same as for a wrong password)
  no_password_set,  // the account has no password hash
  wrong_password,
  account_blocked,
  account_locked,          // too many wrong passwords; locked_until is in the future
  temporary_password,      // must change the password first
  mfa_not_required,        // state Disabled and no org-wide requirement in force
  mfa_already_satisfied,   // MFA was completed earlier in this flow
  user_state_enabled,      // MFA required because the user's state is Enabled
  user_state_enforced,     // MFA required because the user's state is Enforced
  org_policy_mfa_for_all,  // MFA required by "Require MFA for all users from DATE"
  trusted_ip,              // required, but the client IP is in a trusted range: challenge skipped
  remembered_device,       // required, but a valid remembered-device token: challenge skipped
  registration_required,   // required and nothing usable registered
  app_requires_mfa,        // an app asked for MFA (OIDC acr_values, a client's require_mfa)
};

std::string_view to_string(NextStep step);
std::string_view to_string(DecisionRule rule);

struct SignInFacts {
  const User* user = nullptr;  // nullptr: the UPN is unknown
  bool password_correct = false;
  std::optional<Timestamp> locked_until;  // the end of the account's password lockout, if any
  const OrgPolicy* policy = nullptr;      // required
  std::optional<IpAddress> client_ip;
  bool remembered_device_valid = false;  // a valid remembered-device token for this user
  bool has_usable_method = false;        // a registered method the policy allows
  bool mfa_completed_in_flow = false;    // MFA (or a first registration) already done in this flow
  // The app being signed in to demands MFA: required even where the user's state and the
  // policy do not, and neither a trusted IP nor a remembered device skips it (the token must
  // say MFA was done, and only a challenge does it).
  bool app_requires_mfa = false;
  Timestamp now{};
};

struct SignInDecision {
  NextStep next = NextStep::deny;
  DecisionRule rule = DecisionRule::unknown_user;
  // Whether MFA is required for this user at `now` (after the password was right), and the rule
  // that made it so (user_state_enabled / user_state_enforced / org_policy_mfa_for_all) — logged
  // even when a trusted IP or remembered device skips the challenge.
  bool mfa_required = false;
  std::optional<DecisionRule> requirement_rule;
  // For register_mfa: the user may choose "Skip for now" (grace period still running).
  bool registration_skippable = false;
  friend bool operator==(const SignInDecision&, const SignInDecision&) = default;
};

SignInDecision decide_sign_in(const SignInFacts& facts);

// The MFA state in force for `user` at `now`: the stored state, raised to Enabled when the org
// policy requires MFA for all from a date ≤ now.
MfaState effective_mfa_state(const User& user, const OrgPolicy& policy, Timestamp now);

// The state a user created at `now` is stored with: Enabled when the org requires MFA for all from
// a date ≤ now, else Disabled.
MfaState initial_mfa_state(const OrgPolicy& policy, Timestamp now);

}  // namespace tessera
