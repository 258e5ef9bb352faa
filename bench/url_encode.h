// Percent-encoding for the benchmark clients' query strings and form bodies.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace tessera::bench {

// Every byte except the unreserved ones (RFC 3986 §2.3: A-Z a-z 0-9 - _ . ~) as %XX.
inline std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace tessera::bench
