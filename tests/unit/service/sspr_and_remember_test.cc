// Remember this device, fraud reports and self-service password reset (issue 10), through the
// real services and delivery path.
#include <atomic>
#include <thread>

#include "service/fraud_reports.h"
#include "service/password_reset_service.h"
#include "unit/service/phone_fixture.h"

namespace tessera {
namespace {

class SsprAndRememberTest : public PhoneSignInTest {
 protected:
  void SetUp() override {
    PhoneSignInTest::SetUp();
    if (HasFatalFailure()) return;
    sign_in_.emplace(*store_, methods_, hashing_, *sessions_, clock_, rng_, name_key_,
                     SignInSettings{1000, "Contoso", &queue_, "https://id.example.com"});
    fraud_.emplace(*store_, clock_, rng_, FraudReportSettings{"Contoso", &queue_});
    reset_.emplace(*store_, methods_, hashing_, clock_, rng_,
                   PasswordResetSettings{"Contoso", &queue_, 1000});
  }

  void set(const std::string& key, const std::string& value) {
    ASSERT_TRUE(policy_->set(key, value, Actor::cli()).ok()) << key;
  }

  // A user signed up with a phone taking texts at +447400123456.
  void add_phone_user(const std::string& upn) {
    add_user(upn, MfaState::enabled);
    SignInPage page = register_number(through_password(upn), "text");
    dispatcher_->drain();
    page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", gateway_.last_code(), kClient);
    ASSERT_TRUE(done(page)) << step_name(page.flow.step);
  }

  // An authenticator app user; returns the app's secret.
  SecretBytes add_app_user(const std::string& upn, MfaState state = MfaState::enabled) {
    add_user(upn, state);
    SignInPage page = through_password(upn);
    SecretBytes secret = register_app(page);
    EXPECT_TRUE(done(page)) << step_name(page.flow.step);
    return secret;
  }

  // Password, app code and "Stay signed in?" (with "Don't ask again" as told), from `client`.
  SignInPage sign_in_with_app(const std::string& upn, const SecretBytes& secret,
                              const SignInClient& client, bool remember) {
    SignInPage page = through_password(upn, kPassword, client);
    if (std::holds_alternative<step::Challenging>(page.flow.step)) {
      clock_.advance(std::chrono::seconds(30));  // a fresh time step for the code
      page = *sign_in_->submit_code(page.flow_id, step_name(page.flow.step).data(), code(secret),
                                    client);
    }
    if (std::holds_alternative<step::StaySignedIn>(page.flow.step)) {
      page = *sign_in_->submit_stay(page.flow_id, "stay_signed_in", false, false, client, remember);
    }
    return page;
  }

  const User user(const std::string& upn) { return *store_->find_user_by_upn(upn); }

  std::string email_code() {
    if (gateway_.email_texts.empty()) return "";
    const std::string& text = gateway_.email_texts.back();
    const auto at = text.find("code ");
    return at == std::string::npos ? "" : text.substr(at + 5, 6);
  }

  std::optional<FraudReports> fraud_;
  std::optional<PasswordResetService> reset_;
};

TEST_F(SsprAndRememberTest, ARememberedDeviceSkipsTheChallengeUntilItsDaysPass) {
  set("remember_mfa_days", "14");
  const SecretBytes secret = add_app_user("alice@example.com");
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));
  clock_.advance(std::chrono::seconds(30));
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step))
      << step_name(page.flow.step) << " " << static_cast<int>(page.message);
  EXPECT_EQ(page.remember_days, 14);
  page = *sign_in_->submit_stay(page.flow_id, "stay_signed_in", false, false, kClient, true);
  ASSERT_TRUE(page.remembered_device);
  EXPECT_EQ(page.remembered_device->expires_at, clock_.now() + std::chrono::days(14));
  SignInClient remembered = kClient;
  remembered.device_token = std::string(page.remembered_device->token.view());
  // The store keeps only the token's hash.
  EXPECT_TRUE((*store_->find_remembered_device(hash_token(remembered.device_token), clock_.now())));

  page = through_password("alice@example.com", kPassword, remembered);
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step))
      << step_name(page.flow.step);
  EXPECT_EQ(page.flow.decided_by, "remembered_device");
  EXPECT_EQ(page.remember_days, 0);  // nothing was challenged: nothing more to remember

  clock_.advance(std::chrono::days(14));
  page = through_password("alice@example.com", kPassword, remembered);
  EXPECT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));
}

