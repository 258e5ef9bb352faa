// The decision of DESIGN.md section 3 as a table: every combination of stored MFA state, org policy
// date, trusted IP and remembered device, with and without a registered method.
#include "domain/sign_in_decision.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace tessera {
namespace {

using std::chrono::days;

const Timestamp kNow =
    start_of_day(Date{std::chrono::year(2026), std::chrono::month(11), std::chrono::day(24)}) +
    std::chrono::hours(9);
const Date kYesterday = date_of(kNow - days(1));
const Date kToday = date_of(kNow);
const Date kTomorrow = date_of(kNow + days(1));

enum class OrgDate { none, past, today, future };

struct Row {
  MfaState state;
  OrgDate org_date;
  bool trusted_ip;
  bool remembered;
  bool has_method;
  NextStep next;
  DecisionRule rule;
  bool mfa_required;
  std::optional<DecisionRule> requirement;
};

std::string describe(const Row& row) {
  const char* dates[] = {"none", "past", "today", "future"};
  return std::string("state=") + std::string(to_string(row.state)) +
         " org_date=" + dates[static_cast<int>(row.org_date)] +
         " trusted_ip=" + (row.trusted_ip ? "yes" : "no") +
         " remembered=" + (row.remembered ? "yes" : "no") +
         " has_method=" + (row.has_method ? "yes" : "no");
}

OrgPolicy policy_for(OrgDate org_date) {
  OrgPolicy policy;
  policy.remember_mfa_days = 14;
  policy.trusted_ip_ranges = {*IpRange::parse("10.0.0.0/8"), *IpRange::parse("2001:db8::/32")};
  switch (org_date) {
    case OrgDate::none:
      break;
    case OrgDate::past:
      policy.mfa_required_from = kYesterday;
      break;
    case OrgDate::today:
      policy.mfa_required_from = kToday;
      break;
    case OrgDate::future:
      policy.mfa_required_from = kTomorrow;
      break;
  }
  return policy;
}

User active_user(MfaState state) {
  User user;
  user.id = "u1";
  user.upn = "alice@example.com";
  user.password_hash = "$argon2id$…";
  user.mfa_state = state;
  user.created_at = kNow - days(400);
  user.mfa_state_changed_at = kNow - days(30);
  return user;
}

SignInDecision decide(const Row& row) {
  const User user = active_user(row.state);
  const OrgPolicy policy = policy_for(row.org_date);
  SignInFacts facts;
  facts.user = &user;
  facts.password_correct = true;
  facts.policy = &policy;
  facts.client_ip = *IpAddress::parse(row.trusted_ip ? "10.1.2.3" : "203.0.113.9");
  facts.remembered_device_valid = row.remembered;
  facts.has_usable_method = row.has_method;
  facts.now = kNow;
  return decide_sign_in(facts);
}

constexpr auto D = MfaState::disabled;
constexpr auto E = MfaState::enabled;
constexpr auto F = MfaState::enforced;
constexpr auto kComplete = NextStep::complete;
constexpr auto kChallenge = NextStep::challenge_mfa;
constexpr auto kRegister = NextStep::register_mfa;
constexpr auto kNotRequired = DecisionRule::mfa_not_required;
constexpr auto kByEnabled = DecisionRule::user_state_enabled;
constexpr auto kByEnforced = DecisionRule::user_state_enforced;
constexpr auto kByOrg = DecisionRule::org_policy_mfa_for_all;
constexpr auto kTrusted = DecisionRule::trusted_ip;
constexpr auto kRemembered = DecisionRule::remembered_device;
constexpr auto kRegistration = DecisionRule::registration_required;
constexpr std::optional<DecisionRule> kNone = std::nullopt;

// clang-format off
const Row kTable[] = {
  // Disabled, no org requirement in force (none or future date): never asked, whatever else holds.
  {D, OrgDate::none,   false, false, true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::none,   true,  false, true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::none,   false, true,  true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::none,   true,  true,  true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::none,   false, false, false, kComplete, kNotRequired, false, kNone},
  {D, OrgDate::none,   true,  true,  false, kComplete, kNotRequired, false, kNone},
  {D, OrgDate::future, false, false, true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::future, true,  false, true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::future, false, true,  true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::future, true,  true,  true,  kComplete, kNotRequired, false, kNone},
  {D, OrgDate::future, false, false, false, kComplete, kNotRequired, false, kNone},
  {D, OrgDate::future, true,  true,  false, kComplete, kNotRequired, false, kNone},
  // Disabled but the org date has come (yesterday, or today since midnight UTC).
  {D, OrgDate::past,   false, false, true,  kChallenge, kByOrg,        true, kByOrg},
  {D, OrgDate::past,   true,  false, true,  kComplete,  kTrusted,      true, kByOrg},
  {D, OrgDate::past,   false, true,  true,  kComplete,  kRemembered,   true, kByOrg},
  {D, OrgDate::past,   true,  true,  true,  kComplete,  kTrusted,      true, kByOrg},
  {D, OrgDate::past,   false, false, false, kRegister,  kRegistration, true, kByOrg},
  {D, OrgDate::past,   true,  false, false, kRegister,  kRegistration, true, kByOrg},
  {D, OrgDate::past,   false, true,  false, kRegister,  kRegistration, true, kByOrg},
  {D, OrgDate::past,   true,  true,  false, kRegister,  kRegistration, true, kByOrg},
  {D, OrgDate::today,  false, false, true,  kChallenge, kByOrg,        true, kByOrg},
  {D, OrgDate::today,  true,  false, true,  kComplete,  kTrusted,      true, kByOrg},
  {D, OrgDate::today,  false, true,  true,  kComplete,  kRemembered,   true, kByOrg},
  {D, OrgDate::today,  false, false, false, kRegister,  kRegistration, true, kByOrg},
  // Enabled: always required; the user's own state is the rule even when the org also requires it.
  {E, OrgDate::none,   false, false, true,  kChallenge, kByEnabled,    true, kByEnabled},
  {E, OrgDate::none,   true,  false, true,  kComplete,  kTrusted,      true, kByEnabled},
  {E, OrgDate::none,   false, true,  true,  kComplete,  kRemembered,   true, kByEnabled},
  {E, OrgDate::none,   true,  true,  true,  kComplete,  kTrusted,      true, kByEnabled},
  {E, OrgDate::none,   false, false, false, kRegister,  kRegistration, true, kByEnabled},
  {E, OrgDate::none,   true,  false, false, kRegister,  kRegistration, true, kByEnabled},
  {E, OrgDate::none,   false, true,  false, kRegister,  kRegistration, true, kByEnabled},
  {E, OrgDate::none,   true,  true,  false, kRegister,  kRegistration, true, kByEnabled},
  {E, OrgDate::past,   false, false, true,  kChallenge, kByEnabled,    true, kByEnabled},
  {E, OrgDate::past,   true,  false, true,  kComplete,  kTrusted,      true, kByEnabled},
  {E, OrgDate::past,   false, true,  true,  kComplete,  kRemembered,   true, kByEnabled},
  {E, OrgDate::past,   false, false, false, kRegister,  kRegistration, true, kByEnabled},
  {E, OrgDate::future, false, false, true,  kChallenge, kByEnabled,    true, kByEnabled},
  {E, OrgDate::future, true,  true,  true,  kComplete,  kTrusted,      true, kByEnabled},
  {E, OrgDate::future, false, false, false, kRegister,  kRegistration, true, kByEnabled},
  // Enforced: the same, with its own rule.
  {F, OrgDate::none,   false, false, true,  kChallenge, kByEnforced,   true, kByEnforced},
  {F, OrgDate::none,   true,  false, true,  kComplete,  kTrusted,      true, kByEnforced},
  {F, OrgDate::none,   false, true,  true,  kComplete,  kRemembered,   true, kByEnforced},
  {F, OrgDate::none,   true,  true,  true,  kComplete,  kTrusted,      true, kByEnforced},
  {F, OrgDate::none,   false, false, false, kRegister,  kRegistration, true, kByEnforced},
  {F, OrgDate::none,   true,  true,  false, kRegister,  kRegistration, true, kByEnforced},
  {F, OrgDate::past,   false, false, true,  kChallenge, kByEnforced,   true, kByEnforced},
  {F, OrgDate::past,   true,  false, true,  kComplete,  kTrusted,      true, kByEnforced},
  {F, OrgDate::past,   false, true,  false, kRegister,  kRegistration, true, kByEnforced},
  {F, OrgDate::future, false, false, true,  kChallenge, kByEnforced,   true, kByEnforced},
  {F, OrgDate::future, false, true,  true,  kComplete,  kRemembered,   true, kByEnforced},
};
// clang-format on

TEST(SignInDecision, TableOfStatePolicyTrustedIpAndRememberedDevice) {
  for (const Row& row : kTable) {
    const SignInDecision decision = decide(row);
    SCOPED_TRACE(describe(row));
    EXPECT_EQ(to_string(decision.next), to_string(row.next));
    EXPECT_EQ(to_string(decision.rule), to_string(row.rule));
    EXPECT_EQ(decision.mfa_required, row.mfa_required);
    EXPECT_EQ(decision.requirement_rule, row.requirement);
  }
}

TEST(SignInDecision, TableCoversEveryCombination) {
  // Every (state, org date, trusted ip, remembered, has method) combination, derived from the table
  // by the rules that make rows equivalent, must have been decided the same as a listed row.
  int checked = 0;
  for (MfaState state : {D, E, F}) {
    for (OrgDate date : {OrgDate::none, OrgDate::past, OrgDate::today, OrgDate::future}) {
      for (bool trusted : {false, true}) {
        for (bool remembered : {false, true}) {
          for (bool has_method : {false, true}) {
            Row probe{state,     date,         trusted, remembered, has_method,
                      kComplete, kNotRequired, false,   kNone};
            const SignInDecision decision = decide(probe);
            SCOPED_TRACE(describe(probe));
            const bool required = state != D || date == OrgDate::past || date == OrgDate::today;
            EXPECT_EQ(decision.mfa_required, required);
            if (!required) {
              EXPECT_EQ(decision.next, kComplete);
            } else if (!has_method) {
              // Trusted IPs and remembered devices skip the challenge, never the registration.
              EXPECT_EQ(decision.next, kRegister);
            } else if (trusted) {
              EXPECT_EQ(decision.rule, kTrusted);
            } else if (remembered) {
              EXPECT_EQ(decision.rule, kRemembered);
            } else {
              EXPECT_EQ(decision.next, kChallenge);
            }
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 3 * 4 * 2 * 2 * 2);
}

class SignInDecisionAccount : public ::testing::Test {
 protected:
  SignInDecision decide_for(const User* user, bool password_correct) {
    SignInFacts facts;
    facts.user = user;
    facts.locked_until = locked_until_;
    facts.password_correct = password_correct;
    facts.policy = &policy_;
    facts.has_usable_method = true;
    facts.now = kNow;
    return decide_sign_in(facts);
  }
  OrgPolicy policy_;
  std::optional<Timestamp> locked_until_;
};

TEST_F(SignInDecisionAccount, UnknownUserIsDenied) {
  EXPECT_EQ(decide_for(nullptr, true),
            (SignInDecision{NextStep::deny, DecisionRule::unknown_user}));
}

TEST_F(SignInDecisionAccount, WrongPasswordIsDenied) {
  const User user = active_user(E);
  EXPECT_EQ(decide_for(&user, false).rule, DecisionRule::wrong_password);
}

TEST_F(SignInDecisionAccount, BlockedAccountIsRevealedOnlyWithTheRightPassword) {
  User user = active_user(D);
  user.status = UserStatus::blocked;
  EXPECT_EQ(decide_for(&user, false).rule, DecisionRule::wrong_password);
  EXPECT_EQ(decide_for(&user, true).rule, DecisionRule::account_blocked);
  EXPECT_EQ(decide_for(&user, true).next, NextStep::deny);
}

TEST_F(SignInDecisionAccount, LockedAccountIsDeniedEvenWithTheRightPassword) {
  User user = active_user(D);
  locked_until_ = kNow + std::chrono::seconds(1);
  EXPECT_EQ(decide_for(&user, true).rule, DecisionRule::account_locked);
  EXPECT_EQ(decide_for(&user, false).rule, DecisionRule::account_locked);
}

TEST_F(SignInDecisionAccount, LockoutEndsAtLockedUntil) {
  User user = active_user(D);
  locked_until_ = kNow;
  EXPECT_EQ(decide_for(&user, true).next, NextStep::complete);
}

TEST_F(SignInDecisionAccount, AccountWithoutPasswordCannotSignIn) {
  User user = active_user(D);
  user.password_hash.clear();
  EXPECT_EQ(decide_for(&user, true).rule, DecisionRule::no_password_set);
}

TEST_F(SignInDecisionAccount, TemporaryPasswordComesBeforeMfa) {
  User user = active_user(F);
  user.password_temporary = true;
  const auto decision = decide_for(&user, true);
  EXPECT_EQ(decision.next, NextStep::change_password);
  EXPECT_EQ(decision.rule, DecisionRule::temporary_password);
}

TEST_F(SignInDecisionAccount, MfaDoneEarlierInTheFlowCompletes) {
  const User user = active_user(F);
  SignInFacts facts;
  facts.user = &user;
  facts.password_correct = true;
  facts.policy = &policy_;
  facts.has_usable_method = true;
  facts.mfa_completed_in_flow = true;
  facts.now = kNow;
  const auto decision = decide_sign_in(facts);
  EXPECT_EQ(decision.next, NextStep::complete);
  EXPECT_EQ(decision.rule, DecisionRule::mfa_already_satisfied);
  EXPECT_TRUE(decision.mfa_required);
}

TEST_F(SignInDecisionAccount, RememberedDeviceIsIgnoredWhenThePolicyTurnedItOff) {
  const User user = active_user(E);
  SignInFacts facts;
  facts.user = &user;
  facts.password_correct = true;
  facts.policy = &policy_;  // remember_mfa_days = 0 (off) by default
  facts.has_usable_method = true;
  facts.remembered_device_valid = true;
  facts.now = kNow;
  EXPECT_EQ(decide_sign_in(facts).next, NextStep::challenge_mfa);
}

class RegistrationGrace : public ::testing::Test {
 protected:
  SignInDecision decide_registration(const User& user) {
    SignInFacts facts;
    facts.user = &user;
    facts.password_correct = true;
    facts.policy = &policy_;
    facts.has_usable_method = false;
    facts.now = kNow;
    return decide_sign_in(facts);
  }
  OrgPolicy policy_;
};

TEST_F(RegistrationGrace, NoGraceMeansNoSkip) {
  User user = active_user(E);
  user.mfa_state_changed_at = kNow - std::chrono::hours(1);
  EXPECT_FALSE(decide_registration(user).registration_skippable);
}

TEST_F(RegistrationGrace, SkipAllowedUntilGraceDaysAfterTheUserWasEnabled) {
  policy_.registration_grace_days = 14;
  User user = active_user(E);
  user.mfa_state_changed_at = kNow - days(13);
  EXPECT_TRUE(decide_registration(user).registration_skippable);
  user.mfa_state_changed_at = kNow - days(14);
  EXPECT_FALSE(decide_registration(user).registration_skippable);
}

TEST_F(RegistrationGrace, OrgDateStartsTheGraceForDisabledUsers) {
  policy_.registration_grace_days = 7;
  policy_.mfa_required_from = date_of(kNow - days(6));
  const User user = active_user(D);
  EXPECT_TRUE(decide_registration(user).registration_skippable);
  policy_.mfa_required_from = date_of(kNow - days(8));
  EXPECT_FALSE(decide_registration(user).registration_skippable);
}

TEST_F(RegistrationGrace, UserCreatedAfterTheOrgDateGetsGraceFromCreation) {
  policy_.registration_grace_days = 7;
  policy_.mfa_required_from = date_of(kNow - days(30));
  User user = active_user(D);
  user.created_at = kNow - days(2);
  EXPECT_TRUE(decide_registration(user).registration_skippable);
}

TEST(MfaStateRules, EffectiveStateIsRaisedByTheOrgDate) {
  OrgPolicy policy;
  const User user = active_user(D);
  EXPECT_EQ(effective_mfa_state(user, policy, kNow), MfaState::disabled);
  policy.mfa_required_from = kToday;
  EXPECT_EQ(effective_mfa_state(user, policy, kNow), MfaState::enabled);
  EXPECT_EQ(effective_mfa_state(active_user(F), policy, kNow), MfaState::enforced);
  policy.mfa_required_from = kTomorrow;
  EXPECT_EQ(effective_mfa_state(user, policy, kNow), MfaState::disabled);
}

TEST(MfaStateRules, NewUsersStartEnabledOnceTheOrgDateHasCome) {
  OrgPolicy policy;
  EXPECT_EQ(initial_mfa_state(policy, kNow), MfaState::disabled);
  policy.mfa_required_from = kTomorrow;
  EXPECT_EQ(initial_mfa_state(policy, kNow), MfaState::disabled);
  EXPECT_EQ(initial_mfa_state(policy, kNow + days(1)), MfaState::enabled);
}

TEST(SignInDecisionNames, EveryRuleHasADistinctStableName) {
  std::set<std::string_view> names;
  for (int rule = 0; rule <= static_cast<int>(DecisionRule::registration_required); ++rule) {
    names.insert(to_string(static_cast<DecisionRule>(rule)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(DecisionRule::registration_required) + 1);
  EXPECT_EQ(to_string(DecisionRule::trusted_ip), "trusted_ip");
}

}  // namespace
}  // namespace tessera
