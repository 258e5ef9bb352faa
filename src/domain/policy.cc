#include "domain/policy.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "domain/email_address.h"

namespace tessera {
namespace {

constexpr int kMaxGraceDays = 90;
constexpr int kMaxLockoutThreshold = 1000;
constexpr std::chrono::seconds kMaxLockoutDuration{24 * 3600};
constexpr std::size_t kMaxValueLength = 4096;

Status parse_int(std::string_view key, std::string_view value, int min, int max, int& out) {
  int parsed = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (value.empty() || error != std::errc() || end != value.data() + value.size() || parsed < min ||
      parsed > max) {
    return invalid_argument(std::string(key) + " must be a whole number from " +
                            std::to_string(min) + " to " + std::to_string(max));
  }
  out = parsed;
  return Status();
}

Status parse_bool(std::string_view key, std::string_view value, bool& out) {
  if (value == "true" || value == "on" || value == "yes") {
    out = true;
  } else if (value == "false" || value == "off" || value == "no") {
    out = false;
  } else {
    return invalid_argument(std::string(key) + " must be true or false");
  }
  return Status();
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  return text;
}

// Splits "a, b,c" into trimmed non-empty items.
std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    const auto item = trim(value.substr(start, end - start));
    if (!item.empty()) items.push_back(item);
    start = end + 1;
  }
  return items;
}

Status parse_allowed_methods(std::string_view value, AllowedMethods& out) {
  AllowedMethods parsed{false, false, false, false, false};
  if (value != "none") {
    for (auto item : split_list(value)) {
      if (item == "app_notification")
        parsed.app_notification = true;
      else if (item == "app_code")
        parsed.app_code = true;
      else if (item == "text_message")
        parsed.text_message = true;
      else if (item == "phone_call")
        parsed.phone_call = true;
      else if (item == "email")
        parsed.email = true;
      else
        return invalid_argument("allowed_methods: '" + std::string(item.substr(0, 40)) +
                                "' is not one of app_notification, app_code, text_message, "
                                "phone_call, email");
    }
  }
  out = parsed;
  return Status();
}

std::string describe_allowed_methods(const AllowedMethods& allowed) {
  std::string text;
  auto add = [&text](bool on, std::string_view name) {
    if (!on) return;
    if (!text.empty()) text += ",";
    text += name;
  };
  add(allowed.app_notification, "app_notification");
  add(allowed.app_code, "app_code");
  add(allowed.text_message, "text_message");
  add(allowed.phone_call, "phone_call");
  add(allowed.email, "email");
  return text.empty() ? "none" : text;
}

std::string describe_country_codes(const std::vector<int>& codes) {
  if (codes.empty()) return "all";
  std::string out;
  for (const int code : codes) {
    if (!out.empty()) out += ",";
    out += std::to_string(code);
  }
  return out;
}

std::string describe_list(const std::vector<std::string>& items) {
  if (items.empty()) return "none";
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ",";
    out += item;
  }
  return out;
}

std::string describe_ranges(const std::vector<IpRange>& ranges) {
  if (ranges.empty()) return "none";
  std::string text;
  for (const auto& range : ranges) {
    if (!text.empty()) text += ",";
    text += range.to_string();
  }
  return text;
}

}  // namespace

Status validate(const OrgPolicy& policy) {
  if (policy.registration_grace_days < 0 || policy.registration_grace_days > kMaxGraceDays) {
    return invalid_argument("registration_grace_days must be from 0 to 90");
  }
  if (policy.remember_mfa_days < 0 || policy.remember_mfa_days > kMaxRememberMfaDays) {
    return invalid_argument("remember_mfa_days must be from 0 (off) to 365");
  }
  if (policy.sspr_methods_required < 1 || policy.sspr_methods_required > 2) {
    return invalid_argument("sspr_methods_required must be 1 or 2");
  }
  if (!policy.fraud_notify_email.empty() &&
      email_address(policy.fraud_notify_email) != policy.fraud_notify_email) {
    return invalid_argument("fraud_notify_email must be an email address such as it@contoso.com");
  }
  if (policy.phone_country_codes.size() > kMaxPhoneCountryCodes) {
    return invalid_argument("phone_country_codes can hold at most 50 codes");
  }
  for (const int code : policy.phone_country_codes) {
    if (code < 1 || code > 999) {
      return invalid_argument("phone_country_codes: a calling code is from 1 to 999");
    }
  }
  if (policy.organization_domains.size() > kMaxOrganizationDomains) {
    return invalid_argument("organization_domains can hold at most 50 domains");
  }
  if (policy.trusted_ip_ranges.size() > kMaxTrustedIpRanges) {
    return invalid_argument("trusted_ip_ranges can hold at most 50 ranges");
  }
  if (policy.lockout.threshold < 1 || policy.lockout.threshold > kMaxLockoutThreshold) {
    return invalid_argument("lockout_threshold must be from 1 to 1000");
  }
  if (policy.lockout.duration < std::chrono::seconds(1) ||
      policy.lockout.duration > kMaxLockoutDuration) {
    return invalid_argument("lockout_duration_seconds must be from 1 to 86400");
  }
  return Status();
}