TEST_F(SsprAndRememberTest, ARememberedDeviceIsBoundToItsUserAndEndsWithThePasswordAndRevocation) {
  set("remember_mfa_days", "30");
  const SecretBytes alice = add_app_user("alice@example.com");
  const SecretBytes bob = add_app_user("bob@example.com");
  SignInPage page = sign_in_with_app("alice@example.com", alice, kClient, true);
  ASSERT_TRUE(page.remembered_device);
  SignInClient remembered = kClient;
  remembered.device_token = std::string(page.remembered_device->token.view());
  // Bob in the same browser is still challenged.
  page = through_password("bob@example.com", kPassword, remembered);
  EXPECT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));

  // Revoked by the admin.
  EXPECT_EQ(*users_->revoke_mfa_sessions("alice@example.com", Actor::cli()), 1u);
  page = through_password("alice@example.com", kPassword, remembered);
  EXPECT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));

  // A password reset by an admin ends it too.
  page = sign_in_with_app("alice@example.com", alice, kClient, true);
  ASSERT_TRUE(page.remembered_device);
  remembered.device_token = std::string(page.remembered_device->token.view());
  clock_.advance(std::chrono::seconds(5));
  ASSERT_TRUE(users_->reset_password("alice@example.com", Actor::cli()).ok());
  EXPECT_EQ(*store_->count_remembered_devices(user("alice@example.com").id, clock_.now()), 0u);

  // With the policy off, no device vouches and none is offered.
  page = sign_in_with_app("bob@example.com", bob, kClient, true);
  ASSERT_TRUE(page.remembered_device);
  remembered.device_token = std::string(page.remembered_device->token.view());
  set("remember_mfa_days", "0");
  page = through_password("bob@example.com", kPassword, remembered);
  ASSERT_TRUE(std::holds_alternative<step::Challenging>(page.flow.step));
  clock_.advance(std::chrono::seconds(30));
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(bob), kClient);
  EXPECT_EQ(page.remember_days, 0);
}

TEST_F(SsprAndRememberTest, WithoutTheBoxTickedNoDeviceIsRemembered) {
  set("remember_mfa_days", "14");
  const SecretBytes secret = add_app_user("carol@example.com");
  SignInPage page = sign_in_with_app("carol@example.com", secret, kClient, false);
  ASSERT_TRUE(std::holds_alternative<step::SignedIn>(page.flow.step));
  EXPECT_FALSE(page.remembered_device);
  EXPECT_EQ(*store_->count_remembered_devices(user("carol@example.com").id, clock_.now()), 0u);
}

TEST_F(SsprAndRememberTest, AFraudReportEndsTheSignInBlocksLogsAndTellsTheAdmin) {
  set("fraud_notify_email", "soc@contoso.com");
  add_phone_user("dave@example.com");
  SignInPage page = through_password("dave@example.com");
  ASSERT_EQ(step_name(page.flow.step), "phone_code");
  const std::string flow_id = page.flow_id;
  const User dave = user("dave@example.com");
  ASSERT_TRUE(fraud_->report(dave.id, "call", "").ok());
  // The sign-in under way is over.
  page = *sign_in_->submit_code(flow_id, "phone_code", "123456", kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
  EXPECT_EQ(user("dave@example.com").status, UserStatus::blocked);
  const auto entries = log();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().decided_by, "fraud_reported");
  EXPECT_EQ(entries.front().failure_reason, "fraud_reported");
  EXPECT_EQ(entries.front().app, "Fraud report (call)");
  dispatcher_->drain();
  ASSERT_FALSE(gateway_.emails.empty());
  EXPECT_EQ(gateway_.emails.back(), "soc@contoso.com: Contoso: fraud reported by dave@example.com");

  // Told at the next sign-in: blocked, with why, only to someone who knows the password.
  page = through_password("dave@example.com", "wrong password!");
  EXPECT_EQ(page.message, StepMessage::wrong_password);
  EXPECT_FALSE(page.fraud_report);
  page = through_password("dave@example.com");
  EXPECT_EQ(page.message, StepMessage::account_blocked);
  ASSERT_TRUE(page.fraud_report);
  EXPECT_TRUE(page.fraud_report->blocked);
  // Once unblocked, told once more, then never again.
  ASSERT_TRUE(users_->unblock_user("dave@example.com", Actor::cli()).ok());
  page = through_password("dave@example.com");
  EXPECT_EQ(step_name(page.flow.step), "phone_code");
  EXPECT_TRUE(page.fraud_report);
  page = through_password("dave@example.com");
  EXPECT_FALSE(page.fraud_report);
}

