// UserAdminService on a real SQLite store in a temporary directory, with a manual clock and a
// deterministic rng so times and generated passwords are exact.
#include "service/user_admin_service.h"

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"
#include "service/policy_service.h"
#include "service/temporary_password.h"
#include "service/throttles.h"
#include "storage/open_store.h"
#include "support/temp_dir.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

const Timestamp kStart = from_unix_seconds(1'795'000'000);  // 2026-11-18

class UserAdminServiceTest : public ServiceTest {
 protected:
  UserAdminServiceTest() : ServiceTest(kStart, 42) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    users_.emplace(*store_, hasher_, clock_, rng_);
    policy_.emplace(*store_, clock_, rng_);
  }

  NewUser alice(std::optional<std::string> password = std::nullopt) {
    NewUser request;
    request.upn = "Alice@Example.com";
    request.display_name = "Alice Smith";
    if (password) request.password = SecretBytes::from_string(*password);
    return request;
  }

  PasswordHasher hasher_{Argon2Parameters{8 * 1024, 1}};
  std::optional<UserAdminService> users_;
  std::optional<PolicyService> policy_;
};

TEST_F(UserAdminServiceTest, AddWithoutPasswordGeneratesATemporaryOne) {
  auto added = users_->add_user(alice(), Actor::cli());
  ASSERT_TRUE(added.ok()) << added.status().message();
  ASSERT_TRUE(added->generated_password);
  EXPECT_EQ(added->generated_password->size(), 19u);  // four groups of four and three dashes
  EXPECT_TRUE(added->user.password_temporary);
  EXPECT_EQ(added->user.upn, "alice@example.com");
  EXPECT_TRUE(hasher_.verify(*added->generated_password, added->user.password_hash));
  auto stored = store_->find_user_by_upn("alice@example.com");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->password_hash, added->user.password_hash);
  EXPECT_EQ(stored->created_at, kStart);
}

TEST_F(UserAdminServiceTest, AddWithAGoodPasswordKeepsItPermanent) {
  auto added = users_->add_user(alice("lantern orchard seventy"), Actor::cli());
  ASSERT_TRUE(added.ok());
  EXPECT_FALSE(added->generated_password);
  EXPECT_FALSE(added->user.password_temporary);
  EXPECT_TRUE(hasher_.verify(SecretBytes::from_string("lantern orchard seventy"),
                             added->user.password_hash));
}

TEST_F(UserAdminServiceTest, AddRefusesBadInputAndWritesNothing) {
  EXPECT_EQ(users_->add_user(alice("password"), Actor::cli()).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(users_->add_user(alice("alice smith"), Actor::cli()).status().code(),
            ErrorCode::invalid_argument);
  NewUser bad_name = alice();
  bad_name.upn = "not a upn";
  EXPECT_EQ(users_->add_user(bad_name, Actor::cli()).status().code(), ErrorCode::invalid_argument);
  NewUser control = alice();
  control.display_name = "Alice\nSmith";
  EXPECT_EQ(users_->add_user(control, Actor::cli()).status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(*store_->count_users(), 0);
  EXPECT_TRUE(store_->list_audit(10)->empty());
}

TEST_F(UserAdminServiceTest, DuplicateUpnIsAlreadyExistsWhateverTheCase) {
  ASSERT_TRUE(users_->add_user(alice(), Actor::cli()).ok());
  NewUser again = alice();
  again.upn = "ALICE@example.COM";
  const auto result = users_->add_user(again, Actor::cli());
  EXPECT_EQ(result.status().code(), ErrorCode::already_exists);
  EXPECT_NE(result.status().message().find("alice@example.com"), std::string::npos);
  EXPECT_EQ(store_->list_audit(10)->size(), 1u);
}

TEST_F(UserAdminServiceTest, NewUsersStartEnabledOnceTheOrgRequiresMfa) {
  ASSERT_TRUE(policy_->set("mfa_required_from", "2026-11-20", Actor::cli()).ok());
  auto before = users_->add_user(alice(), Actor::cli());
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->user.mfa_state, MfaState::disabled);
  EXPECT_EQ(users_->show_user("alice@example.com")->effective_mfa_state, MfaState::disabled);
  clock_.advance(std::chrono::days(2));
  EXPECT_EQ(users_->show_user("alice@example.com")->effective_mfa_state, MfaState::enabled);
  NewUser bob = alice();
  bob.upn = "bob@example.com";
  EXPECT_EQ(users_->add_user(bob, Actor::cli())->user.mfa_state, MfaState::enabled);
}

TEST_F(UserAdminServiceTest, BlockEndsSessionsAndIsAudited) {
  auto added = users_->add_user(alice(), Actor::cli());
  ASSERT_TRUE(added.ok());
  SessionRecord session{"ab" + std::string(62, '0'), added->user.id, kStart, kStart,
                        kStart + std::chrono::hours(8)};
  ASSERT_TRUE(store_->create_session(session).ok());
  ASSERT_TRUE(users_->block_user("alice@example.com", Actor{"admin@example.com"}).ok());
  EXPECT_EQ(store_->find_session(session.token_hash).status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_user_by_id(added->user.id)->status, UserStatus::blocked);
  const auto audit = *store_->list_audit(1);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "user.block");
  EXPECT_EQ(audit[0].actor, "admin@example.com");
  EXPECT_EQ(audit[0].target, "alice@example.com");
  ASSERT_TRUE(users_->unblock_user("alice@example.com", Actor::cli()).ok());
  EXPECT_EQ(store_->find_user_by_id(added->user.id)->status, UserStatus::active);
}

