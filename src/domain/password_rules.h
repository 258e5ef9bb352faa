// Password rules of NIST SP 800-63B section 5.1.1.2: at least 8 characters, up to 128 accepted,
// no composition rules, and no password from a blocklist of commonly used passwords or words from
// the context (the user's name, the service's name). Characters are counted as Unicode code points.
#pragma once

#include <optional>
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

// Why a new password is refused; the pages word each for the person (http/pages).
enum class PasswordRefusal {
  not_text,   // not valid UTF-8
  too_short,  // fewer than kMinPasswordLength characters
  too_long,   // more than kMaxPasswordLength characters
  common,     // on the list of common passwords
  names_you,  // the user's name, username or the service's name
};

// The first rule `password` breaks, or nullopt when it may be used.
std::optional<PasswordRefusal> password_refusal(std::string_view password,
                                                const PasswordContext& context = {});

// ok, or invalid_argument with one sentence for an operator (the CLI), naming the rule, e.g. "the
// password is one of the most commonly used passwords; choose a different one".
Status check_new_password(std::string_view password, const PasswordContext& context = {});

// True when `password` (case-insensitively) is on the shipped list of common passwords
// (src/domain/data/common-passwords.txt, 20,000 entries). Thread-safe.
bool is_common_password(std::string_view password);
std::size_t common_password_count();

}  // namespace tessera
