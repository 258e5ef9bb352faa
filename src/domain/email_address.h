// Email addresses as tessera takes them: one plain address, no display names, comments or quoted
// local parts (what an admin or a user types into a field).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera {

// The address as it is stored ("Alice@Example.ORG" → "Alice@example.org": the domain in lower
// case, the local part as typed), or nullopt unless it is one plain address: a dot-atom local part
// (RFC 5322, no quoted strings or comments) of at most 64 characters, a domain name with a dot,
// at most 254 in all. Blanks around it are ignored.
std::optional<std::string> email_address(std::string_view typed);

}  // namespace tessera