Status set_policy_value(OrgPolicy& policy, std::string_view key, std::string_view value) {
  if (value.size() > kMaxValueLength) {
    return invalid_argument(std::string(key.substr(0, 64)) + ": the value is too long");
  }
  value = trim(value);
  OrgPolicy changed = policy;
  if (key == "mfa_required_from") {
    if (value == "none" || value.empty()) {
      changed.mfa_required_from.reset();
    } else {
      auto date = parse_date(value);
      if (!date.ok()) return invalid_argument("mfa_required_from: " + date.status().message());
      changed.mfa_required_from = *date;
    }
  } else if (key == "registration_grace_days") {
    TESSERA_RETURN_IF_ERROR(
        parse_int(key, value, 0, kMaxGraceDays, changed.registration_grace_days));
  } else if (key == "allow_app_passwords") {
    TESSERA_RETURN_IF_ERROR(parse_bool(key, value, changed.allow_app_passwords));
  } else if (key == "remember_mfa_enabled") {
    // The key of schema versions ≤ 7, folded into remember_mfa_days.
    bool enabled = false;
    TESSERA_RETURN_IF_ERROR(parse_bool(key, value, enabled));
    if (!enabled) changed.remember_mfa_days = 0;
    if (enabled && changed.remember_mfa_days == 0) changed.remember_mfa_days = 14;
  } else if (key == "remember_mfa_days") {
    TESSERA_RETURN_IF_ERROR(
        parse_int(key, value, 0, kMaxRememberMfaDays, changed.remember_mfa_days));
  } else if (key == "sspr_enabled") {
    TESSERA_RETURN_IF_ERROR(parse_bool(key, value, changed.sspr_enabled));
  } else if (key == "sspr_methods_required") {
    TESSERA_RETURN_IF_ERROR(parse_int(key, value, 1, 2, changed.sspr_methods_required));
  } else if (key == "fraud_block_user") {
    TESSERA_RETURN_IF_ERROR(parse_bool(key, value, changed.fraud_block_user));
  } else if (key == "fraud_notify_email") {
    changed.fraud_notify_email.clear();
    if (value != "none" && !value.empty()) {
      auto address = email_address(value);
      if (!address) {
        return invalid_argument("fraud_notify_email: '" + std::string(value.substr(0, 64)) +
                                "' is not an email address such as it@contoso.com");
      }
      changed.fraud_notify_email = std::move(*address);
    }
  } else if (key == "trusted_ip_ranges") {
    changed.trusted_ip_ranges.clear();
    if (value != "none") {
      for (auto item : split_list(value)) {
        auto range = IpRange::parse(item);
        if (!range.ok()) return invalid_argument("trusted_ip_ranges: " + range.status().message());
        changed.trusted_ip_ranges.push_back(*range);
      }
    }
  } else if (key == "phone_country_codes") {
    changed.phone_country_codes.clear();
    if (value != "all") {
      for (auto item : split_list(value)) {
        if (!item.empty() && item.front() == '+') item.remove_prefix(1);
        int code = 0;
        TESSERA_RETURN_IF_ERROR(parse_int(key, item, 1, 999, code));
        if (std::find(changed.phone_country_codes.begin(), changed.phone_country_codes.end(),
                      code) == changed.phone_country_codes.end()) {
          changed.phone_country_codes.push_back(code);
        }
      }
      if (changed.phone_country_codes.empty()) {
        return invalid_argument("phone_country_codes: give calling codes such as 44,49, or all");
      }
    }
  } else if (key == "organization_domains") {
    changed.organization_domains.clear();
    if (value != "none") {
      for (auto item : split_list(value)) {
        if (!item.empty() && item.front() == '@') item.remove_prefix(1);
        auto domain = normalise_domain_name(item);
        if (!domain) {
          return invalid_argument("organization_domains: '" + std::string(item.substr(0, 64)) +
                                  "' is not a domain name such as contoso.com");
        }
        if (std::find(changed.organization_domains.begin(), changed.organization_domains.end(),
                      *domain) == changed.organization_domains.end()) {
          changed.organization_domains.push_back(std::move(*domain));
        }
      }
    }
  } else if (key == "lockout_threshold") {
    TESSERA_RETURN_IF_ERROR(
        parse_int(key, value, 1, kMaxLockoutThreshold, changed.lockout.threshold));
  } else if (key == "lockout_duration_seconds") {
    int seconds = 0;
    TESSERA_RETURN_IF_ERROR(
        parse_int(key, value, 1, static_cast<int>(kMaxLockoutDuration.count()), seconds));
    changed.lockout.duration = std::chrono::seconds(seconds);
  } else if (key == "allowed_methods") {
    TESSERA_RETURN_IF_ERROR(parse_allowed_methods(value, changed.allowed_methods));
  } else {
    return invalid_argument("'" + std::string(key.substr(0, 64)) +
                            "' is not a policy setting; `tessera policy show` lists the settings");
  }
  TESSERA_RETURN_IF_ERROR(validate(changed));
  policy = std::move(changed);
  return Status();
}

