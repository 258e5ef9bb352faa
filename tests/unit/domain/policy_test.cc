#include "domain/policy.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(OrgPolicy, DefaultsAreValid) {
  EXPECT_TRUE(validate(OrgPolicy{}).ok());
}

TEST(OrgPolicy, SetsEveryKey) {
  OrgPolicy policy;
  ASSERT_TRUE(set_policy_value(policy, "mfa_required_from", "2026-12-01").ok());
  ASSERT_TRUE(set_policy_value(policy, "registration_grace_days", "14").ok());
  ASSERT_TRUE(set_policy_value(policy, "allowed_methods", "app_code, text_message").ok());
  ASSERT_TRUE(set_policy_value(policy, "allow_app_passwords", "false").ok());
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_days", "30").ok());
  ASSERT_TRUE(set_policy_value(policy, "fraud_block_user", "false").ok());
  ASSERT_TRUE(set_policy_value(policy, "fraud_notify_email", " IT@Contoso.COM ").ok());
  ASSERT_TRUE(set_policy_value(policy, "trusted_ip_ranges", "10.0.0.0/8,2001:db8::/32").ok());
  ASSERT_TRUE(set_policy_value(policy, "lockout_threshold", "5").ok());
  ASSERT_TRUE(set_policy_value(policy, "lockout_duration_seconds", "300").ok());
  EXPECT_EQ(format_date(*policy.mfa_required_from), "2026-12-01");
  EXPECT_EQ(policy.registration_grace_days, 14);
  EXPECT_TRUE(policy.allowed_methods.app_code);
  EXPECT_TRUE(policy.allowed_methods.text_message);
  EXPECT_FALSE(policy.allowed_methods.app_notification);
  EXPECT_FALSE(policy.allow_app_passwords);
  EXPECT_TRUE(remembers_mfa(policy));
  EXPECT_EQ(policy.remember_mfa_days, 30);
  EXPECT_FALSE(policy.fraud_block_user);
  EXPECT_EQ(policy.fraud_notify_email, "IT@contoso.com");
  ASSERT_EQ(policy.trusted_ip_ranges.size(), 2u);
  EXPECT_EQ(policy.lockout.threshold, 5);
  EXPECT_EQ(policy.lockout.duration, std::chrono::seconds(300));
}

TEST(OrgPolicy, DescribeThenSetRoundTrips) {
  OrgPolicy original;
  original.mfa_required_from = *parse_date("2027-01-15");
  original.registration_grace_days = 3;
  original.allowed_methods = {false, true, false, true, true};
  original.remember_mfa_days = 365;
  original.fraud_block_user = false;
  original.fraud_notify_email = "soc@contoso.com";
  original.trusted_ip_ranges = {*IpRange::parse("192.0.2.0/24"), *IpRange::parse("::1")};
  original.lockout = {7, std::chrono::seconds(120)};
  OrgPolicy copy;
  for (const auto& [key, value] : describe_policy(original)) {
    ASSERT_TRUE(set_policy_value(copy, key, value).ok()) << key << "=" << value;
  }
  EXPECT_EQ(copy, original);
  OrgPolicy defaults;
  OrgPolicy defaults_copy;
  defaults_copy.remember_mfa_days = 99;
  for (const auto& [key, value] : describe_policy(defaults)) {
    ASSERT_TRUE(set_policy_value(defaults_copy, key, value).ok()) << key;
  }
  EXPECT_EQ(defaults_copy, defaults);
}

TEST(OrgPolicy, NoneClearsDateAndRanges) {
  OrgPolicy policy;
  ASSERT_TRUE(set_policy_value(policy, "mfa_required_from", "2026-12-01").ok());
  ASSERT_TRUE(set_policy_value(policy, "trusted_ip_ranges", "10.0.0.0/8").ok());
  ASSERT_TRUE(set_policy_value(policy, "mfa_required_from", "none").ok());
  ASSERT_TRUE(set_policy_value(policy, "trusted_ip_ranges", "none").ok());
  EXPECT_FALSE(policy.mfa_required_from);
  EXPECT_TRUE(policy.trusted_ip_ranges.empty());
}

TEST(OrgPolicy, BadValuesLeaveThePolicyUnchanged) {
  OrgPolicy policy;
  policy.registration_grace_days = 5;
  const OrgPolicy before = policy;
  const std::pair<const char*, const char*> bad[] = {
      {"mfa_required_from", "2026-13-01"},
      {"mfa_required_from", "tomorrow"},
      {"registration_grace_days", "91"},
      {"registration_grace_days", "-1"},
      {"registration_grace_days", "5 days"},
      {"remember_mfa_days", "-1"},
      {"fraud_notify_email", "not an address"},
      {"fraud_block_user", "sometimes"},
      {"remember_mfa_days", "366"},
      {"allow_app_passwords", "maybe"},
      {"trusted_ip_ranges", "10.0.0.1/8"},
      {"trusted_ip_ranges", "10.0.0.0/8,bogus"},
      {"lockout_threshold", "0"},
      {"lockout_duration_seconds", "86401"},
      {"allowed_methods", "app_code,pigeon"},
      {"no_such_key", "1"},
  };
  for (const auto& [key, value] : bad) {
    const Status status = set_policy_value(policy, key, value);
    EXPECT_EQ(status.code(), ErrorCode::invalid_argument) << key << "=" << value;
    EXPECT_EQ(policy, before) << key << "=" << value;
  }
}

