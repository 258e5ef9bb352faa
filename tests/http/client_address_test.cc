// Who a request is from: the TCP peer, or what a trusted proxy forwarded.
#include "http/client_address.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

TrustedProxies proxies(std::initializer_list<const char*> ranges) {
  std::vector<IpRange> parsed;
  for (const char* range : ranges)
    parsed.push_back(*IpRange::parse(range));
  return TrustedProxies(std::move(parsed));
}

TEST(TrustedProxies, NoneTrustedMeansThePeerAndNoHttpsWhateverTheHeadersSay) {
  const ClientAddress client = TrustedProxies().resolve(
      "127.0.0.1", {{"x-forwarded-for", "203.0.113.9"}, {"x-forwarded-proto", "https"}});
  EXPECT_EQ(client.ip, "127.0.0.1");
  EXPECT_FALSE(client.https);
  EXPECT_TRUE(client.forwarded_ignored);
  EXPECT_FALSE(TrustedProxies().resolve("127.0.0.1", {}).forwarded_ignored);
}

TEST(TrustedProxies, AnUntrustedPeerCannotSpoofItsAddressOrHttps) {
  const auto trusted = proxies({"10.0.0.0/8"});
  const ClientAddress client = trusted.resolve(
      "198.51.100.7",
      {{"x-forwarded-for", "10.0.0.1, 203.0.113.9"}, {"x-forwarded-proto", "https"}});
  EXPECT_EQ(client.ip, "198.51.100.7");
  EXPECT_FALSE(client.https);
  EXPECT_TRUE(client.forwarded_ignored);
}

TEST(TrustedProxies, FromATrustedPeerTheRightmostUntrustedAddressIsTheClient) {
  const auto trusted = proxies({"127.0.0.1", "10.0.0.0/8"});
  // The client put a lie first; the proxies appended what they saw.
  const ClientAddress client = trusted.resolve(
      "127.0.0.1",
      {{"x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.1.2.3"}, {"x-forwarded-proto", "https"}});
  EXPECT_EQ(client.ip, "203.0.113.9");
  EXPECT_TRUE(client.https);
  EXPECT_FALSE(client.forwarded_ignored);
}

TEST(TrustedProxies, SeveralHeadersAreOneListInOrder) {
  const auto trusted = proxies({"127.0.0.1"});
  const ClientAddress client = trusted.resolve(
      "127.0.0.1", {{"x-forwarded-for", "1.2.3.4"}, {"x-forwarded-for", "203.0.113.9"}});
  EXPECT_EQ(client.ip, "203.0.113.9");
}

TEST(TrustedProxies, AllTrustedGivesTheLeftmostAndNoHeaderGivesThePeer) {
  const auto trusted = proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(trusted.resolve("127.0.0.1", {{"x-forwarded-for", "10.0.0.5, 10.0.0.6"}}).ip,
            "10.0.0.5");
  EXPECT_EQ(trusted.resolve("127.0.0.1", {}).ip, "127.0.0.1");
}

TEST(TrustedProxies, AGarbledEntryEndsTheWalkAtTheHopThatAddedIt) {
  const auto trusted = proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(trusted.resolve("127.0.0.1", {{"x-forwarded-for", "203.0.113.9, junk, 10.0.0.5"}}).ip,
            "10.0.0.5");
  EXPECT_EQ(trusted.resolve("127.0.0.1", {{"x-forwarded-for", "<script>"}}).ip, "127.0.0.1");
  EXPECT_EQ(trusted.resolve("127.0.0.1", {{"x-forwarded-for", ""}}).ip, "127.0.0.1");
}

TEST(TrustedProxies, PortsBracketsAndIpv6AreUnderstood) {
  const auto trusted = proxies({"::1", "127.0.0.1"});
  EXPECT_EQ(trusted.resolve("::1", {{"x-forwarded-for", "203.0.113.9:51234"}}).ip, "203.0.113.9");
  EXPECT_EQ(trusted.resolve("::1", {{"x-forwarded-for", "[2001:db8::7]:443"}}).ip, "2001:db8::7");
  EXPECT_EQ(trusted.resolve("127.0.0.1", {{"x-forwarded-for", " 2001:db8::7 "}}).ip, "2001:db8::7");
  // A dual-stack socket reports IPv4 peers as mapped addresses.
  EXPECT_EQ(trusted.resolve("::ffff:127.0.0.1", {{"x-forwarded-for", "203.0.113.9"}}).ip,
            "203.0.113.9");
}

TEST(TrustedProxies, OnlyTheFirstProtoCountsInAnyCase) {
  const auto trusted = proxies({"127.0.0.1"});
  EXPECT_TRUE(trusted.resolve("127.0.0.1", {{"x-forwarded-proto", "HTTPS"}}).https);
  EXPECT_TRUE(trusted.resolve("127.0.0.1", {{"x-forwarded-proto", "https, http"}}).https);
  EXPECT_FALSE(
      trusted.resolve("127.0.0.1", {{"x-forwarded-proto", "http"}, {"x-forwarded-proto", "https"}})
          .https);
  EXPECT_FALSE(trusted.resolve("127.0.0.1", {{"x-forwarded-proto", "httpsx"}}).https);
}

}  // namespace
}  // namespace tessera
