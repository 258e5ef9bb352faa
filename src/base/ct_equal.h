// Constant-time comparison for MACs, codes, tokens and hashes: the time taken depends only on the
// lengths, never on where the inputs differ.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tessera {

bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
bool ct_equal(std::string_view a, std::string_view b);

}  // namespace tessera
