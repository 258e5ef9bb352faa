// SignInService on a real SQLite store with a manual clock: the journeys of DESIGN.md section 3
// and every way of trying to skip, replay or guess, without a browser.
#include "service/sign_in_service.h"

#include "unit/service/sign_in_fixture.h"

namespace tessera {
namespace {

TEST_F(SignInServiceTest, UnknownUserSeesTheSameRefusalAsAWrongPassword) {
  add_user("alice@example.com", MfaState::disabled);
  const SignInPage unknown = through_password("nobody@example.com");
  const SignInPage wrong = through_password("alice@example.com", "not her password");
  EXPECT_TRUE(std::holds_alternative<step::EnterPassword>(unknown.flow.step));
  EXPECT_EQ(unknown.message, StepMessage::wrong_password);
  EXPECT_EQ(wrong.message, StepMessage::wrong_password);
  const auto entries = log();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].failure_reason, "wrong_password");
  EXPECT_EQ(entries[1].failure_reason, "unknown_user");
  EXPECT_EQ(entries[1].user_id, "");
  EXPECT_EQ(entries[1].client_ip, "203.0.113.7");
}

TEST_F(SignInServiceTest, ControlCharactersTypedAsAUsernameNeverReachTheLog) {
  through_password("\x1b[31mevil\r\n@example.com", "whatever");
  const std::string logged = log()[0].upn;
  EXPECT_EQ(logged.find_first_of("\x1b\r\n"), std::string::npos) << logged;
  EXPECT_NE(logged.find("evil"), std::string::npos);
}

TEST_F(SignInServiceTest, DisabledUserIsNotAskedForMfa) {
  add_user("alice@example.com", MfaState::disabled);
  const SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  EXPECT_EQ(log()[0].decided_by, "mfa_not_required");
  EXPECT_EQ(log()[0].result, SignInResult::success);
  EXPECT_FALSE(log()[0].mfa_required);
}

TEST_F(SignInServiceTest, TemporaryPasswordMustBeChangedByTheRules) {
  add_user("alice@example.com", MfaState::disabled, /*temporary=*/true);
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(std::holds_alternative<step::UpdatePassword>(page.flow.step));
  const auto s = [](const char* text) { return SecretBytes::from_string(text); };
  page = *sign_in_->submit_new_password(page.flow_id, "update_password", s("wrong"),
                                        s("Another-Good-One-7"), s("Another-Good-One-7"), kClient);
  using Problem = PasswordProblem::Kind;
  EXPECT_EQ(page.password_problem, (PasswordProblem{Problem::current_password_wrong}));
  page = *sign_in_->submit_new_password(page.flow_id, "update_password", s(kPassword),
                                        s("Another-Good-One-7"), s("Another-Good-One-8"), kClient);
  EXPECT_EQ(page.password_problem, (PasswordProblem{Problem::confirmation_differs}));
  page = *sign_in_->submit_new_password(page.flow_id, "update_password", s(kPassword),
                                        s("password1"), s("password1"), kClient);
  EXPECT_EQ(page.password_problem,
            (PasswordProblem{Problem::breaks_a_rule, PasswordRefusal::common}));
  page = *sign_in_->submit_new_password(page.flow_id, "update_password", s(kPassword), s(kPassword),
                                        s(kPassword), kClient);
  EXPECT_EQ(page.password_problem, (PasswordProblem{Problem::same_as_current}));
  page = *sign_in_->submit_new_password(page.flow_id, "update_password", s(kPassword),
                                        s("Another-Good-One-7"), s("Another-Good-One-7"), kClient);
  EXPECT_FALSE(page.password_problem);
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  auto user = store_->find_user_by_upn("alice@example.com");
  EXPECT_FALSE(user->password_temporary);
  EXPECT_TRUE(hasher_.verify(s("Another-Good-One-7"), user->password_hash));
}

TEST_F(SignInServiceTest, RegistrationMakesTheUserEnforcedAndTheCodeCannotBeReused) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  const SecretBytes secret = register_app(page);
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  EXPECT_EQ(store_->find_user_by_upn("alice@example.com")->mfa_state, MfaState::enforced);
  EXPECT_EQ(log()[0].failure_reason, "registered_method_now_enforced");
  EXPECT_EQ(log()[0].method, "authenticator_app");
  page = *sign_in_->submit_stay(page.flow_id, "stay_signed_in", true, false, kClient);
  ASSERT_TRUE(page.session);
  EXPECT_TRUE(page.session->persistent);

  // Next sign-in: the code that registered the app is from a used step.
  page = through_password("alice@example.com");
  ASSERT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  EXPECT_EQ(page.message, StepMessage::code_already_used);
  clock_.advance(std::chrono::seconds(30));
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  EXPECT_EQ(log()[0].decided_by, "user_state_enforced");
}

