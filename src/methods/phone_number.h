// Phone numbers as the phone methods take them (DESIGN.md section 4): a "Country or region" and the
// number as typed, parsed and validated with libphonenumber and kept as E.164 ("+447400123456").
// Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tessera {

inline constexpr std::size_t kMaxTypedPhoneNumberLength = 40;

// A country or region a number may belong to, for the page's picker.
struct PhoneRegion {
  std::string code;      // ISO 3166-1 alpha-2, "GB"
  int calling_code = 0;  // 44
  std::string name;      // "United Kingdom", in English
};

// Every region libphonenumber knows, sorted by name.
const std::vector<PhoneRegion>& phone_regions();
bool is_phone_region(std::string_view code);

// The number in E.164. `region` is the picker's choice; a number typed with its own "+" prefix
// may belong to another region. invalid_argument (with a sentence for the page) when it is not a
// number, not a valid one for its region, or longer than kMaxTypedPhoneNumberLength.
Result<std::string> to_e164(std::string_view region, std::string_view typed);

// The calling code of an E.164 number (44 for "+447400123456"); 0 if it is not one.
int calling_code_of(std::string_view e164);

// "+44 7400 123456": how the number is shown to its owner.
std::string display_phone(std::string_view e164);
// "+XX XXXXXXXX56": how a challenge names the number (the seed's "+X XXXXXXXX12").
std::string masked_phone(std::string_view e164);

}  // namespace tessera
