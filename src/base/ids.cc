#include "base/ids.h"

#include <array>

#include "base/hex.h"

namespace tessera {

std::string new_id(Rng& rng) {
  std::array<std::uint8_t, 16> bytes{};
  rng.fill(bytes);
  return to_hex(bytes);
}

bool looks_like_id(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace tessera