TEST(OrgPolicy, ErrorsNameTheKey) {
  OrgPolicy policy;
  EXPECT_NE(
      set_policy_value(policy, "remember_mfa_days", "400").message().find("remember_mfa_days"),
      std::string::npos);
  EXPECT_NE(set_policy_value(policy, "mfa_requierd_from", "x").message().find("policy show"),
            std::string::npos);
}

TEST(OrgPolicy, AtMostFiftyTrustedRanges) {
  std::string fifty;
  std::string fifty_one;
  for (int i = 0; i < 51; ++i) {
    const std::string range = "10." + std::to_string(i) + ".0.0/16";
    if (i < 50) fifty += (fifty.empty() ? "" : ",") + range;
    fifty_one += (fifty_one.empty() ? "" : ",") + range;
  }
  OrgPolicy policy;
  EXPECT_TRUE(set_policy_value(policy, "trusted_ip_ranges", fifty).ok());
  EXPECT_FALSE(set_policy_value(policy, "trusted_ip_ranges", fifty_one).ok());
  EXPECT_EQ(policy.trusted_ip_ranges.size(), 50u);
}

TEST(OrgPolicy, RefusesHugeValues) {
  OrgPolicy policy;
  EXPECT_FALSE(set_policy_value(policy, "trusted_ip_ranges", std::string(10000, ',')).ok());
}

TEST(OrgPolicy, PhoneCountryCodesAreCallingCodesOrAll) {
  OrgPolicy policy;
  EXPECT_TRUE(policy.phone_country_codes.empty());
  ASSERT_TRUE(set_policy_value(policy, "phone_country_codes", "44, +49,44").ok());
  EXPECT_EQ(policy.phone_country_codes, (std::vector<int>{44, 49}));
  for (const char* bad : {"0", "1000", "UK", "", ",", "44,x"}) {
    OrgPolicy unchanged = policy;
    EXPECT_FALSE(set_policy_value(unchanged, "phone_country_codes", bad).ok()) << bad;
    EXPECT_EQ(unchanged, policy);
  }
  ASSERT_TRUE(set_policy_value(policy, "phone_country_codes", "all").ok());
  EXPECT_TRUE(policy.phone_country_codes.empty());
}

TEST(OrgPolicy, OrganizationDomainsAreDomainNamesInLowerCase) {
  OrgPolicy policy;
  EXPECT_TRUE(policy.organization_domains.empty());
  ASSERT_TRUE(
      set_policy_value(policy, "organization_domains", "Contoso.com, @fabrikam.co.uk,contoso.com")
          .ok());
  EXPECT_EQ(policy.organization_domains,
            (std::vector<std::string>{"contoso.com", "fabrikam.co.uk"}));
  for (const char* bad : {"contoso..com", "-contoso.com", "contoso-.com", "con toso.com", "a@b.com",
                          "contoso.com.", "\xc3\xa9.com"}) {
    OrgPolicy unchanged = policy;
    EXPECT_FALSE(set_policy_value(unchanged, "organization_domains", bad).ok()) << bad;
    EXPECT_EQ(unchanged, policy);
  }
  EXPECT_TRUE(is_organization_domain(policy, "CONTOSO.com"));
  EXPECT_TRUE(is_organization_domain(policy, "mail.contoso.com"));
  EXPECT_FALSE(is_organization_domain(policy, "notcontoso.com"));
  EXPECT_FALSE(is_organization_domain(policy, "contoso.com.evil.net"));
  EXPECT_FALSE(is_organization_domain(policy, "gmail.com"));
  const auto described = describe_policy(policy);
  EXPECT_NE(std::find(described.begin(), described.end(),
                      std::pair<std::string, std::string>{"organization_domains",
                                                          "contoso.com,fabrikam.co.uk"}),
            described.end());
  ASSERT_TRUE(set_policy_value(policy, "organization_domains", "none").ok());
  EXPECT_TRUE(policy.organization_domains.empty());
}

TEST(OrgPolicy, RememberMfaIsOffUntilItHasDays) {
  OrgPolicy policy;
  EXPECT_FALSE(remembers_mfa(policy));
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_days", "14").ok());
  EXPECT_TRUE(remembers_mfa(policy));
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_days", "0").ok());
  EXPECT_FALSE(remembers_mfa(policy));
}

// The key of schema versions up to 7 still reads: off sets 0 days, on gives 14 when there were
// none.
TEST(OrgPolicy, OldRememberMfaEnabledKeyFoldsIntoDays) {
  OrgPolicy policy;
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_enabled", "true").ok());
  EXPECT_EQ(policy.remember_mfa_days, 14);
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_days", "30").ok());
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_enabled", "true").ok());
  EXPECT_EQ(policy.remember_mfa_days, 30);
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_enabled", "false").ok());
  EXPECT_EQ(policy.remember_mfa_days, 0);
  for (const auto& [key, value] : describe_policy(policy))
    EXPECT_NE(key, "remember_mfa_enabled");
}

TEST(OrgPolicy, FraudNotifyEmailNoneClearsIt) {
  OrgPolicy policy;
  ASSERT_TRUE(set_policy_value(policy, "fraud_notify_email", "soc@contoso.com").ok());
  ASSERT_TRUE(set_policy_value(policy, "fraud_notify_email", "none").ok());
  EXPECT_TRUE(policy.fraud_notify_email.empty());
  EXPECT_TRUE(policy.fraud_block_user);  // blocking is the default
}

}  // namespace
}  // namespace tessera
