// SecurityInfoService on a real SQLite store with a manual clock: fresh proof before changes, the
// step-up with a code, adding and deleting methods.
#include "service/security_info_service.h"

#include <gtest/gtest.h>

#include "base/ids.h"
#include "crypto/otp.h"
#include "crypto/sodium_init.h"
#include "crypto/token.h"
#include "service/session_service.h"
#include "service/sign_in_service.h"
#include "storage/open_store.h"
#include "support/temp_dir.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

class SecurityInfoServiceTest : public ServiceTest {
 protected:
  SecurityInfoServiceTest() : ServiceTest(from_unix_seconds(1'795'000'020), 9) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    User user;
    user.id = new_id(rng_);
    user.upn = "alice@example.com";
    user.display_name = "Alice";
    user.mfa_state = MfaState::enforced;
    ASSERT_TRUE(store_->create_user(user, nullptr).ok());
    Method method;
    method.id = new_id(rng_);
    method.user_id = user.id;
    method.label = "Authenticator app";
    method.secret = secret_;
    method.is_default = true;
    ASSERT_TRUE(store_->add_method(method, nullptr).ok());
    method_id_ = method.id;
    sessions_.emplace(*store_, clock_, rng_);
    info_.emplace(*store_, methods_, clock_, rng_);
    // A session without MFA, as after a sign-in from a trusted IP.
    auto issued = sessions_->issue(user.id, false, std::nullopt);
    token_ = std::string(issued->token.view());
  }

  SessionRecord session() { return *sessions_->find(token_); }
  std::string code(std::chrono::seconds offset = {}) {
    return totp(secret_.span(), clock_.now() + offset, TotpParameters{});
  }

  SecretBytes secret_ = SecretBytes::from_string("12345678901234567890");
  std::optional<SessionService> sessions_;
  std::optional<SecurityInfoService> info_;
  std::string token_;
  std::string method_id_;
};

TEST_F(SecurityInfoServiceTest, ChangesNeedAFreshProofWhichACodeGives) {
  EXPECT_EQ(info_->delete_method(session(), method_id_).code(), ErrorCode::permission_denied);
  EXPECT_EQ(info_->begin_add(session(), "authenticator_app").status().code(),
            ErrorCode::permission_denied);
  EXPECT_FALSE(*info_->prove_with_code(session(), code() == "000000" ? "111111" : "000000"));
  EXPECT_TRUE(*info_->prove_with_code(session(), code()));
  EXPECT_FALSE(*info_->prove_with_code(session(), code())) << "a used step never proves again";
  auto added = info_->begin_add(session(), "authenticator_app");
  ASSERT_TRUE(added.ok()) << added.status().message();
  // The proof lasts kFreshProofWindow.
  clock_.advance(kFreshProofWindow + std::chrono::seconds(1));
  EXPECT_EQ(info_->delete_method(session(), method_id_).code(), ErrorCode::permission_denied);
}

TEST_F(SecurityInfoServiceTest, AddingAnAppNeedsACodeFromTheNewSecret) {
  clock_.advance(std::chrono::seconds(30));
  ASSERT_TRUE(*info_->prove_with_code(session(), code()));
  auto added = info_->begin_add(session(), "authenticator_app");
  ASSERT_TRUE(added.ok());
  const SecretBytes fresh = std::get<step::Registering>(added->flow.step).state;
  ASSERT_TRUE(info_->add_step_on(session(), added->flow_id, {}).ok());
  const std::string right = totp(fresh.span(), clock_.now(), TotpParameters{});
  EXPECT_FALSE(*info_->confirm_add(session(), added->flow_id, right == "000000" ? "1" : "000000"));
  EXPECT_TRUE(*info_->confirm_add(session(), added->flow_id, right));
  EXPECT_EQ(info_->overview(session())->methods.size(), 2u);
  // The finished flow is gone.
  EXPECT_EQ(info_->add_flow(session(), added->flow_id).status().code(), ErrorCode::not_found);
}

TEST_F(SecurityInfoServiceTest, DeletingTheDefaultPromotesAnotherAndOthersCannotBeTouched) {
  clock_.advance(std::chrono::seconds(30));
  ASSERT_TRUE(*info_->prove_with_code(session(), code()));
  auto added = info_->begin_add(session(), "authenticator_app");
  const SecretBytes fresh = std::get<step::Registering>(added->flow.step).state;
  ASSERT_TRUE(info_->add_step_on(session(), added->flow_id, {}).ok());
  ASSERT_TRUE(*info_->confirm_add(session(), added->flow_id,
                                  totp(fresh.span(), clock_.now(), TotpParameters{})));
  ASSERT_TRUE(info_->delete_method(session(), method_id_).ok());
  auto methods = info_->overview(session())->methods;
  ASSERT_EQ(methods.size(), 1u);
  EXPECT_TRUE(methods[0].is_default);
  EXPECT_EQ(info_->delete_method(session(), "someone-elses").code(), ErrorCode::not_found);
  EXPECT_EQ((*store_->list_audit(10))[0].action, "method.delete");
}

TEST_F(SecurityInfoServiceTest, WrongStepUpCodesLockLikeSignInCodes) {
  const std::string wrong = code() == "000000" ? "111111" : "000000";
  for (int i = 0; i < kMaxWrongCodesPerUser; ++i) {
    ASSERT_FALSE(*info_->prove_with_code(session(), wrong));
  }
  auto locked = info_->prove_with_code(session(), code());
  ASSERT_TRUE(locked.ok()) << locked.status().message();
  EXPECT_EQ(locked->outcome, CodeCheck::Outcome::locked);
  EXPECT_EQ(locked->locked_minutes, 15);
}

}  // namespace
}  // namespace tessera