TEST_F(SsprAndRememberTest, TheEmailCodeCarriesAThisWasntMeLinkThatWorksOnce) {
  set("allowed_methods", "app_code,text_message,phone_call,email");
  set("fraud_block_user", "false");
  add_user("erin@example.com", MfaState::enabled);
  SignInPage page = through_password("erin@example.com");
  page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
  page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "email");
  page = *sign_in_->submit_method_answer(page.flow_id, step_name(page.flow.step).data(),
                                         FormValues{{"email", "erin@example.net"}}, kClient);
  dispatcher_->drain();
  page =
      *sign_in_->submit_code(page.flow_id, step_name(page.flow.step).data(), email_code(), kClient);
  ASSERT_TRUE(done(page)) << step_name(page.flow.step);
  // The registration's email carries no link; the sign-in's does.
  EXPECT_EQ(gateway_.email_texts.back().find("This wasn't me"), std::string::npos);
  page = through_password("erin@example.com");
  ASSERT_EQ(step_name(page.flow.step), "email_code");
  dispatcher_->drain();
  const std::string text = gateway_.email_texts.back();
  const std::string prefix = "This wasn't me: https://id.example.com/report?t=";
  const auto at = text.find(prefix);
  ASSERT_NE(at, std::string::npos) << text;
  const std::string token = text.substr(at + prefix.size(), 43);
  EXPECT_TRUE(*fraud_->link_valid(token));
  ASSERT_TRUE(fraud_->report_by_link(token, "198.51.100.4").ok());
  EXPECT_EQ(fraud_->report_by_link(token, "198.51.100.4").code(), ErrorCode::not_found);
  EXPECT_FALSE(*fraud_->link_valid(token));
  EXPECT_EQ(user("erin@example.com").status, UserStatus::active);  // fraud_block_user false
  page = *sign_in_->submit_code(page.flow_id, "email_code", "123456", kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
  EXPECT_EQ(log().front().app, "Fraud report (email)");
  EXPECT_EQ(log().front().client_ip, "198.51.100.4");
}

TEST_F(SsprAndRememberTest, KeepYourAccountSecureAsksForResetInfoAfterSignIn) {
  set("sspr_enabled", "true");
  set("registration_grace_days", "7");
  add_user("frank@example.com", MfaState::disabled);
  SignInPage page = through_password("frank@example.com");
  ASSERT_TRUE(std::holds_alternative<step::KeepAccountSecure>(page.flow.step))
      << step_name(page.flow.step);
  EXPECT_TRUE(std::get<step::KeepAccountSecure>(page.flow.step).skippable);
  EXPECT_EQ(page.reset_info_required, 1);
  ASSERT_EQ(page.reset_info.size(), 2u);  // Phone and Email; never the app
  page = *sign_in_->submit_reset_info(page.flow_id, "keep_account_secure", "finish", kClient);
  EXPECT_EQ(page.method_problem, "Set up one more method before you finish.");
  page = *sign_in_->submit_reset_info(page.flow_id, "keep_account_secure", "phone", kClient);
  ASSERT_EQ(step_name(page.flow.step), "phone_number");
  page = *sign_in_->submit_method_answer(
      page.flow_id, "phone_number",
      FormValues{{"region", "GB"}, {"number", "07400 123456"}, {"way", "text"}}, kClient);
  dispatcher_->drain();
  page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", gateway_.last_code(), kClient);
  ASSERT_TRUE(std::holds_alternative<step::KeepAccountSecure>(page.flow.step))
      << step_name(page.flow.step);
  EXPECT_EQ(page.reset_info_registered, 1);
  page = *sign_in_->submit_reset_info(page.flow_id, "keep_account_secure", "finish", kClient);
  EXPECT_TRUE(done(page)) << step_name(page.flow.step);
  // Reset info changes no MFA state.
  EXPECT_EQ(user("frank@example.com").mfa_state, MfaState::disabled);
  // Registered: not asked again.
  page = through_password("frank@example.com");
  EXPECT_TRUE(done(page)) << step_name(page.flow.step);
}