std::vector<std::pair<std::string, std::string>> describe_policy(const OrgPolicy& policy) {
  return {
      {"mfa_required_from",
       policy.mfa_required_from ? format_date(*policy.mfa_required_from) : "none"},
      {"registration_grace_days", std::to_string(policy.registration_grace_days)},
      {"allowed_methods", describe_allowed_methods(policy.allowed_methods)},
      {"allow_app_passwords", policy.allow_app_passwords ? "true" : "false"},
      {"remember_mfa_days", std::to_string(policy.remember_mfa_days)},
      {"trusted_ip_ranges", describe_ranges(policy.trusted_ip_ranges)},
      {"phone_country_codes", describe_country_codes(policy.phone_country_codes)},
      {"organization_domains", describe_list(policy.organization_domains)},
      {"lockout_threshold", std::to_string(policy.lockout.threshold)},
      {"lockout_duration_seconds", std::to_string(policy.lockout.duration.count())},
      {"sspr_enabled", policy.sspr_enabled ? "true" : "false"},
      {"sspr_methods_required", std::to_string(policy.sspr_methods_required)},
      {"fraud_block_user", policy.fraud_block_user ? "true" : "false"},
      {"fraud_notify_email",
       policy.fraud_notify_email.empty() ? "none" : policy.fraud_notify_email},
  };
}

std::string_view shown_policy_key(std::string_view key) {
  return key == "remember_mfa_enabled" ? std::string_view("remember_mfa_days") : key;
}

// A domain name as DNS allows it (RFC 1035 labels of letters, digits and inner hyphens), lower
// case.
std::optional<std::string> normalise_domain_name(std::string_view text) {
  if (text.empty() || text.size() > 253) return std::nullopt;
  std::string out;
  std::size_t label = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '.') {
      if (label == 0 || out.back() == '-') return std::nullopt;
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      if (c == '-' && label == 0) return std::nullopt;
      if (++label > 63) return std::nullopt;
    } else {
      return std::nullopt;
    }
    out.push_back(c);
  }
  if (label == 0 || out.back() == '-') return std::nullopt;
  return out;
}

bool within_domain(std::string_view name, std::string_view domain) {
  if (name == domain) return true;
  return name.size() > domain.size() && name.ends_with(domain) &&
         name[name.size() - domain.size() - 1] == '.';
}

bool is_organization_domain(const OrgPolicy& policy, std::string_view domain) {
  const auto name = normalise_domain_name(domain);
  if (!name) return false;
  for (const std::string& own : policy.organization_domains) {
    if (within_domain(*name, own)) return true;
  }
  return false;
}

}  // namespace tessera
