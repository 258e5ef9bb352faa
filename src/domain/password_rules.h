// Password rules of NIST SP 800-63B section 5.1.1.2: at least 8 characters, up to 128 accepted,
// no composition rules, and no password from a blocklist of commonly used passwords or words from
// the context (the user's name, the service's name). Characters are counted as Unicode code points.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tessera {

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 128;

struct PasswordContext {
  std::string_view upn;           // the local part and the whole UPN are refused as passwords
  std::string_view display_name;  // so is the display name
};

// ok, or invalid_argument with one sentence a person can act on, e.g. "Your password is one of the
// most commonly used passwords. Choose a different one." Input that is not valid UTF-8 is refused.
Status check_new_password(std::string_view password, const PasswordContext& context = {});

// True when `password` (case-insensitively) is on the shipped list of common passwords
// (src/domain/data/common-passwords.txt, 20,000 entries). Thread-safe.
bool is_common_password(std::string_view password);
std::size_t common_password_count();

}  // namespace tessera
