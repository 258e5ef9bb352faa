// The organisation's policy (DESIGN.md section 1, "Org policy"): plain data with validation. One
// policy per tenant; stored as a whole by the store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time_format.h"
#include "domain/ip_range.h"

namespace tessera {

struct AllowedMethods {
  bool app_notification = true;
  bool app_code = true;
  bool text_message = true;
  bool phone_call = true;
  bool email = false;  // email codes are for password reset unless the admin allows them for MFA
  friend bool operator==(const AllowedMethods&, const AllowedMethods&) = default;
};

struct LockoutPolicy {
  int threshold = 10;                 // consecutive wrong passwords before a lockout
  std::chrono::seconds duration{60};  // first lockout; doubles per further lockout (DESIGN.md 9)
  friend bool operator==(const LockoutPolicy&, const LockoutPolicy&) = default;
};

inline constexpr std::size_t kMaxTrustedIpRanges = 50;
inline constexpr std::size_t kMaxPhoneCountryCodes = 50;
inline constexpr std::size_t kMaxOrganizationDomains = 50;
inline constexpr int kMaxRememberMfaDays = 365;

struct OrgPolicy {
  // "Require MFA for all users from DATE": from midnight UTC of this date everyone is at least
  // Enabled; users created after it are stored as Enabled.
  std::optional<Date> mfa_required_from;
  int registration_grace_days =
      0;  // 0-90: days after MFA became required when "Skip for now" shows
  AllowedMethods allowed_methods;
  bool allow_app_passwords = true;
  // "Don't ask again for N days" after a challenge: a remembered device skips the challenge (never
  // the registration) for this many days. 0 = off; at most kMaxRememberMfaDays.
  int remember_mfa_days = 0;
  std::vector<IpRange> trusted_ip_ranges;  // ≤ kMaxTrustedIpRanges
  // The calling codes texts and calls may go to (toll fraud: SMS pumping to premium numbers
  // abroad); empty = every country. ≤ kMaxPhoneCountryCodes, each 1-999.
  std::vector<int> phone_country_codes;
  // The organisation's own email domains (lower case, ≤ kMaxOrganizationDomains): an email
  // method must be an address outside them (and their subdomains), since it is how people are
  // reached when they cannot sign in.
  std::vector<std::string> organization_domains;
  LockoutPolicy lockout;
  // Fraud alert: a person who reports a sign-in they did not start (0# on a call, "This wasn't
  // me" in an email) ends it; the user is then blocked when `fraud_block_user`, and
  // `fraud_notify_email` (an address, or empty) is told.
  bool fraud_block_user = true;
  std::string fraud_notify_email;
  // Self-service password reset: "Forgot my password" proves this many (1 or 2) of the user's
  // methods that can reset a password; after sign-in, users with fewer are asked to register them
  // ("Keep your account secure").
  bool sspr_enabled = false;
  int sspr_methods_required = 1;
  friend bool operator==(const OrgPolicy&, const OrgPolicy&) = default;
};

// ok, or invalid_argument naming the first field out of range.
Status validate(const OrgPolicy& policy);

// Policy keys for `tessera policy set KEY VALUE` and the admin API. Each setter parses and
// validates VALUE and changes only its field; on error `policy` is unchanged.
// Keys: mfa_required_from (YYYY-MM-DD or "none"), registration_grace_days, allow_app_passwords,
// remember_mfa_days (0 = off, 1-365), trusted_ip_ranges (comma-separated CIDRs or "none"),
// phone_country_codes (comma-separated calling codes such as "44,49", or "all"),
// organization_domains (comma-separated domain names such as "contoso.com", or "none"),
// lockout_threshold, lockout_duration_seconds, allowed_methods (comma-separated of
// app_notification, app_code, text_message, phone_call, email), fraud_block_user (true/false),
// fraud_notify_email (an email address, or "none"), sspr_enabled (true/false),
// sspr_methods_required (1 or 2). The old key remember_mfa_enabled is still
// accepted: false sets remember_mfa_days to 0, true sets it to 14 when it was 0.
Status set_policy_value(OrgPolicy& policy, std::string_view key, std::string_view value);
std::vector<std::pair<std::string, std::string>> describe_policy(const OrgPolicy& policy);

// The key a setting is shown (and audited) under: remember_mfa_enabled's is remember_mfa_days.
std::string_view shown_policy_key(std::string_view key);

// Whether "Don't ask again for N days" is on.
inline bool remembers_mfa(const OrgPolicy& policy) {
  return policy.remember_mfa_days > 0;
}

// A domain name as DNS allows it (RFC 1035 labels of letters, digits and inner hyphens, at most
// 253 characters), in lower case; nullopt otherwise.
std::optional<std::string> normalise_domain_name(std::string_view text);

// Whether `name` is `domain` itself or a subdomain of it ("a.example.com" of "example.com", not
// "badexample.com"); compared exactly as given, so both should be in lower case.
bool within_domain(std::string_view name, std::string_view domain);

// Whether `domain` (any case) is one of the policy's organization_domains or a subdomain of one.
bool is_organization_domain(const OrgPolicy& policy, std::string_view domain);

}  // namespace tessera
