// [server] trusted_proxies (issue 8): behind a trusted reverse proxy the client is the address it
// forwards, for the sign-in log and the trusted IP ranges alike; from any other peer the forwarded
// headers change nothing, so a client cannot spoof its way into a trusted range or into HTTPS.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "system/attack_support.h"

namespace tessera::testing {
namespace {

using namespace attack;
namespace json = boost::json;

constexpr const char* kUpn = "erin@example.com";
constexpr const char* kForwarded = "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n";

TesseraOptions behind_a_proxy_on_this_host() {
  TesseraOptions options;
  options.config["server"]["trusted_proxies"] = R"(["127.0.0.1"])";
  return options;
}

// The client_ip of every sign-in log row of `upn`.
std::vector<std::string> logged_addresses(const TesseraProcess& tessera, const std::string& upn) {
  std::vector<std::string> addresses;
  const CommandRun run = tessera.must({"log", "sign-ins", "--format", "json"});
  for (const std::string& line : lines_of(run.out)) {
    boost::system::error_code error;
    const json::value row = json::parse(line, error);
    if (error || !row.is_object()) {
      ADD_FAILURE() << "not JSON: " << line;
      continue;
    }
    if (json::value_to<std::string>(row.at("upn")) != upn) continue;
    addresses.push_back(json::value_to<std::string>(row.at("client_ip")));
  }
  return addresses;
}

int count_of(const std::vector<std::string>& items, const std::string& wanted) {
  return static_cast<int>(std::count(items.begin(), items.end(), wanted));
}

// A user with an authenticator app, and the forwarded client's network as a trusted IP range.
void set_up(TesseraProcess& tessera) {
  tessera.add_user(kUpn, kPassword, "enabled");
  ASSERT_TRUE(tessera.start());
  register_app(tessera, kUpn);
  tessera.must({"policy", "set", "trusted_ip_ranges", "203.0.113.0/24"});
}

TEST(TrustedProxies, FromATrustedProxyTheForwardedClientIsLoggedAndItsTrustedRangeApplies) {
  TesseraProcess tessera(behind_a_proxy_on_this_host());
  ASSERT_NO_FATAL_FAILURE(set_up(tessera));

  Browser client(tessera.port(), kForwarded);
  const WebPage after_password = enter_password(client, kUpn, kPassword);
  // The trusted range skips the code.
  EXPECT_TRUE(answer_stay(client, after_password)) << after_password.heading();
  // HTTPS as the proxy said: the session cookie has the __Host- name.
  EXPECT_NE(client.cookie("__Host-tessera_session"), "");
  EXPECT_GE(count_of(logged_addresses(tessera, kUpn), "203.0.113.9"), 1);
}

TEST(TrustedProxies, FromAnyOtherPeerForwardedHeadersChangeNothing) {
  TesseraProcess tessera(behind_a_proxy_on_this_host());
  ASSERT_NO_FATAL_FAILURE(set_up(tessera));
  const int logged_before = count_of(logged_addresses(tessera, kUpn), "127.0.0.2");

  // Same headers, straight from a client that is no proxy.
  Browser spoofer(tessera.port(), kForwarded);
  spoofer.set_source_address("127.0.0.2");
  const WebPage after_password = enter_password(spoofer, kUpn, kPassword);
  EXPECT_EQ(after_password.heading(), kEnterCode) << "a spoofed header reached a trusted range";
  EXPECT_EQ(spoofer.cookie("__Host-tessera_flow"), "");
  EXPECT_NE(spoofer.cookie("tessera_flow"), "");
  // A wrong code is logged under the peer's own address.
  spoofer.submit(after_password, {{"code", "000000"}});
  const std::vector<std::string> logged = logged_addresses(tessera, kUpn);
  EXPECT_EQ(count_of(logged, "203.0.113.9"), 0);
  EXPECT_GT(count_of(logged, "127.0.0.2"), logged_before);
  EXPECT_NE(tessera.server_log().find("http_forwarded_ignored"), std::string::npos);
}

}  // namespace
}  // namespace tessera::testing
