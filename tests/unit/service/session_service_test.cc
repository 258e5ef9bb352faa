// SessionService on a real SQLite store with a manual clock: lifetimes, idle timeouts, sign-out.
#include "service/session_service.h"

#include <gtest/gtest.h>

#include "base/ids.h"
#include "crypto/sodium_init.h"
#include "storage/open_store.h"
#include "support/temp_dir.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

class SessionServiceTest : public ServiceTest {
 protected:
  SessionServiceTest() : ServiceTest(from_unix_seconds(1'795'000'000), 3) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    User user;
    user.id = user_id_ = new_id(rng_);
    user.upn = "alice@example.com";
    user.display_name = "Alice";
    ASSERT_TRUE(store_->create_user(user, nullptr).ok());
    sessions_.emplace(*store_, clock_, rng_);
  }

  std::optional<SessionService> sessions_;
  std::string user_id_;
};

TEST_F(SessionServiceTest, BrowserSessionEndsWhenIdleButStaysWhileUsed) {
  auto issued = sessions_->issue(user_id_, false, std::nullopt);
  ASSERT_TRUE(issued.ok());
  for (int i = 0; i < 10; ++i) {  // used every hour for ten hours
    clock_.advance(std::chrono::hours(1));
    ASSERT_TRUE(sessions_->find(issued->token.view()).ok()) << "hour " << i + 1;
  }
  clock_.advance(kBrowserSessionIdleTimeout + std::chrono::seconds(1));
  EXPECT_EQ(sessions_->find(issued->token.view()).status().code(), ErrorCode::unauthenticated);
}

TEST_F(SessionServiceTest, SessionEndsAtItsAbsoluteLifetimeEvenWhenUsed) {
  auto issued = sessions_->issue(user_id_, false, std::nullopt);
  ASSERT_TRUE(issued.ok());
  for (int i = 0; i < 12; ++i) {
    clock_.advance(std::chrono::hours(1));
    (void)sessions_->find(issued->token.view());
  }
  EXPECT_EQ(sessions_->find(issued->token.view()).status().code(), ErrorCode::unauthenticated);
}

TEST_F(SessionServiceTest, PersistentSessionSurvivesADayAwayAndSignOutEndsIt) {
  auto issued = sessions_->issue(user_id_, true, clock_.now());
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->expires_at, clock_.now() + kPersistentSessionLifetime);
  clock_.advance(std::chrono::hours(30));
  auto found = sessions_->find(issued->token.view());
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->user_id, user_id_);
  EXPECT_TRUE(found->mfa_at.has_value());
  ASSERT_TRUE(sessions_->end(issued->token.view()).ok());
  EXPECT_EQ(sessions_->find(issued->token.view()).status().code(), ErrorCode::unauthenticated);
  EXPECT_TRUE(sessions_->end(issued->token.view()).ok());  // ending twice is fine
}

TEST_F(SessionServiceTest, UnknownOrEmptyTokensAreUnauthenticated) {
  EXPECT_EQ(sessions_->find("").status().code(), ErrorCode::unauthenticated);
  EXPECT_EQ(sessions_->find("not-a-token").status().code(), ErrorCode::unauthenticated);
  EXPECT_EQ(sessions_->find(std::string(5000, 'a')).status().code(), ErrorCode::unauthenticated);
}

}  // namespace
}  // namespace tessera
