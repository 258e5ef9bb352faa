#include "base/hex.h"

#include <sodium.h>

namespace tessera {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();  // the terminating NUL
  return out;
}

Result<std::vector<std::uint8_t>> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return invalid_argument("hex text has an odd length");
  std::vector<std::uint8_t> out(text.size() / 2);
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end) !=
          0 ||
      end != text.data() + text.size() || length != out.size()) {
    return invalid_argument("hex text has a character that is not hex");
  }
  return out;
}

}  // namespace tessera
