#include "crypto/base32.h"

namespace tessera {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int decode_character(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> bytes, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  if (pad) {
    while (out.size() % 8 != 0)
      out.push_back('=');
  }
  return out;
}

Result<SecretBytes> base32_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  SecretBytes out(text.size() * 5 / 8);
  std::size_t written = 0;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  for (const char c : text) {
    if (c == ' ' || c == '-') continue;
    const int value = decode_character(c);
    if (value < 0) return invalid_argument("the secret contains a character that is not base32");
    ++symbols;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.data()[written++] = static_cast<std::uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
  }
  // 1, 3 and 6 trailing symbols cannot come from whole bytes (RFC 4648 section 6).
  const std::size_t tail = symbols % 8;
  if (tail == 1 || tail == 3 || tail == 6) {
    return invalid_argument("the secret has an impossible base32 length");
  }
  SecretBytes result(std::span<const std::uint8_t>(out.data(), written));
  buffer = 0;
  return result;
}

}  // namespace tessera
