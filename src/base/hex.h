// Lower-case hexadecimal encoding (libsodium's constant-time codec).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tessera {

std::string to_hex(std::span<const std::uint8_t> bytes);
// Accepts upper or lower case; an odd length or a non-hex character is invalid_argument.
Result<std::vector<std::uint8_t>> from_hex(std::string_view text);

}  // namespace tessera
