// The SignInService fixture: a real SQLite store, a manual clock, the real Argon2id (cheap
// parameters) behind hooks, and helpers for the journey's steps.
#pragma once

#include <atomic>
#include <functional>

#include <gtest/gtest.h>

#include "crypto/otp.h"
#include "crypto/sodium_init.h"
#include "crypto/token.h"
#include "service/policy_service.h"
#include "service/security_info_service.h"
#include "service/sign_in_service.h"
#include "service/user_admin_service.h"
#include "storage/open_store.h"
#include "support/temp_dir.h"
#include "unit/service/service_fixture.h"

namespace tessera {

inline const Timestamp kStart = from_unix_seconds(1'795'000'020);
inline const SignInClient kClient{"203.0.113.7", "Security info"};
inline constexpr const char* kPassword = "Correct-Horse-Battery-9";

// The real Argon2id on the calling thread, with hooks a test uses to act "while it runs" (an admin
// blocking the user in the middle of a password change), and counts of the work done.
class HookedHashing final : public PasswordHashing {
 public:
  explicit HookedHashing(const PasswordHasher& hasher) : inline_(hasher) {}
  Result<bool> verify(const SecretBytes& password, std::string_view encoded) override {
    ++verifies;
    if (on_verify) on_verify();
    return inline_.verify(password, encoded);
  }
  Result<std::string> hash(const SecretBytes& password) override {
    ++hashes;
    if (on_hash) on_hash();
    return inline_.hash(password);
  }
  Status dummy_verify(const SecretBytes& password) override {
    ++dummy_verifies;
    return inline_.dummy_verify(password);
  }
  bool needs_rehash(std::string_view encoded) const override {
    return force_rehash || inline_.needs_rehash(encoded);
  }
  // Argon2id runs of any kind: what an observer could time.
  int work() const { return verifies + dummy_verifies; }

  std::function<void()> on_verify;
  std::function<void()> on_hash;
  bool force_rehash = false;
  std::atomic<int> verifies = 0;
  std::atomic<int> hashes = 0;
  std::atomic<int> dummy_verifies = 0;

 private:
  InlinePasswordHashing inline_;
};

class SignInServiceTest : public ServiceTest {
 protected:
  SignInServiceTest() : ServiceTest(kStart, 11) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    users_.emplace(*store_, hasher_, clock_, rng_);
    policy_.emplace(*store_, clock_, rng_);
    sessions_.emplace(*store_, clock_, rng_);
    sign_in_.emplace(*store_, methods_, hashing_, *sessions_, clock_, rng_, name_key_);
    security_info_.emplace(*store_, methods_, clock_, rng_);
  }

  void add_user(const std::string& upn, MfaState state, bool temporary = false) {
    NewUser request;
    request.upn = upn;
    request.display_name = "Someone";
    request.password = SecretBytes::from_string(kPassword);
    request.password_temporary = temporary;
    ASSERT_TRUE(users_->add_user(request, Actor::cli()).ok());
    ASSERT_TRUE(users_->set_mfa_state(upn, state, Actor::cli()).ok());
  }

  // Username and password; returns the page after the password.
  SignInPage through_password(const std::string& upn, const std::string& password = kPassword,
                              const SignInClient& client = kClient) {
    SignInPage page = *sign_in_->start();
    page = *sign_in_->submit_username(page.flow_id, "username", upn, kClient);
    EXPECT_TRUE(std::holds_alternative<step::EnterPassword>(page.flow.step));
    return *sign_in_->submit_password(page.flow_id, "password", SecretBytes::from_string(password),
                                      client);
  }

  // Registers an authenticator app from "More information required"; returns its secret.
  SecretBytes register_app(SignInPage& page) {
    EXPECT_TRUE(std::holds_alternative<step::MoreInformationRequired>(page.flow.step));
    page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
    page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
    SecretBytes secret = std::get<step::Registering>(page.flow.step).state;
    EXPECT_EQ(secret.size(), 20u);
    page = *sign_in_->submit_method_answer(page.flow_id, "set_up_app", {}, kClient);
    page = *sign_in_->submit_code(page.flow_id, "verify_app", code(secret), kClient);
    return secret;
  }

  std::string code(const SecretBytes& secret, std::chrono::seconds offset = {}) {
    return totp(secret.span(), clock_.now() + offset, TotpParameters{});
  }

  std::vector<SignInLogEntry> log() { return *store_->list_sign_ins(100); }

  PasswordHasher hasher_{Argon2Parameters{8 * 1024, 1}};
  HookedHashing hashing_{hasher_};
  std::optional<UserAdminService> users_;
  std::optional<PolicyService> policy_;
  std::optional<SessionService> sessions_;
  SecretBytes name_key_{std::vector<std::uint8_t>(32, 9)};
  std::optional<SignInService> sign_in_;
  std::optional<SecurityInfoService> security_info_;
};

}  // namespace tessera
