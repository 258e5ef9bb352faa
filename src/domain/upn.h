// User principal names ("alice@example.com"): the sign-in name. Compared and stored in a canonical
// form (lower case, trimmed) so "Alice@Example.com" and "alice@example.com" are one user.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera {

inline constexpr std::size_t kMaxUpnLength = 254;

// Canonical UPN or invalid_argument with a message naming what is wrong. Rules: local@domain,
// local part 1-64 of [A-Za-z0-9._%+-'] not starting/ending with '.', domain of dot-separated labels
// [A-Za-z0-9-] (no leading/trailing '-') with at least one dot, total ≤ 254.
Result<std::string> canonical_upn(std::string_view text);

}  // namespace tessera