TEST_F(SignInServiceTest, AnAppsDemandLeavesADisabledUserDisabledAfterRegistering) {
  add_user("alice@example.com", MfaState::disabled);
  const AppSignIn app{"oidc:request", "Payroll", true, ""};
  SignInPage page = *sign_in_->start_for_app(app, kClient);
  page = *sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient);
  page = *sign_in_->submit_password(page.flow_id, "password", SecretBytes::from_string(kPassword),
                                    kClient);
  register_app(page);
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  EXPECT_EQ(page.flow.continuation, "oidc:request");
  // Only the admin turns MFA on for everything; the next sign-in of tessera's own pages asks
  // for no code.
  EXPECT_EQ(store_->find_user_by_upn("alice@example.com")->mfa_state, MfaState::disabled);
  page = through_password("alice@example.com");
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
}

TEST_F(SignInServiceTest, AnAppsSignInRestartedByWrongCodesStillReturnsToTheApp) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  const SecretBytes secret = register_app(page);
  const std::string wrong = code(secret) == "000000" ? "111111" : "000000";
  page = *sign_in_->start_for_app(AppSignIn{"oidc:request", "Payroll", false, ""}, kClient);
  page = *sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient);
  page = *sign_in_->submit_password(page.flow_id, "password", SecretBytes::from_string(kPassword),
                                    kClient);
  for (int i = 0; i < kMaxWrongCodesPerChallenge; ++i) {
    page = *sign_in_->submit_code(page.flow_id, "enter_code", wrong, kClient);
  }
  ASSERT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
  EXPECT_EQ(page.flow.notice, SignInFlow::Notice::too_many_attempts);
  // Signing in again from the page it restarted at ends where the app asked.
  page = *sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient);
  page = *sign_in_->submit_password(page.flow_id, "password", SecretBytes::from_string(kPassword),
                                    kClient);
  clock_.advance(std::chrono::seconds(30));
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  EXPECT_EQ(page.flow.continuation, "oidc:request");
  EXPECT_EQ(page.flow.app, "Payroll");
}

TEST_F(SignInServiceTest, WrongCodesEndTheChallengeAndThenLockTheUser) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  const SecretBytes secret = register_app(page);
  const std::string wrong = code(secret) == "000000" ? "111111" : "000000";
  int wrong_codes = 0;
  for (int challenge = 0; challenge < 2; ++challenge) {
    page = through_password("alice@example.com");
    ASSERT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));
    for (int i = 0; i < kMaxWrongCodesPerChallenge; ++i) {
      page = *sign_in_->submit_code(page.flow_id, "enter_code", wrong, kClient);
      ++wrong_codes;
      if (wrong_codes == kMaxWrongCodesPerUser) break;
      if (i + 1 < kMaxWrongCodesPerChallenge) {
        EXPECT_EQ(page.message, StepMessage::wrong_code);
      }
    }
    if (challenge == 0) {
      EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
      EXPECT_EQ(page.flow.notice, SignInFlow::Notice::too_many_attempts);
    }
  }
  EXPECT_TRUE(page.code_locked);
  EXPECT_EQ(page.locked_minutes, 15);
  // Even the right code is refused while locked.
  clock_.advance(std::chrono::seconds(60));
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  EXPECT_TRUE(page.code_locked);
  EXPECT_EQ(page.locked_minutes, 14);
  clock_.advance(std::chrono::minutes(15));
  page = through_password("alice@example.com");
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
}

TEST_F(SignInServiceTest, WrongPasswordsLockTheAccountWithAClearTime) {
  add_user("alice@example.com", MfaState::disabled);
  ASSERT_TRUE(policy_->set("lockout_threshold", "3", Actor::cli()).ok());
  SignInPage page;
  for (int i = 0; i < 3; ++i)
    page = through_password("alice@example.com", "wrong password");
  EXPECT_EQ(page.message, StepMessage::account_locked);
  EXPECT_EQ(page.locked_minutes, 1);
  page = through_password("alice@example.com");  // even the right password, while locked
  EXPECT_EQ(page.message, StepMessage::account_locked);
  clock_.advance(std::chrono::seconds(61));
  page = through_password("alice@example.com");
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
}

