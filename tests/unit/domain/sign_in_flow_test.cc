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
  TransitionContext context_{kNow, "m1", false};
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
  send(event::AuthenticatorAppChosen{SecretBytes::from_string("12345678901234567890")});
  ASSERT_TRUE(at<step::SetUpAuthenticatorApp>());
  EXPECT_EQ(std::get<step::SetUpAuthenticatorApp>(flow_.step).secret.size(), 20u);
  send(event::AppScanned{});
  ASSERT_TRUE(at<step::VerifyAuthenticatorApp>());
  send(event::RegistrationCodeChecked{event::CodeOutcome::accepted});
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
  ASSERT_TRUE(at<step::EnterCode>());
  EXPECT_EQ(std::get<step::EnterCode>(flow_.step).method_id, "m1");
  send(event::ChallengeCodeChecked{event::CodeOutcome::accepted});
  EXPECT_TRUE(at<step::StaySignedIn>());
  EXPECT_EQ(flow_.method_used, "authenticator_app");
}

TEST_F(SignInFlowTest, WrongAndReusedCodesHaveTheirMessagesAndCount) {
  reach_challenge();
  EXPECT_EQ(send(event::ChallengeCodeChecked{event::CodeOutcome::wrong}).message,
            StepMessage::wrong_code);
  EXPECT_EQ(send(event::ChallengeCodeChecked{event::CodeOutcome::already_used}).message,
            StepMessage::code_already_used);
  EXPECT_EQ(flow_.wrong_codes, 2);
  EXPECT_TRUE(at<step::EnterCode>());
}

TEST_F(SignInFlowTest, FiveWrongCodesEndTheChallenge) {
  reach_challenge();
  for (int i = 0; i < kMaxWrongCodesPerChallenge - 1; ++i) {
    EXPECT_FALSE(send(event::ChallengeCodeChecked{event::CodeOutcome::wrong}).restarted);
  }
  const auto last = send(event::ChallengeCodeChecked{event::CodeOutcome::wrong});
  EXPECT_TRUE(last.restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
  EXPECT_EQ(flow_.notice, SignInFlow::Notice::too_many_attempts);
}

TEST_F(SignInFlowTest, EventsThatDoNotFitTheStepRestart) {
  // Jumping ahead: a code before the password, a stay answer at the username, etc.
  EXPECT_TRUE(send(event::ChallengeCodeChecked{event::CodeOutcome::accepted}).restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
  EXPECT_EQ(flow_.notice, SignInFlow::Notice::interrupted);
  EXPECT_TRUE(send(event::StayAnswered{true}).restarted);
  reach_password();
  EXPECT_TRUE(send(event::RegistrationAccepted{}).restarted);
  reach_challenge();
  EXPECT_TRUE(send(event::AppScanned{}).restarted);
  EXPECT_TRUE(at<step::EnterUsername>());
}

TEST_F(SignInFlowTest, ReplayingTheUsernameAfterThePasswordRestarts) {
  reach_challenge();
  EXPECT_TRUE(send(event::UsernameEntered{"mallory@example.com"}).restarted);
}

TEST_F(SignInFlowTest, ChallengeWithoutAMethodRestarts) {
  context_.method_for_challenge.clear();
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

TEST(SignInStepNames, AreDistinct) {
  std::set<std::string_view> names;
  const SignInStep steps[] = {step::EnterUsername{},          step::EnterPassword{},
                              step::UpdatePassword{},         step::MoreInformationRequired{},
                              step::ChooseMethod{},           step::SetUpAuthenticatorApp{},
                              step::VerifyAuthenticatorApp{}, step::EnterCode{},
                              step::StaySignedIn{},           step::SignedIn{}};
  for (const auto& step : steps)
    names.insert(step_name(step));
  EXPECT_EQ(names.size(), std::size(steps));
}

}  // namespace
}  // namespace tessera
