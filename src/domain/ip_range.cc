#include "domain/ip_range.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace tessera {
namespace {

constexpr std::size_t kMaxAddressText = 64;  // longest IPv6 text is 45 characters
constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool parse_prefix_length(std::string_view text, int max, int& out) {
  if (text.empty() || text.size() > 3) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out >= 0 && out <= max;
}

// Whether the first `bits` bits of a and b agree.
bool prefix_matches(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                    int bits) {
  const int whole_bytes = bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<std::size_t>(whole_bytes)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole_bytes] & mask) == (b[whole_bytes] & mask);
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > kMaxAddressText) {
    return invalid_argument("'" + std::string(text.substr(0, kMaxAddressText)) +
                            "' is not an IP address");
  }
  const std::string copy(text);  // inet_pton needs a terminated string
  IpAddress address;
  in_addr v4{};
  if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    std::memcpy(address.bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
    std::memcpy(address.bytes.data() + 12, &v4, 4);
    address.is_v4 = true;
    return address;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
    std::memcpy(address.bytes.data(), &v6, 16);
    // An IPv4-mapped IPv6 address (as a dual-stack socket reports IPv4 clients) is the IPv4 one.
    address.is_v4 = std::memcmp(address.bytes.data(), kV4MappedPrefix.data(), 12) == 0;
    return address;
  }
  return invalid_argument("'" + copy + "' is not an IP address");
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (is_v4) {
    inet_ntop(AF_INET, bytes.data() + 12, buffer, sizeof buffer);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
  }
  return buffer;
}

Result<IpRange> IpRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  auto address = IpAddress::parse(address_text);
  if (!address.ok()) {
    return invalid_argument("'" + std::string(text.substr(0, kMaxAddressText)) +
                            "' is not an IP range like 10.0.0.0/8 or 2001:db8::/32");
  }
  IpRange range;
  range.network = *address;
  const int max = address->is_v4 ? 32 : 128;
  range.prefix_length = max;
  if (slash != std::string_view::npos &&
      !parse_prefix_length(text.substr(slash + 1), max, range.prefix_length)) {
    return invalid_argument("'" + std::string(text.substr(0, kMaxAddressText)) +
                            "' has a prefix length outside 0-" + std::to_string(max));
  }
  const int bits = range.prefix_length + (address->is_v4 ? 96 : 0);
  IpAddress zeroed;  // network with host bits cleared
  zeroed.is_v4 = address->is_v4;
  for (int bit = 0; bit < bits; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    zeroed.bytes[bit / 8] |= static_cast<std::uint8_t>(address->bytes[bit / 8] & mask);
  }
  if (!(zeroed == *address)) {
    return invalid_argument("'" + std::string(text) + "' has host bits set; did you mean " +
                            zeroed.to_string() + "/" + std::to_string(range.prefix_length) + "?");
  }
  return range;
}

bool IpRange::contains(const IpAddress& address) const {
  if (address.is_v4 != network.is_v4) return false;
  const int bits = prefix_length + (network.is_v4 ? 96 : 0);
  return prefix_matches(network.bytes, address.bytes, bits);
}

std::string IpRange::to_string() const {
  return network.to_string() + "/" + std::to_string(prefix_length);
}

IpRange enclosing_network(const IpAddress& address) {
  IpRange range;
  range.network = address;
  range.prefix_length = address.is_v4 ? 24 : 64;
  // Keep the first (96 + 24) or 64 bits: whole bytes in both cases.
  const std::size_t kept_bytes = address.is_v4 ? 15 : 8;
  for (std::size_t i = kept_bytes; i < range.network.bytes.size(); ++i)
    range.network.bytes[i] = 0;
  return range;
}

}  // namespace tessera
