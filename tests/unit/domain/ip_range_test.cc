#include "domain/ip_range.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

TEST(IpAddress, ParsesIpv4AndIpv6) {
  EXPECT_TRUE(ip("192.0.2.1").is_v4);
  EXPECT_FALSE(ip("2001:db8::1").is_v4);
  EXPECT_EQ(ip("192.0.2.1").to_string(), "192.0.2.1");
  EXPECT_EQ(ip("2001:DB8::1").to_string(), "2001:db8::1");
}

TEST(IpAddress, TreatsMappedIpv4AsIpv4) {
  EXPECT_EQ(ip("::ffff:192.0.2.1"), ip("192.0.2.1"));
}

TEST(IpAddress, RefusesGarbage) {
  for (const char* text :
       {"", "1.2.3", "256.1.1.1", "1.2.3.4.5", "abc", "1.2.3.4/8", "::g", " 1.2.3.4"}) {
    EXPECT_FALSE(IpAddress::parse(text).ok()) << text;
  }
  EXPECT_FALSE(IpAddress::parse(std::string(1000, '1')).ok());
}

TEST(IpRange, ContainsAddressesInsideOnly) {
  const auto range = *IpRange::parse("10.0.0.0/8");
  EXPECT_TRUE(range.contains(ip("10.255.1.2")));
  EXPECT_FALSE(range.contains(ip("11.0.0.0")));
  EXPECT_FALSE(range.contains(ip("::a00:1")));  // IPv6 never matches an IPv4 range
  const auto odd = *IpRange::parse("192.168.4.0/22");
  EXPECT_TRUE(odd.contains(ip("192.168.7.255")));
  EXPECT_FALSE(odd.contains(ip("192.168.8.0")));
  const auto v6 = *IpRange::parse("2001:db8:abcd::/48");
  EXPECT_TRUE(v6.contains(ip("2001:db8:abcd:12::1")));
  EXPECT_FALSE(v6.contains(ip("2001:db8:abce::1")));
}

TEST(IpRange, BareAddressIsSingleHost) {
  const auto range = *IpRange::parse("203.0.113.7");
  EXPECT_EQ(range.prefix_length, 32);
  EXPECT_TRUE(range.contains(ip("203.0.113.7")));
  EXPECT_FALSE(range.contains(ip("203.0.113.8")));
  EXPECT_EQ(IpRange::parse("::1")->prefix_length, 128);
}

TEST(IpRange, ZeroPrefixMatchesEveryAddressOfItsFamily) {
  EXPECT_TRUE(IpRange::parse("0.0.0.0/0")->contains(ip("198.51.100.1")));
  EXPECT_TRUE(IpRange::parse("::/0")->contains(ip("2001:db8::1")));
}

TEST(IpRange, RefusesHostBitsAndBadPrefixes) {
  auto host_bits = IpRange::parse("10.0.0.1/8");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_NE(host_bits.status().message().find("10.0.0.0/8"), std::string::npos);
  for (const char* text : {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8x",
                           "2001:db8::/129", "10.0.0.0/0008", "/8"}) {
    EXPECT_FALSE(IpRange::parse(text).ok()) << text;
  }
}

TEST(IpRange, RoundTripsThroughText) {
  for (const char* text : {"10.0.0.0/8", "2001:db8::/32", "192.0.2.1/32", "::/0"}) {
    EXPECT_EQ(IpRange::parse(text)->to_string(), text);
  }
}

TEST(IpRange, EnclosingNetworkIsASlash24OrASlash64) {
  EXPECT_EQ(enclosing_network(*IpAddress::parse("203.0.113.77")).to_string(), "203.0.113.0/24");
  EXPECT_EQ(enclosing_network(*IpAddress::parse("2001:db8:1:2:3:4:5:6")).to_string(),
            "2001:db8:1:2::/64");
  EXPECT_TRUE(
      enclosing_network(*IpAddress::parse("10.1.2.3")).contains(*IpAddress::parse("10.1.2.250")));
  EXPECT_FALSE(
      enclosing_network(*IpAddress::parse("10.1.2.3")).contains(*IpAddress::parse("10.1.3.1")));
}

}  // namespace
}  // namespace tessera
