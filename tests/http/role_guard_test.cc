// The role guard of signed-in routes (SignedInRoutes::for_role), on the real services over a
// fresh SQLite store: a member is refused, an admin let in, and a change of role counts at the
// very next request of the same session.
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "http/pages/signed_in_routes.h"
#include "http/router.h"
#include "service/password_hashing.h"
#include "service/security_info_service.h"
#include "service/session_service.h"
#include "service/sign_in_service.h"
#include "service/user_admin_service.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

class RoleGuard : public ServiceTest {
 protected:
  RoleGuard() : ServiceTest(from_unix_seconds(1'795'000'000), 3) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    users_.emplace(*store_, hasher_, clock_, rng_);
    sessions_.emplace(*store_, clock_, rng_);
    security_info_.emplace(*store_, methods_, clock_, rng_);
    sign_in_.emplace(*store_, methods_, hashing_, *sessions_, clock_, rng_,
                     SecretBytes(std::vector<std::uint8_t>(32, 9)));
    fraud_reports_.emplace(*store_, clock_, rng_);
    password_reset_.emplace(*store_, methods_, hashing_, clock_, rng_);
    context_.emplace(WebContext{*sign_in_, *sessions_, *security_info_, methods_, clock_, "Contoso",
                                SecretBytes(std::vector<std::uint8_t>(32, 3)), *fraud_reports_,
                                *password_reset_});
    SignedInRoutes admins = SignedInRoutes(router_, *context_).for_role(Role::admin);
    admins.get("/admin/ping",
               [](const Request&, const Signed&) { return Response::text(200, "pong"); });
    admins.post(
        "/admin/ping", [](const Request&, const Signed&) { return Response::text(200, "posted"); },
        [](const Request&, const Signed&) { return Response::text(400, "bad csrf"); });

    NewUser alice;
    alice.upn = "alice@example.com";
    alice.display_name = "Alice";
    alice.password = SecretBytes::from_string("Correct-Horse-Battery-9");
    auto added = users_->add_user(alice, Actor::cli());
    ASSERT_TRUE(added.ok());
    token_ = std::string(sessions_->issue(added->user.id, false, std::nullopt)->token.view());
  }

  Response send(HttpMethod method, const std::string& token) {
    Request request;
    request.method = method;
    request.target = request.path = "/admin/ping";
    if (!token.empty()) request.headers.emplace_back("cookie", "tessera_session=" + token);
    if (method == HttpMethod::post) {
      request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
      request.body = "csrf=forged";
    }
    auto found = router_.lookup(method, request.path);
    if (std::holds_alternative<Response>(found)) return std::get<Response>(found);
    return (*std::get<Router::Match>(found).handler)(request);
  }

  PasswordHasher hasher_{Argon2Parameters{8 * 1024, 1}};
  InlinePasswordHashing hashing_{hasher_};
  std::optional<UserAdminService> users_;
  std::optional<SessionService> sessions_;
  std::optional<SecurityInfoService> security_info_;
  std::optional<FraudReports> fraud_reports_;
  std::optional<PasswordResetService> password_reset_;
  std::optional<SignInService> sign_in_;
  std::optional<WebContext> context_;
  Router router_;
  std::string token_;
};

TEST_F(RoleGuard, AMemberGetsNoAccessAndAnAdminGetsThePage) {
  const Response refused = send(HttpMethod::get, token_);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("No access"), std::string::npos);
  ASSERT_TRUE(users_->set_role("alice@example.com", Role::admin, Actor::cli()).ok());
  const Response allowed = send(HttpMethod::get, token_);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.body, "pong");
  EXPECT_EQ((*store_->list_audit(1))[0].action, "user.set_role");
}

TEST_F(RoleGuard, ADemotionCountsAtTheNextRequestOfTheSameSession) {
  ASSERT_TRUE(users_->set_role("alice@example.com", Role::admin, Actor::cli()).ok());
  ASSERT_EQ(send(HttpMethod::get, token_).status, 200);
  ASSERT_TRUE(users_->set_role("alice@example.com", Role::member, Actor::cli()).ok());
  EXPECT_EQ(send(HttpMethod::get, token_).status, 403);
}

TEST_F(RoleGuard, TheOtherGuardsStillHold) {
  // No session: Sign in, before the role is looked at.
  const Response anonymous = send(HttpMethod::get, "");
  EXPECT_EQ(anonymous.status, 303);
  EXPECT_EQ(anonymous.header("location"), "/signin");
  // A member's POST is refused for the role, an admin's forged one for CSRF.
  EXPECT_EQ(send(HttpMethod::post, token_).status, 403);
  ASSERT_TRUE(users_->set_role("alice@example.com", Role::admin, Actor::cli()).ok());
  EXPECT_EQ(send(HttpMethod::post, token_).body, "bad csrf");
}

}  // namespace
}  // namespace tessera