TEST_F(SsprAndRememberTest, SkipForNowOnlyWithinTheGraceDaysOfTheFirstAsk) {
  set("sspr_enabled", "true");
  set("registration_grace_days", "3");
  add_user("gina@example.com", MfaState::disabled);
  SignInPage page = through_password("gina@example.com");
  ASSERT_TRUE(std::holds_alternative<step::KeepAccountSecure>(page.flow.step));
  page = *sign_in_->submit_reset_info(page.flow_id, "keep_account_secure", "skip", kClient);
  EXPECT_TRUE(done(page));
  clock_.advance(std::chrono::days(3));
  page = through_password("gina@example.com");
  ASSERT_TRUE(std::holds_alternative<step::KeepAccountSecure>(page.flow.step));
  EXPECT_FALSE(std::get<step::KeepAccountSecure>(page.flow.step).skippable);
  page = *sign_in_->submit_reset_info(page.flow_id, "keep_account_secure", "skip", kClient);
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(page.flow.step));
}

TEST_F(SsprAndRememberTest, ForgotMyPasswordResetsWithATextedCodeAndEndsEverything) {
  set("sspr_enabled", "true");
  set("remember_mfa_days", "14");
  add_phone_user("hank@example.com");
  const auto session = sessions_->issue(user("hank@example.com").id, true, std::nullopt);
  ASSERT_TRUE(session.ok());
  gateway_.texts.clear();

  ResetPage page = *reset_->start();
  page = *reset_->submit_username(page.flow_id, "username", "Hank@Example.com", kClient.ip);
  ASSERT_TRUE(std::holds_alternative<step::ResetChooseProof>(page.flow.step));
  ASSERT_EQ(page.choices.size(), 2u);
  EXPECT_EQ(page.choices[0].choice, "phone:text");
  EXPECT_EQ(page.choices[1].choice, "email:");
  page = *reset_->submit_way(page.flow_id, "reset_choose", "phone:text", "+44 7400 123456");
  ASSERT_EQ(step_name(page.flow.step), "phone_code");
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texts.size(), 1u);
  page = *reset_->submit_code(page.flow_id, "phone_code", FormValues{{"code", "000000"}});
  EXPECT_EQ(page.problem, "That code didn't work. Check the code and try again.");
  page =
      *reset_->submit_code(page.flow_id, "phone_code", FormValues{{"code", gateway_.last_code()}});
  ASSERT_TRUE(std::holds_alternative<step::ResetNewPassword>(page.flow.step));
  page = *reset_->submit_new_password(page.flow_id, "reset_password",
                                      SecretBytes::from_string("Another-Horse-7"),
                                      SecretBytes::from_string("Another-Horse-8"));
  ASSERT_TRUE(page.password_problem);
  EXPECT_EQ(page.password_problem->kind, PasswordProblem::Kind::confirmation_differs);
  // The password it replaces would leave whoever knew it still in.
  page = *reset_->submit_new_password(page.flow_id, "reset_password",
                                      SecretBytes::from_string(kPassword),
                                      SecretBytes::from_string(kPassword));
  ASSERT_TRUE(page.password_problem);
  EXPECT_EQ(page.password_problem->kind, PasswordProblem::Kind::same_as_current);
  page = *reset_->submit_new_password(page.flow_id, "reset_password",
                                      SecretBytes::from_string("Another-Horse-7"),
                                      SecretBytes::from_string("Another-Horse-7"));
  ASSERT_TRUE(std::holds_alternative<step::ResetDone>(page.flow.step));
  EXPECT_FALSE(sessions_->find(session->token.view()).ok());  // signed out everywhere
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texts.size(), 2u);
  EXPECT_NE(gateway_.texts.back().find("Your password was reset"), std::string::npos);
  // The old password no longer works; the new one does.
  EXPECT_EQ(through_password("hank@example.com").message, StepMessage::wrong_password);
  EXPECT_EQ(step_name(through_password("hank@example.com", "Another-Horse-7").flow.step),
            "phone_code");
}