TEST_F(UserAdminServiceTest, ResetPasswordGivesANewTemporaryPasswordAndClearsTheLockout) {
  auto added = users_->add_user(alice("lantern orchard seventy"), Actor::cli());
  ASSERT_TRUE(added.ok());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(store_
                    ->count_attempt(throttles::account_passwords(added->user.id), kStart,
                                    throttles::password_rule(OrgPolicy{}))
                    .ok());
  ASSERT_TRUE(store_
                  ->lock_throttle(throttles::account_passwords(added->user.id),
                                  kStart + std::chrono::hours(1))
                  .ok());
  EXPECT_TRUE(users_->show_user("alice@example.com")->locked_until);
  clock_.advance(std::chrono::minutes(5));
  auto password = users_->reset_password("alice@example.com", Actor::cli());
  ASSERT_TRUE(password.ok());
  const User after = *store_->find_user_by_id(added->user.id);
  EXPECT_TRUE(after.password_temporary);
  EXPECT_FALSE(store_->find_throttle(throttles::account_passwords(after.id).key)->has_value());
  EXPECT_FALSE(users_->show_user("alice@example.com")->locked_until);
  EXPECT_EQ(after.password_changed_at, kStart + std::chrono::minutes(5));
  EXPECT_TRUE(hasher_.verify(*password, after.password_hash));
  EXPECT_FALSE(
      hasher_.verify(SecretBytes::from_string("lantern orchard seventy"), after.password_hash));
}

TEST_F(UserAdminServiceTest, SetMfaStateRecordsWhenItChanged) {
  ASSERT_TRUE(users_->add_user(alice(), Actor::cli()).ok());
  clock_.advance(std::chrono::hours(3));
  ASSERT_TRUE(users_->set_mfa_state("alice@example.com", MfaState::enabled, Actor::cli()).ok());
  const auto details = *users_->show_user("alice@example.com");
  EXPECT_EQ(details.user.mfa_state, MfaState::enabled);
  EXPECT_EQ(details.user.mfa_state_changed_at, kStart + std::chrono::hours(3));
  const auto audit = *store_->list_audit(1);
  EXPECT_EQ(audit[0].detail, "disabled -> enabled");
}

TEST_F(UserAdminServiceTest, UnknownUsersAreNotFound) {
  EXPECT_EQ(users_->show_user("ghost@example.com").status().code(), ErrorCode::not_found);
  EXPECT_EQ(users_->block_user("ghost@example.com", Actor::cli()).code(), ErrorCode::not_found);
  EXPECT_EQ(users_->delete_user("ghost@example.com", Actor::cli()).code(), ErrorCode::not_found);
  EXPECT_EQ(users_->reset_password("ghost@example.com", Actor::cli()).status().code(),
            ErrorCode::not_found);
  EXPECT_EQ(users_->set_mfa_state("ghost@example.com", MfaState::enabled, Actor::cli()).code(),
            ErrorCode::not_found);
}

TEST_F(UserAdminServiceTest, DeleteRemovesTheUser) {
  ASSERT_TRUE(users_->add_user(alice(), Actor::cli()).ok());
  ASSERT_TRUE(users_->delete_user("alice@example.com", Actor::cli()).ok());
  EXPECT_EQ(*store_->count_users(), 0);
}

TEST_F(UserAdminServiceTest, ListRefusesAbsurdPageSizes) {
  UserListQuery query;
  query.limit = 0;
  EXPECT_EQ(users_->list_users(query).status().code(), ErrorCode::invalid_argument);
  query.limit = 1001;
  EXPECT_EQ(users_->list_users(query).status().code(), ErrorCode::invalid_argument);
}

TEST(TemporaryPassword, UsesOnlyUnambiguousCharactersInFourGroups) {
  DeterministicRng rng(1);
  for (int i = 0; i < 200; ++i) {
    const SecretBytes password = generate_temporary_password(rng);
    const std::string_view text = password.view();
    ASSERT_EQ(text.size(), 19u);
    for (std::size_t k = 0; k < text.size(); ++k) {
      if (k % 5 == 4) {
        EXPECT_EQ(text[k], '-');
      } else {
        EXPECT_EQ(std::string_view("0O1lI").find(text[k]), std::string_view::npos) << text;
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(text[k])));
      }
    }
  }
}

}  // namespace
}  // namespace tessera
