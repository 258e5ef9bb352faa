// IPv4/IPv6 addresses and CIDR ranges for the trusted-IP policy. Pure parsing and matching; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tessera {

struct IpAddress {
  // IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) so one range type covers both.
  std::array<std::uint8_t, 16> bytes{};
  bool is_v4 = false;

  static Result<IpAddress> parse(std::string_view text);
  std::string to_string() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct IpRange {
  IpAddress network;      // host bits are zero
  int prefix_length = 0;  // 0-32 for IPv4, 0-128 for IPv6 (as written)

  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Host bits set in the network
  // ("10.0.0.1/8") are invalid_argument: such a typo would trust more or less than meant.
  static Result<IpRange> parse(std::string_view text);
  bool contains(const IpAddress& address) const;
  std::string to_string() const;
  friend bool operator==(const IpRange&, const IpRange&) = default;
};

// The network an address belongs to for "familiar location" purposes: its /24 for IPv4, its /64
// for IPv6 (a household or office usually keeps one of these).
IpRange enclosing_network(const IpAddress& address);

}  // namespace tessera
