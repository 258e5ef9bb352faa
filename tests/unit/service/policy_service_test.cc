#include "service/policy_service.h"

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"
#include "storage/open_store.h"
#include "support/temp_dir.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

class PolicyServiceTest : public ServiceTest {
 protected:
  PolicyServiceTest() : ServiceTest(from_unix_seconds(1'795'000'000), 5) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    service_.emplace(*store_, clock_, rng_);
  }

  std::optional<PolicyService> service_;
};

TEST_F(PolicyServiceTest, FreshDatabaseHasTheDefaultPolicy) {
  EXPECT_EQ(*service_->show(), OrgPolicy{});
}

TEST_F(PolicyServiceTest, SetPersistsAndAudits) {
  auto changed = service_->set("mfa_required_from", "2026-12-01", Actor{"admin@example.com"});
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(format_date(*service_->show()->mfa_required_from), "2026-12-01");
  const auto audit = *store_->list_audit(5);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "policy.set");
  EXPECT_EQ(audit[0].detail, "mfa_required_from = 2026-12-01");
  EXPECT_EQ(audit[0].actor, "admin@example.com");
}

TEST_F(PolicyServiceTest, RefusedValuesChangeNothing) {
  ASSERT_TRUE(service_->set("remember_mfa_days", "30", Actor::cli()).ok());
  EXPECT_FALSE(service_->set("remember_mfa_days", "400", Actor::cli()).ok());
  EXPECT_FALSE(service_->set("trusted_ip_ranges", "300.0.0.0/8", Actor::cli()).ok());
  EXPECT_EQ(service_->show()->remember_mfa_days, 30);
  EXPECT_TRUE(service_->show()->trusted_ip_ranges.empty());
  EXPECT_EQ(store_->list_audit(10)->size(), 1u);
}

}  // namespace
}  // namespace tessera
