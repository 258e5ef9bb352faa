#include "methods/phone_number.h"

#include <algorithm>
#include <optional>
#include <phonenumbers/phonenumberutil.h>
#include <set>
#include <unicode/locid.h>
#include <unicode/unistr.h>

namespace tessera {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& util() {
  return *PhoneNumberUtil::GetInstance();
}

std::string english_name(const std::string& code) {
  icu::UnicodeString name;
  icu::Locale("", code.c_str()).getDisplayCountry(icu::Locale::getEnglish(), name);
  std::string out;
  name.toUTF8String(out);
  return out.empty() ? code : out;
}

std::vector<PhoneRegion> load_regions() {
  std::set<std::string> codes;
  util().GetSupportedRegions(&codes);
  std::vector<PhoneRegion> regions;
  regions.reserve(codes.size());
  for (const std::string& code : codes) {
    regions.push_back({code, util().GetCountryCodeForRegion(code), english_name(code)});
  }
  std::sort(regions.begin(), regions.end(),
            [](const PhoneRegion& a, const PhoneRegion& b) { return a.name < b.name; });
  return regions;
}

std::optional<PhoneNumber> parse_e164(std::string_view e164) {
  if (e164.size() < 2 || e164.front() != '+') return std::nullopt;
  PhoneNumber number;
  if (util().Parse(std::string(e164), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  return number;
}

}  // namespace

const std::vector<PhoneRegion>& phone_regions() {
  static const std::vector<PhoneRegion> regions = load_regions();
  return regions;
}

bool is_phone_region(std::string_view code) {
  const auto& regions = phone_regions();
  return std::any_of(regions.begin(), regions.end(),
                     [&](const PhoneRegion& region) { return region.code == code; });
}

Result<std::string> to_e164(std::string_view region, std::string_view typed) {
  if (typed.size() > kMaxTypedPhoneNumberLength) {
    return invalid_argument("That phone number is too long.");
  }
  const bool international = typed.find('+') != std::string_view::npos;
  if (!international && !is_phone_region(region)) {
    return invalid_argument("Choose your country or region.");
  }
  PhoneNumber number;
  const std::string region_code = is_phone_region(region) ? std::string(region) : "ZZ";
  if (util().Parse(std::string(typed), region_code, &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util().IsValidNumber(number)) {
    return invalid_argument("Enter a valid phone number for the country or region you chose.");
  }
  std::string out;
  util().Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

int calling_code_of(std::string_view e164) {
  const auto number = parse_e164(e164);
  return number ? number->country_code() : 0;
}

std::string display_phone(std::string_view e164) {
  const auto number = parse_e164(e164);
  if (!number) return std::string(e164);
  std::string out;
  util().Format(*number, PhoneNumberUtil::INTERNATIONAL, &out);
  return out;
}

std::string masked_phone(std::string_view e164) {
  const auto number = parse_e164(e164);
  if (!number) return "your phone";
  const std::string code = std::to_string(number->country_code());
  std::string national;
  util().GetNationalSignificantNumber(*number, &national);
  std::string out = "+" + std::string(code.size(), 'X') + " ";
  const std::size_t shown = std::min<std::size_t>(2, national.size());
  out += std::string(national.size() - shown, 'X');
  out += national.substr(national.size() - shown);
  return out;
}

}  // namespace tessera
