#include "domain/sign_in_flow.h"

#include <set>

#include <gtest/gtest.h>

namespace tessera {
namespace {

const Timestamp kNow = from_unix_seconds(1'795'500'000);

SignInDecision decision(NextStep next, DecisionRule rule, bool required = false,
                        bool skippable = false) {
  SignInDecision result;
  result.next = next;
  result.rule = rule;
  result.mfa_required = required;
  result.registration_skippable = skippable;
  return result;
}

class SignInFlowTest : public ::testing::Test {
 protected:
  Transition send(SignInEvent event) {
    Transition transition = advance(flow_, std::move(event), context_);
    flow_ = transition.flow;
    return transition;
  }
  template <typename Step>
  bool at() const {
    return std::holds_alternative<Step>(flow_.step);
  }
  void reach_password() { send(event::UsernameEntered{"alice@example.com"}); }
  void reach_challenge() {
    reach_password();
    send(event::PasswordChecked{
        decision(NextStep::challenge_mfa, DecisionRule::user_state_enforced, true), "u1"});
  }
  void reach_registration() {
    reach_password();
    send(event::PasswordChecked{
        decision(NextStep::register_mfa, DecisionRule::registration_required, true), "u1"});
  }

  SignInFlow flow_ = start_flow(kNow);
  TransitionContext context_{kNow, ChallengeStart{"m1", "authenticator_app", "enter_code", {}},
                             false};
};

TEST_F(SignInFlowTest, StartsAtUsernameAndExpiresAfterFifteenMinutes) {
  EXPECT_TRUE(at<step::EnterUsername>());
  EXPECT_EQ(flow_.expires_at, kNow + std::chrono::minutes(15));
  EXPECT_FALSE(expired(flow_, kNow + std::chrono::minutes(14)));
  EXPECT_TRUE(expired(flow_, kNow + std::chrono::minutes(15)));
}

TEST_F(SignInFlowTest, UsernameLeadsToPassword) {
  reach_password();
  ASSERT_TRUE(at<step::EnterPassword>());
  EXPECT_EQ(std::get<step::EnterPassword>(flow_.step).upn, "alice@example.com");
}

TEST_F(SignInFlowTest, WrongPasswordStaysWithAMessage) {
  reach_password();
  const auto transition =
      send(event::PasswordChecked{decision(NextStep::deny, DecisionRule::wrong_password), "u1"});
  EXPECT_TRUE(at<step::EnterPassword>());
  EXPECT_EQ(transition.message, StepMessage::wrong_password);
  EXPECT_EQ(flow_.decided_by, "wrong_password");
}

TEST_F(SignInFlowTest, LockedAndBlockedHaveTheirOwnMessages) {
  reach_password();
  EXPECT_EQ(
      send(event::PasswordChecked{decision(NextStep::deny, DecisionRule::account_locked), "u1"})
          .message,
      StepMessage::account_locked);
  EXPECT_EQ(
      send(event::PasswordChecked{decision(NextStep::deny, DecisionRule::account_blocked), "u1"})
          .message,
      StepMessage::account_blocked);
}

TEST_F(SignInFlowTest, NoMfaGoesToStaySignedInThenSignedIn) {
  reach_password();
  send(event::PasswordChecked{decision(NextStep::complete, DecisionRule::mfa_not_required), "u1"});
  ASSERT_TRUE(at<step::StaySignedIn>());
  send(event::StayAnswered{true});
  ASSERT_TRUE(at<step::SignedIn>());
  EXPECT_TRUE(std::get<step::SignedIn>(flow_.step).persistent);
  EXPECT_EQ(std::get<step::SignedIn>(flow_.step).user_id, "u1");
}

TEST_F(SignInFlowTest, SuppressedStayPromptSignsInAtOnceWithABrowserSession) {
  context_.stay_prompt_suppressed = true;
  reach_password();
  send(event::PasswordChecked{decision(NextStep::complete, DecisionRule::mfa_not_required), "u1"});
  ASSERT_TRUE(at<step::SignedIn>());
  EXPECT_FALSE(std::get<step::SignedIn>(flow_.step).persistent);
}

TEST_F(SignInFlowTest, TemporaryPasswordThenRegistrationThenSignedIn) {
  reach_password();
  send(event::PasswordChecked{decision(NextStep::change_password, DecisionRule::temporary_password),
                              "u1"});
  ASSERT_TRUE(at<step::UpdatePassword>());
  send(event::PasswordChanged{
      decision(NextStep::register_mfa, DecisionRule::registration_required, true)});
  ASSERT_TRUE(at<step::MoreInformationRequired>());
  send(event::RegistrationAccepted{});
  ASSERT_TRUE(at<step::ChooseMethod>());
  send(event::MethodChosen{"authenticator_app", "set_up_app",
                           SecretBytes::from_string("12345678901234567890")});
  ASSERT_TRUE(at<step::Registering>());
  EXPECT_EQ(step_name(flow_.step), "set_up_app");
  EXPECT_EQ(std::get<step::Registering>(flow_.step).state.size(), 20u);
  send(event::MethodStageReached{"verify_app", SecretBytes::from_string("12345678901234567890")});
  ASSERT_TRUE(at<step::Registering>());
  EXPECT_EQ(step_name(flow_.step), "verify_app");
  send(event::RegistrationAnswered{event::CodeOutcome::accepted});
  ASSERT_TRUE(at<step::StaySignedIn>());
  EXPECT_TRUE(flow_.registered_in_flow);
  EXPECT_EQ(flow_.method_used, "authenticator_app");
}

TEST_F(SignInFlowTest, SkipIsOnlyAllowedDuringTheGracePeriod) {
  reach_registration();
  const auto refused = send(event::RegistrationSkipped{});
  EXPECT_TRUE(refused.restarted);
  EXPECT_TRUE(at<step::EnterUsername>());

  flow_ = start_flow(kNow);
  reach_password();
  send(event::PasswordChecked{
      decision(NextStep::register_mfa, DecisionRule::registration_required, true, true), "u1"});
  send(event::RegistrationSkipped{});
  EXPECT_TRUE(at<step::StaySignedIn>());
}

TEST_F(SignInFlowTest, ChallengeAcceptsAGoodCode) {
  reach_challenge();
  ASSERT_TRUE(at<step::Challenging>());
  EXPECT_EQ(std::get<step::Challenging>(flow_.step).method_id, "m1");
  EXPECT_EQ(step_name(flow_.step), "enter_code");
  send(event::ChallengeAnswered{event::CodeOutcome::accepted});
  EXPECT_TRUE(at<step::StaySignedIn>());
  EXPECT_EQ(flow_.method_used, "authenticator_app");
}

TEST_F(SignInFlowTest, WrongAndReusedCodesHaveTheirMessagesAndCount) {
  reach_challenge();
  EXPECT_EQ(send(event::ChallengeAnswered{event::CodeOutcome::wrong}).message,
            StepMessage::wrong_code);
  EXPECT_EQ(send(event::ChallengeAnswered{event::CodeOutcome::already_used}).message,
            StepMessage::code_already_used);
  EXPECT_EQ(flow_.wrong_codes, 2);
  EXPECT_TRUE(at<step::Challenging>());
}

TEST_F(SignInFlowTest, FiveWrongCodesEndTheChallenge) {
  reach_challenge();
  for (int i = 0; i < kMaxWrongCodesPerChallenge - 1; ++i) {
    EXPECT_FALSE(send(event::ChallengeAnswered{event::CodeOutcome::wrong}).restarted);
  }
  const auto last = send(event::ChallengeAnswered{event::CodeOutcome::wrong});
  EXPECT_TRUE(last.restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
  EXPECT_EQ(flow_.notice, SignInFlow::Notice::too_many_attempts);
}

TEST_F(SignInFlowTest, AnAppsRestartedSignInStillReturnsToTheApp) {
  flow_.continuation = "oidc:request-1";
  flow_.app = "Wiki";
  flow_.mfa_demanded = true;
  reach_challenge();
  for (int i = 0; i < kMaxWrongCodesPerChallenge - 1; ++i) {
    send(event::ChallengeAnswered{event::CodeOutcome::wrong});
  }
  ASSERT_TRUE(send(event::ChallengeAnswered{event::CodeOutcome::wrong}).restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
  EXPECT_EQ(flow_.continuation, "oidc:request-1");
  EXPECT_EQ(flow_.app, "Wiki");
  EXPECT_TRUE(flow_.mfa_demanded);
  // A refused event restarts the same way.
  ASSERT_TRUE(send(event::ChallengeAnswered{event::CodeOutcome::accepted}).restarted);
  EXPECT_EQ(flow_.continuation, "oidc:request-1");
}

TEST_F(SignInFlowTest, EventsThatDoNotFitTheStepRestart) {
  // Jumping ahead: a code before the password, a stay answer at the username, etc.
  EXPECT_TRUE(send(event::ChallengeAnswered{event::CodeOutcome::accepted}).restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
  EXPECT_EQ(flow_.notice, SignInFlow::Notice::interrupted);
  EXPECT_TRUE(send(event::StayAnswered{true}).restarted);
  reach_password();
  EXPECT_TRUE(send(event::RegistrationAccepted{}).restarted);
  reach_challenge();
  EXPECT_TRUE(send(event::RegistrationAnswered{event::CodeOutcome::accepted}).restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
}

TEST_F(SignInFlowTest, ReplayingTheUsernameAfterThePasswordRestarts) {
  reach_challenge();
  EXPECT_TRUE(send(event::UsernameEntered{"mallory@example.com"}).restarted);
}

TEST_F(SignInFlowTest, ChallengeWithoutAMethodRestarts) {
  context_.challenge.reset();
  reach_password();
  EXPECT_TRUE(
      send(event::PasswordChecked{
               decision(NextStep::challenge_mfa, DecisionRule::user_state_enabled, true), "u1"})
          .restarted);
}

TEST_F(SignInFlowTest, ExpiredFlowRestartsWhateverTheEvent) {
  reach_password();
  context_.now = kNow + std::chrono::minutes(16);
  const auto transition = send(
      event::PasswordChecked{decision(NextStep::complete, DecisionRule::mfa_not_required), "u1"});
  EXPECT_TRUE(transition.restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
}

TEST_F(SignInFlowTest, PasswordChangeThatStillDeniesRestarts) {
  reach_password();
  send(event::PasswordChecked{decision(NextStep::change_password, DecisionRule::temporary_password),
                              "u1"});
  EXPECT_TRUE(send(event::PasswordChanged{decision(NextStep::deny, DecisionRule::account_blocked)})
                  .restarted);
}

TEST(SignInStepNames, CommonStepsHaveDistinctNamesAndMethodStepsTheirStage) {
  std::set<std::string_view> names;
  const SignInStep steps[] = {step::EnterUsername{},  step::EnterPassword{},
                              step::UpdatePassword{}, step::MoreInformationRequired{},
                              step::ChooseMethod{},   step::StaySignedIn{},
                              step::SignedIn{}};
  for (const auto& step : steps)
    names.insert(step_name(step));
  EXPECT_EQ(names.size(), std::size(steps));
  EXPECT_EQ(step_name(step::Registering{"u", "k", "stage_a", {}}), "stage_a");
  EXPECT_EQ(step_name(step::Challenging{"u", "m", "k", "stage_b", {}}), "stage_b");
}

// One of each step and each event.
std::vector<SignInStep> every_step() {
  return {step::EnterUsername{},
          step::EnterPassword{},
          step::UpdatePassword{},
          step::MoreInformationRequired{"u1", true},
          step::ChooseMethod{"u1"},
          step::Registering{"u1", "authenticator_app", "s", {}},
          step::Challenging{"u1", "m1", "authenticator_app", "s", {}},
          step::StaySignedIn{"u1"},
          step::SignedIn{"u1"}};
}

std::vector<SignInEvent> every_event() {
  return {
      event::UsernameEntered{"a@example.com"},
      event::PasswordChecked{decision(NextStep::complete, DecisionRule::mfa_not_required), "u1"},
      event::PasswordChanged{decision(NextStep::complete, DecisionRule::mfa_not_required)},
      event::RegistrationAccepted{},
      event::RegistrationSkipped{},
      event::MethodChosen{"authenticator_app", "s", {}},
      event::MethodStageReached{"t", {}},
      event::RegistrationAnswered{event::CodeOutcome::wrong},
      event::ChallengeAnswered{event::CodeOutcome::wrong},
      event::StayAnswered{false},
      event::ChallengeSwitched{"m2", "phone", "phone_code", {}}};
}

// The transition table, spelled out: exactly these (step, event) pairs are accepted, and every
// other pair is refused (back to "Sign in", marked refused) rather than handled by a catch-all.
TEST(SignInTransitions, ExactlyTheListedPairsAreAcceptedAndTheRestRefused) {
  const std::set<std::pair<std::size_t, std::size_t>> listed = {
      {0, 0},   // EnterUsername ← UsernameEntered
      {1, 1},   // EnterPassword ← PasswordChecked
      {2, 2},   // UpdatePassword ← PasswordChanged
      {3, 3},   // MoreInformationRequired ← RegistrationAccepted
      {3, 4},   // MoreInformationRequired ← RegistrationSkipped
      {4, 5},   // ChooseMethod ← MethodChosen
      {5, 6},   // Registering ← MethodStageReached
      {5, 7},   // Registering ← RegistrationAnswered
      {6, 6},   // Challenging ← MethodStageReached
      {6, 8},   // Challenging ← ChallengeAnswered
      {6, 10},  // Challenging ← ChallengeSwitched
      {7, 9},   // StaySignedIn ← StayAnswered
  };
  const auto steps = every_step();
  const auto events = every_event();
  for (std::size_t s = 0; s < steps.size(); ++s) {
    for (std::size_t e = 0; e < events.size(); ++e) {
      SCOPED_TRACE("step " + std::to_string(s) + ", event " + std::to_string(e));
      const bool expected = listed.contains({s, e});
      EXPECT_EQ(accepts(steps[s], events[e]), expected);
      SignInFlow flow = start_flow(kNow);
      flow.step = steps[s];
      const Transition transition =
          advance(flow, events[e], TransitionContext{kNow, std::nullopt, false});
      EXPECT_EQ(transition.refused, !expected);
      if (!expected) {
        EXPECT_TRUE(transition.restarted);
        EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(transition.flow.step));
      }
    }
  }
}

}  // namespace
}  // namespace tessera
