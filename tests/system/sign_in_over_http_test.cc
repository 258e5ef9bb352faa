// The sign-in journey over real HTTP against the real server process: the harness every system
// test builds on (support/tessera_process.h, support/web_client.h).
#include <gtest/gtest.h>

#include "support/tessera_process.h"
#include "support/web_client.h"

namespace tessera::testing {
namespace {

constexpr const char* kPassword = "Correct-Horse-Battery-9";

TEST(SignInOverHttp, RegistersAnAppThenSignsInWithACode) {
  TesseraProcess tessera;
  tessera.add_user("alice@example.com", kPassword, "enabled");
  ASSERT_TRUE(tessera.start());

  Browser browser(tessera.port());
  WebPage page = browser.get("/signin");
  ASSERT_EQ(page.heading(), "Sign in");
  page = browser.submit(page, {{"username", "alice@example.com"}});
  ASSERT_EQ(page.heading(), "Enter password");
  page = browser.submit(page, {{"password", kPassword}});
  ASSERT_EQ(page.heading(), "More information required");
  page = browser.submit(page, {{"action", "next"}});
  page = browser.submit(page, {{"method", "authenticator_app"}});
  ASSERT_EQ(page.heading(), "Set up your authenticator app");
  const std::string secret = page.totp_secret();
  ASSERT_FALSE(secret.empty());
  page = browser.submit(page);
  ASSERT_EQ(page.heading(), "Enter code");
  page = browser.submit(page, {{"code", totp_code(secret, tessera.now())}});
  ASSERT_EQ(page.heading(), "Stay signed in?") << page.body();
  page = browser.submit(page, {{"answer", "yes"}});
  ASSERT_EQ(page.status, 303);
  EXPECT_EQ(page.location(), "/security-info");
  EXPECT_EQ(browser.follow(page).heading(), "Security info");

  // Back another day: the code of the time now, from the same secret.
  tessera.advance(std::chrono::hours(24));
  Browser again(tessera.port());
  page = again.get("/signin");
  page = again.submit(page, {{"username", "alice@example.com"}});
  page = again.submit(page, {{"password", kPassword}});
  ASSERT_EQ(page.heading(), "Enter code");
  page = again.submit(page, {{"code", totp_code(secret, tessera.now())}});
  ASSERT_EQ(page.heading(), "Stay signed in?");
  page = again.submit(page, {{"answer", "no"}});
  EXPECT_EQ(again.follow(page).heading(), "Security info");
}

TEST(SignInOverHttp, OnAnyFreePortTheIssuerNamesThePortChosen) {
  // port = 0 and no public_url: links, webhooks and the issuer name the port bound, not 0.
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  Browser browser(tessera.port());
  const WebPage discovery = browser.get("/.well-known/openid-configuration");
  const std::string issuer =
      "\"issuer\":\"http://127.0.0.1:" + std::to_string(tessera.port()) + "\"";
  EXPECT_NE(discovery.body().find(issuer), std::string::npos) << discovery.body();
}

}  // namespace
}  // namespace tessera::testing