TEST_F(SsprAndRememberTest, ForgotMyPasswordLooksTheSameForNoUserAndSendsNothing) {
  set("sspr_enabled", "true");
  add_phone_user("ivy@example.com");
  gateway_.texts.clear();
  auto walk = [&](const std::string& upn, const std::string& number) {
    ResetPage page = *reset_->start();
    page = *reset_->submit_username(page.flow_id, "username", upn, kClient.ip);
    EXPECT_TRUE(std::holds_alternative<step::ResetChooseProof>(page.flow.step));
    EXPECT_EQ(page.choices.size(), 2u);
    page = *reset_->submit_way(page.flow_id, "reset_choose", "phone:text", number);
    EXPECT_EQ(step_name(page.flow.step), "phone_code");
    EXPECT_FALSE(page.send_refused);
    return page;
  };
  ResetPage nobody = walk("nobody@example.com", "+44 7400 123456");
  ResetPage wrong_number = walk("ivy@example.com", "+44 7400 654321");
  dispatcher_->drain();
  EXPECT_TRUE(gateway_.texts.empty());
  for (ResetPage* page : {&nobody, &wrong_number}) {
    *page = *reset_->submit_code(page->flow_id, "phone_code", FormValues{{"code", "123456"}});
    EXPECT_EQ(page->problem, "That code didn't work. Check the code and try again.");
  }
  // The real number does get a code.
  walk("ivy@example.com", "+447400123456");
  dispatcher_->drain();
  EXPECT_EQ(gateway_.texts.size(), 1u);
}

TEST_F(SsprAndRememberTest, TwoProofsAskForTwoDifferentMethods) {
  add_phone_user("jack@example.com");
  set("sspr_enabled", "true");
  set("sspr_methods_required", "2");
  // An email for reset too, added at the next sign-in's "Keep your account secure".
  SignInPage signed_in = through_password("jack@example.com");
  dispatcher_->drain();
  signed_in =
      *sign_in_->submit_code(signed_in.flow_id, "phone_code", gateway_.last_code(), kClient);
  ASSERT_TRUE(std::holds_alternative<step::KeepAccountSecure>(signed_in.flow.step));
  signed_in =
      *sign_in_->submit_reset_info(signed_in.flow_id, "keep_account_secure", "email", kClient);
  signed_in = *sign_in_->submit_method_answer(signed_in.flow_id, "email_address",
                                              FormValues{{"email", "jack@example.net"}}, kClient);
  dispatcher_->drain();
  signed_in = *sign_in_->submit_code(signed_in.flow_id, step_name(signed_in.flow.step).data(),
                                     email_code(), kClient);
  signed_in =
      *sign_in_->submit_reset_info(signed_in.flow_id, "keep_account_secure", "finish", kClient);
  ASSERT_TRUE(done(signed_in)) << step_name(signed_in.flow.step);
  clock_.advance(kSendWindow);  // three sends so far: the next ones count from zero

  ResetPage page = *reset_->start();
  page = *reset_->submit_username(page.flow_id, "username", "jack@example.com", kClient.ip);
  EXPECT_EQ(page.proofs_required, 2);
  page = *reset_->submit_way(page.flow_id, "reset_choose", "email:", "jack@example.net");
  dispatcher_->drain();
  page = *reset_->submit_code(page.flow_id, step_name(page.flow.step).data(),
                              FormValues{{"code", email_code()}});
  ASSERT_TRUE(std::holds_alternative<step::ResetChooseProof>(page.flow.step));
  EXPECT_EQ(page.proof_number, 2);
  ASSERT_EQ(page.choices.size(), 1u);  // the email was used
  EXPECT_EQ(page.choices[0].choice, "phone:text");
  page = *reset_->submit_way(page.flow_id, "reset_choose", "phone:text", "+447400123456");
  dispatcher_->drain();
  page =
      *reset_->submit_code(page.flow_id, "phone_code", FormValues{{"code", gateway_.last_code()}});
  EXPECT_TRUE(std::holds_alternative<step::ResetNewPassword>(page.flow.step));
}

