// Two tessera nodes on one PostgreSQL: all sign-in state lives in the store, so a flow started on
// one node continues on the other, and two nodes racing on the same step cannot both advance it.
#include <thread>

#include <gtest/gtest.h>

#include "crypto/otp.h"
#include "crypto/sodium_init.h"
#include "methods/authenticator_app/authenticator_app.h"
#include "service/sign_in_service.h"
#include "service/user_admin_service.h"
#include "storage/open_store.h"
#include "support/postgres_server.h"

namespace tessera::testing {
namespace {

constexpr const char* kPassword = "Correct-Horse-Battery-9";

struct Node {
  Node(const StoreConfig& config, const SecretSealer& sealer, const Clock& clock, Rng& rng,
       const PasswordHasher& hasher)
      : store(std::move(*open_store(config, sealer, rng))),
        hashing(hasher),
        sessions(*store, clock, rng),
        sign_in(*store, methods, hashing, sessions, clock, rng, name_key),
        users(*store, hasher, clock, rng) {}
  static MethodRegistry offered() {
    MethodRegistry registry;
    registry.add(std::make_unique<AuthenticatorApp>());
    return registry;
  }
  std::unique_ptr<Store> store;
  MethodRegistry methods = offered();
  SecretBytes name_key{std::vector<std::uint8_t>(32, 4)};  // the same on every node
  InlinePasswordHashing hashing;
  SessionService sessions;
  SignInService sign_in;
  UserAdminService users;
};

class TwoNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_crypto_library());
    sealer_.emplace(*SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 8))));
    config_.kind = StoreConfig::Kind::postgres;
    auto url = shared_postgres_server().create_database();
    ASSERT_TRUE(url.ok()) << url.status().message();
    config_.postgres_url = *url;
    a_.emplace(config_, *sealer_, clock_, rng_a_, hasher_);
    b_.emplace(config_, *sealer_, clock_, rng_b_, hasher_);
    ASSERT_TRUE(a_->store->migrate().ok());
    ASSERT_TRUE(b_->store->migrate().ok());  // the second node finds nothing left to do
    NewUser alice;
    alice.upn = "alice@example.com";
    alice.display_name = "Alice";
    alice.password = SecretBytes::from_string(kPassword);
    ASSERT_TRUE(a_->users.add_user(alice, Actor::cli()).ok());
    ASSERT_TRUE(b_->users.set_mfa_state("alice@example.com", MfaState::enabled, Actor::cli()).ok());
  }

  ManualClock clock_{from_unix_seconds(1'795'000'020)};
  DeterministicRng rng_a_{1};
  DeterministicRng rng_b_{2};
  PasswordHasher hasher_{Argon2Parameters{8 * 1024, 1}};
  std::optional<SecretSealer> sealer_;
  StoreConfig config_;
  std::optional<Node> a_;
  std::optional<Node> b_;
};

TEST_F(TwoNodes, EveryStepCanBeServedByEitherNode) {
  const SignInClient client{"198.51.100.4", "Security info"};
  SignInPage page = *a_->sign_in.start();
  page = *b_->sign_in.submit_username(page.flow_id, "username", "alice@example.com", client);
  page = *a_->sign_in.submit_password(page.flow_id, "password", SecretBytes::from_string(kPassword),
                                      client);
  ASSERT_TRUE(std::holds_alternative<step::MoreInformationRequired>(page.flow.step));
  page = *b_->sign_in.submit_more_information(page.flow_id, "more_information", false, client);
  page = *a_->sign_in.submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
  const SecretBytes secret = std::get<step::Registering>(page.flow.step).state;
  page = *b_->sign_in.submit_method_answer(page.flow_id, "set_up_app", {}, client);
  page = *a_->sign_in.submit_code(page.flow_id, "verify_app",
                                  totp(secret.span(), clock_.now(), TotpParameters{}), client);
  ASSERT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
  page = *b_->sign_in.submit_stay(page.flow_id, "stay_signed_in", true, false, client);
  ASSERT_TRUE(page.session);
  auto session = a_->sessions.find(page.session->token.view());
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ(b_->store->find_user_by_upn("alice@example.com")->mfa_state, MfaState::enforced);
}

TEST_F(TwoNodes, ARaceOnOneStepAdvancesItOnce) {
  const SignInClient client{"198.51.100.4", "Security info"};
  SignInPage page = *a_->sign_in.start();
  page = *a_->sign_in.submit_username(page.flow_id, "username", "alice@example.com", client);
  const std::string flow_id = page.flow_id;
  std::optional<SignInPage> on_a;
  std::optional<SignInPage> on_b;
  std::thread first([&] {
    on_a = *a_->sign_in.submit_password(flow_id, "password", SecretBytes::from_string(kPassword),
                                        client);
  });
  std::thread second([&] {
    on_b = *b_->sign_in.submit_password(flow_id, "password", SecretBytes::from_string(kPassword),
                                        client);
  });
  first.join();
  second.join();
  const bool a_advanced = std::holds_alternative<step::MoreInformationRequired>(on_a->flow.step);
  const bool b_advanced = std::holds_alternative<step::MoreInformationRequired>(on_b->flow.step);
  EXPECT_NE(a_advanced, b_advanced) << "exactly one of the two requests moves the flow on";
  const SignInPage& loser = a_advanced ? *on_b : *on_a;
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(loser.flow.step));
}

}  // namespace
}  // namespace tessera::testing
