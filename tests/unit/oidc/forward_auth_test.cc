// ForwardAuth: /auth/verify's answers by host and session, and where /signin?rd= may send a
// browser back to (allowed hosts only, and over https when tessera itself is).
#include "oidc/forward_auth.h"

#include <gtest/gtest.h>

#include "unit/oidc/provider_fixture.h"

namespace tessera {
namespace {

using Kind = BrowserOutcome::Kind;

class ForwardAuthTest : public OidcProviderTest {
 protected:
  ForwardAuth make(std::string public_url) {
    return ForwardAuth(
        *sign_in_, *sessions_,
        ForwardAuthSettings{
            std::move(public_url), {"app.example.com", "pay.example.com"}, {"pay.example.com"}});
  }
};

TEST_F(ForwardAuthTest, VerifyAnswersByHostAndSession) {
  ForwardAuth auth = make("https://id.example.com");
  const std::string password = session_of(alice_, "pwd");
  const std::string mfa = session_of(alice_, "pwd otp mfa");
  EXPECT_EQ(auth.verify(std::nullopt, "GET", password)->status, 400);
  EXPECT_EQ(auth.verify("not a url", "GET", password)->status, 400);
  EXPECT_EQ(auth.verify("https://other.example.com/", "GET", password)->status, 403);
  const auto none = auth.verify("https://app.example.com/page?x=1", "GET", "");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->location,
            "https://id.example.com/signin?rd=https%3A%2F%2Fapp.example.com%2Fpage%3Fx%3D1");
  const auto fine = auth.verify("https://app.example.com/", "GET", password);
  EXPECT_EQ(fine->status, 200);
  EXPECT_EQ(fine->user, alice_.upn);
  EXPECT_EQ(fine->name, "Alice Liddell");
  // An MFA host wants a session that did MFA.
  const auto stepped = auth.verify("https://pay.example.com/", "GET", password);
  EXPECT_EQ(stepped->status, 401);
  EXPECT_TRUE(stepped->location.ends_with("&acr=mfa")) << stepped->location;
  EXPECT_EQ(auth.verify("https://pay.example.com/", "GET", mfa)->status, 200);
}

TEST_F(ForwardAuthTest, AnHttpsTesseraSendsBrowsersBackOverHttpsOnly) {
  ForwardAuth auth = make("https://id.example.com");
  const std::string session = session_of(alice_);
  const auto back = auth.sign_in_for("https://app.example.com/page", false, session, kBrowser);
  ASSERT_EQ(back->kind, Kind::redirect) << back->text;
  EXPECT_EQ(back->location, "https://app.example.com/page");
  // Plain http would hand the page, and whatever the app then sets, to anyone on the path.
  EXPECT_EQ(auth.sign_in_for("http://app.example.com/page", false, session, kBrowser)->kind,
            Kind::error_page);
  EXPECT_EQ(auth.resume("rd:http://app.example.com/page").kind, Kind::error_page);
  EXPECT_EQ(auth.resume("rd:https://app.example.com/page").kind, Kind::redirect);
  // Hosts not allowed, and addresses that only look like one, go nowhere.
  for (const char* rd : {"https://evil.example/", "https://app.example.com.evil.example/",
                         "https://user@app.example.com/", "javascript:alert(1)"}) {
    SCOPED_TRACE(rd);
    EXPECT_EQ(auth.sign_in_for(rd, false, session, kBrowser)->kind, Kind::error_page);
  }
}

TEST_F(ForwardAuthTest, AnHttpTesseraAlsoReturnsToHttpApps) {
  ForwardAuth auth = make("http://127.0.0.1:9091");
  const auto back =
      auth.sign_in_for("http://app.example.com/page", false, session_of(alice_), kBrowser);
  ASSERT_EQ(back->kind, Kind::redirect) << back->text;
}

TEST_F(ForwardAuthTest, WithoutASessionTheSignInPagesKeepTheWayBack) {
  ForwardAuth auth = make("https://id.example.com");
  const auto started = auth.sign_in_for("https://pay.example.com/pay", false, "", kBrowser);
  ASSERT_EQ(started->kind, Kind::sign_in) << started->text;
  EXPECT_EQ(started->page->flow.continuation, "rd:https://pay.example.com/pay");
  EXPECT_EQ(started->page->flow.app, "pay.example.com");
  EXPECT_TRUE(started->page->flow.mfa_demanded);  // an MFA host
}

}  // namespace
}  // namespace tessera