// Parallel posts of the last step (a double-click, a replay): exactly one resets the password.
TEST_F(SsprAndRememberTest, OfParallelNewPasswordsExactlyOneResets) {
  set("sspr_enabled", "true");
  add_phone_user("kim@example.com");
  ResetPage page = *reset_->start();
  page = *reset_->submit_username(page.flow_id, "username", "kim@example.com", kClient.ip);
  page = *reset_->submit_way(page.flow_id, "reset_choose", "phone:text", "+447400123456");
  dispatcher_->drain();
  page =
      *reset_->submit_code(page.flow_id, "phone_code", FormValues{{"code", gateway_.last_code()}});
  ASSERT_TRUE(std::holds_alternative<step::ResetNewPassword>(page.flow.step));
  constexpr int kRacers = 4;
  std::vector<std::thread> racers;
  std::atomic<int> done_count = 0;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      const std::string password = "Racing-Horse-" + std::to_string(i) + "x";
      auto result = reset_->submit_new_password(page.flow_id, "reset_password",
                                                SecretBytes::from_string(password),
                                                SecretBytes::from_string(password));
      if (result.ok() && std::holds_alternative<step::ResetDone>(result->flow.step)) ++done_count;
    });
  }
  for (auto& racer : racers)
    racer.join();
  EXPECT_EQ(done_count.load(), 1);
  int resets = 0;
  const std::vector<AuditLogEntry> audit = *store_->list_audit(100);
  for (const AuditLogEntry& entry : audit) {
    if (entry.action == "user.reset_password") ++resets;
  }
  EXPECT_EQ(resets, 1);
}

// Two proofs where only email can reset (no texts allowed): one is asked for, or nobody could
// ever finish.
TEST_F(SsprAndRememberTest, NoMoreProofsAreAskedThanThePolicyLeavesMethodsFor) {
  set("sspr_enabled", "true");
  set("sspr_methods_required", "2");
  set("allowed_methods", "app_code,phone_call");
  add_user("lena@example.com", MfaState::disabled);
  SignInPage page = through_password("lena@example.com");
  ASSERT_TRUE(std::holds_alternative<step::KeepAccountSecure>(page.flow.step));
  EXPECT_EQ(page.reset_info_required, 1);
  ASSERT_EQ(page.reset_info.size(), 1u);
  EXPECT_EQ(page.reset_info[0].kind, "email");
  ResetPage reset = *reset_->start();
  reset = *reset_->submit_username(reset.flow_id, "username", "lena@example.com", kClient.ip);
  EXPECT_EQ(reset.proofs_required, 1);
  ASSERT_EQ(reset.choices.size(), 1u);
  EXPECT_EQ(reset.choices[0].choice, "email:");
}

TEST_F(SsprAndRememberTest, TheOldRememberKeyIsShownAndAuditedAsTheDays) {
  ASSERT_TRUE(policy_->set("remember_mfa_enabled", "true", Actor::cli()).ok());
  const std::vector<AuditLogEntry> audit = *store_->list_audit(1);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].detail, "remember_mfa_days = 14");
}

}  // namespace
}  // namespace tessera