// An admin's change to a locked user (an MFA state, a block and an unblock) writes only what it
// changes: the lockout stays until it runs out.
TEST_F(SignInServiceTest, AnAdminChangeDuringALockoutKeepsTheLock) {
  add_user("alice@example.com", MfaState::disabled);
  ASSERT_TRUE(policy_->set("lockout_threshold", "3", Actor::cli()).ok());
  for (int i = 0; i < 3; ++i)
    through_password("alice@example.com", "wrong password");
  const std::string lock_key =
      throttles::account_passwords(store_->find_user_by_upn("alice@example.com")->id).key;
  const auto locked_until = (*store_->find_throttle(lock_key))->locked_until;
  ASSERT_TRUE(locked_until.has_value());

  ASSERT_TRUE(users_->set_mfa_state("alice@example.com", MfaState::enabled, Actor::cli()).ok());
  ASSERT_TRUE(users_->set_mfa_state("alice@example.com", MfaState::disabled, Actor::cli()).ok());
  ASSERT_TRUE(users_->block_user("alice@example.com", Actor::cli()).ok());
  ASSERT_TRUE(users_->unblock_user("alice@example.com", Actor::cli()).ok());

  EXPECT_EQ((*store_->find_throttle(lock_key))->locked_until, locked_until);
  EXPECT_EQ(through_password("alice@example.com").message, StepMessage::account_locked);
  clock_.advance(std::chrono::seconds(61));
  EXPECT_TRUE(
      std::holds_alternative<step::StaySignedIn>(through_password("alice@example.com").flow.step));
}

TEST_F(SignInServiceTest, StrangersCannotLockAUserOutOfANetworkTheySignedInFrom) {
  add_user("alice@example.com", MfaState::disabled);
  ASSERT_TRUE(policy_->set("lockout_threshold", "3", Actor::cli()).ok());
  // A complete sign-in from alice's office makes its /24 familiar.
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  ASSERT_TRUE(sign_in_->submit_stay(page.flow_id, "stay_signed_in", false, false, kClient).ok());
  const auto office = store_->find_user_by_upn("alice@example.com")->id;
  EXPECT_TRUE(store_->find_familiar_network(office, "203.0.113.0/24")->has_value());

  // A stranger elsewhere locks the account for everywhere else...
  const SignInClient stranger{"198.51.100.9", ""};
  for (int i = 0; i < 3; ++i)
    page = through_password("alice@example.com", "guess", stranger);
  EXPECT_EQ(page.message, StepMessage::account_locked);
  page = through_password("alice@example.com", kPassword, stranger);
  EXPECT_EQ(page.message, StepMessage::account_locked);
  // ...but not for alice at her office (another address in the same /24).
  page = through_password("alice@example.com", kPassword, SignInClient{"203.0.113.200", ""});
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));

  // Guessing from the office locks the office, with its own counter.
  for (int i = 0; i < 3; ++i)
    page = through_password("alice@example.com", "guess");
  EXPECT_EQ(page.message, StepMessage::account_locked);
  page = through_password("alice@example.com");
  EXPECT_EQ(page.message, StepMessage::account_locked);
}

TEST_F(SignInServiceTest, OneNetworkCannotSprayGuessesOverManyAccounts) {
  add_user("alice@example.com", MfaState::disabled);
  // alice is familiar with her office network.
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(sign_in_->submit_stay(page.flow_id, "stay_signed_in", false, false, kClient).ok());

  const SignInClient sprayer{"198.51.100.9", ""};
  for (int i = 0; i < kMaxNetworkPasswordFailures; ++i) {
    page = through_password("user" + std::to_string(i) + "@example.com", "Winter2026!", sprayer);
    ASSERT_EQ(page.message, StepMessage::wrong_password) << i;
  }
  // Now the whole network is refused, for known and unknown names alike, for a while.
  page = through_password("alice@example.com", kPassword, SignInClient{"198.51.100.200", ""});
  EXPECT_EQ(page.message, StepMessage::network_throttled);
  EXPECT_EQ(page.locked_minutes, 15);
  page = through_password("nobody@example.com", "x", sprayer);
  EXPECT_EQ(page.message, StepMessage::network_throttled);
  EXPECT_EQ(log()[0].failure_reason, "network_throttled");
  // Other networks, and alice from her own, are unaffected.
  page = through_password("alice@example.com");
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  clock_.advance(kNetworkThrottleDuration + std::chrono::seconds(1));
  page = through_password("alice@example.com", kPassword, sprayer);
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
}

TEST_F(SignInServiceTest, OnlyACompleteSignInMakesANetworkFamiliar) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");  // right password, MFA not done
  ASSERT_TRUE(std::holds_alternative<step::MoreInformationRequired>(page.flow.step));
  const auto id = store_->find_user_by_upn("alice@example.com")->id;
  EXPECT_FALSE(store_->find_familiar_network(id, "203.0.113.0/24")->has_value());
}

TEST_F(SignInServiceTest, TrustedIpSkipsTheChallengeButNotRegistration) {
  add_user("alice@example.com", MfaState::enabled);
  ASSERT_TRUE(policy_->set("trusted_ip_ranges", "203.0.113.0/24", Actor::cli()).ok());
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(std::holds_alternative<step::MoreInformationRequired>(page.flow.step));
  register_app(page);
  page = through_password("alice@example.com");
  EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  EXPECT_EQ(log()[0].decided_by, "trusted_ip");
  EXPECT_TRUE(log()[0].mfa_required);
  page = through_password("alice@example.com", kPassword, SignInClient{"198.51.100.1", ""});
  EXPECT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));
}

TEST_F(SignInServiceTest, FormsForOtherStepsAndReplaysRestartTheFlow) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = *sign_in_->start();
  // Jumping ahead: a code for a flow that is at "Sign in".
  SignInPage jumped = *sign_in_->submit_code(page.flow_id, "enter_code", "123456", kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(jumped.flow.step));
  EXPECT_EQ(jumped.flow.notice, SignInFlow::Notice::interrupted);
  EXPECT_NE(jumped.flow_id, page.flow_id);
  // The username always starts the stored flow under a new id, never under the cookie's.
  SignInPage started =
      *sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterPassword>(started.flow.step));
  EXPECT_NE(started.flow_id, page.flow_id);
  SignInPage planted = *sign_in_->submit_password(page.flow_id, "password",
                                                  SecretBytes::from_string(kPassword), kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(planted.flow.step));

  // Replaying the password POST after the flow moved on.
  page = *sign_in_->start();
  page = *sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient);
  const std::string flow_id = page.flow_id;
  page =
      *sign_in_->submit_password(flow_id, "password", SecretBytes::from_string(kPassword), kClient);
  ASSERT_TRUE(std::holds_alternative<step::MoreInformationRequired>(page.flow.step));
  page =
      *sign_in_->submit_password(flow_id, "password", SecretBytes::from_string(kPassword), kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
  // Another user's flow id (or any made-up one) does not exist.
  page = *sign_in_->submit_password("made-up-id", "password", SecretBytes::from_string(kPassword),
                                    kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
}

TEST_F(SignInServiceTest, ExpiredFlowRestarts) {
  add_user("alice@example.com", MfaState::disabled);
  SignInPage page = *sign_in_->start();
  page = *sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient);
  clock_.advance(kFlowLifetime + std::chrono::seconds(1));
  page = *sign_in_->submit_password(page.flow_id, "password", SecretBytes::from_string(kPassword),
                                    kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
  EXPECT_EQ(page.flow.notice, SignInFlow::Notice::interrupted);
}

TEST_F(SignInServiceTest, DontShowAgainSkipsTheStayPromptNextTime) {
  add_user("alice@example.com", MfaState::disabled);
  SignInPage page = through_password("alice@example.com");
  page = *sign_in_->submit_stay(page.flow_id, "stay_signed_in", false, true, kClient);
  ASSERT_TRUE(page.session);
  EXPECT_FALSE(page.session->persistent);
  EXPECT_TRUE(store_->find_user_by_upn("alice@example.com")->stay_prompt_suppressed);
  page = through_password("alice@example.com");
  EXPECT_TRUE(std::holds_alternative<step::SignedIn>(page.flow.step));
  ASSERT_TRUE(page.session);
  auto session = sessions_->find(page.session->token.view());
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(store_->find_user_by_id(session->user_id)->upn, "alice@example.com");
  // The finished flow cannot be used again.
  EXPECT_TRUE(
      std::holds_alternative<step::EnterUsername>(sign_in_->current(page.flow_id)->flow.step));
}

}  // namespace
}  // namespace tessera
