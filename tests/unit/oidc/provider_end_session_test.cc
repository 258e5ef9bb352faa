// OidcProvider::end_session (RP-Initiated Logout 1.0): who may sign the browser out without
// asking, where it may be sent afterwards, and what ends with the session.
#include <gtest/gtest.h>

#include "unit/oidc/provider_fixture.h"

namespace tessera {
namespace {

using Kind = BrowserOutcome::Kind;

class EndSessionTest : public OidcProviderTest {
 protected:
  void SetUp() override {
    OidcProviderTest::SetUp();
    if (HasFatalFailure()) return;
    session_ = session_of(alice_);
    tokens_ = exchange(web_, code_for(web_, session_));
    ASSERT_EQ(tokens_.status, 200) << tokens_.body;
    id_token_ = text_of(tokens_.body, "id_token");
  }

  BrowserOutcome end_session(const OidcParams& params, std::string_view session,
                             bool confirmed = false) {
    auto outcome = provider_->end_session(params, session, confirmed);
    EXPECT_TRUE(outcome.ok()) << outcome.status().message();
    return outcome.ok() ? std::move(outcome).value() : BrowserOutcome{};
  }

  bool signed_in(std::string_view session) { return sessions_->find(session).ok(); }

  std::string session_;
  JsonOutcome tokens_;
  std::string id_token_;
};

TEST_F(EndSessionTest, HintOfTheSessionsPersonSignsOutAndReturnsToTheApp) {
  const BrowserOutcome outcome =
      end_session({{"id_token_hint", id_token_},
                   {"post_logout_redirect_uri", std::string(kPostLogoutUri)},
                   {"state", "bye-1"}},
                  session_);
  ASSERT_EQ(outcome.kind, Kind::redirect) << outcome.text;
  EXPECT_EQ(address_of(outcome.location), kPostLogoutUri);
  EXPECT_EQ(query_of(outcome.location)["state"], "bye-1");
  EXPECT_TRUE(outcome.end_session);
  EXPECT_EQ(sessions_->find(session_).status().code(), ErrorCode::unauthenticated);
  // What the session granted ends with it.
  EXPECT_FALSE(active(text_of(tokens_.body, "access_token")));
  EXPECT_EQ(text_of(refresh(web_, text_of(tokens_.body, "refresh_token")).body, "error"),
            "invalid_grant");
}

// As at the authorization endpoint: the query is form-urlencoded, where '+' is a space.
TEST_F(EndSessionTest, StateComesBackExactlyAsSent) {
  const BrowserOutcome outcome =
      end_session({{"id_token_hint", id_token_},
                   {"post_logout_redirect_uri", std::string(kPostLogoutUri)},
                   {"state", "ab+cd/ef=="}},
                  session_);
  ASSERT_EQ(outcome.kind, Kind::redirect) << outcome.text;
  EXPECT_EQ(query_of(outcome.location)["state"], "ab+cd/ef==") << outcome.location;
}

TEST_F(EndSessionTest, CodeNotYetRedeemedEndsWithTheSession) {
  const std::string code = code_for(web_, session_);
  ASSERT_EQ(end_session({{"id_token_hint", id_token_}}, session_).kind, Kind::signed_out);
  EXPECT_EQ(text_of(exchange(web_, code).body, "error"), "invalid_grant");
}

TEST_F(EndSessionTest, OtherSessionsGrantsStay) {
  const JsonOutcome elsewhere = tokens_for(web_, alice_);  // another browser of Alice's
  const BrowserOutcome outcome = end_session({{"id_token_hint", id_token_}}, session_);
  ASSERT_EQ(outcome.kind, Kind::signed_out) << outcome.text;
  EXPECT_TRUE(outcome.end_session);
  EXPECT_FALSE(signed_in(session_));
  EXPECT_TRUE(active(text_of(elsewhere.body, "access_token")));
  EXPECT_EQ(refresh(web_, text_of(elsewhere.body, "refresh_token")).status, 200);
}

TEST_F(EndSessionTest, UnregisteredPostLogoutRedirectUriIsAnErrorPage) {
  for (const std::string uri : {"https://evil.example/bye", "https://rp.example/signed-out/x",
                                "https://rp.example/callback"}) {
    SCOPED_TRACE(uri);
    const BrowserOutcome outcome = end_session(
        {{"id_token_hint", id_token_}, {"post_logout_redirect_uri", uri}, {"state", "s"}},
        session_);
    EXPECT_EQ(outcome.kind, Kind::error_page);
    EXPECT_TRUE(outcome.location.empty());
    EXPECT_FALSE(outcome.end_session);
    EXPECT_TRUE(signed_in(session_));
  }
  // Without a hint or a client_id, no address can be checked.
  const BrowserOutcome anonymous =
      end_session({{"post_logout_redirect_uri", std::string(kPostLogoutUri)}}, session_, true);
  EXPECT_EQ(anonymous.kind, Kind::error_page);
  EXPECT_TRUE(signed_in(session_));
}

TEST_F(EndSessionTest, HintForAnotherPersonAsksFirst) {
  const std::string bobs_hint = text_of(tokens_for(web_, bob_).body, "id_token");
  const BrowserOutcome outcome = end_session(
      {{"id_token_hint", bobs_hint}, {"post_logout_redirect_uri", std::string(kPostLogoutUri)}},
      session_);
  EXPECT_EQ(outcome.kind, Kind::confirm_sign_out);
  EXPECT_FALSE(outcome.end_session);
  EXPECT_TRUE(signed_in(session_));
  EXPECT_TRUE(active(text_of(tokens_.body, "access_token")));

  // Once the person presses "Sign out".
  const BrowserOutcome confirmed = end_session(
      {{"id_token_hint", bobs_hint}, {"post_logout_redirect_uri", std::string(kPostLogoutUri)}},
      session_, true);
  EXPECT_EQ(confirmed.kind, Kind::redirect);
  EXPECT_TRUE(confirmed.end_session);
  EXPECT_FALSE(signed_in(session_));
}

TEST_F(EndSessionTest, WithoutAHintTheSessionIsEndedOnlyOnceConfirmed) {
  const BrowserOutcome asked = end_session({}, session_);
  EXPECT_EQ(asked.kind, Kind::confirm_sign_out);
  EXPECT_TRUE(signed_in(session_));
  const BrowserOutcome done = end_session(
      {{"client_id", web_.client.id}, {"post_logout_redirect_uri", std::string(kPostLogoutUri)}},
      session_, true);
  ASSERT_EQ(done.kind, Kind::redirect) << done.text;
  EXPECT_EQ(done.location, kPostLogoutUri);
  EXPECT_FALSE(signed_in(session_));
  EXPECT_FALSE(active(text_of(tokens_.body, "access_token")));
}

TEST_F(EndSessionTest, ForgedHintIsAnErrorPage) {
  auto stranger = SigningKey::generate(JwsAlg::es256);
  ASSERT_TRUE(stranger.ok());
  const std::string forged = *stranger->sign(claims_of(id_token_));
  std::string tampered = id_token_;
  tampered.back() = tampered.back() == 'A' ? 'Q' : 'A';
  for (const std::string& hint : {forged, tampered, std::string("garbage")}) {
    const BrowserOutcome outcome = end_session(
        {{"id_token_hint", hint}, {"post_logout_redirect_uri", std::string(kPostLogoutUri)}},
        session_);
    EXPECT_EQ(outcome.kind, Kind::error_page);
    EXPECT_TRUE(outcome.location.empty());
    EXPECT_FALSE(outcome.end_session);
    EXPECT_TRUE(signed_in(session_));
  }
}

TEST_F(EndSessionTest, HintForAnotherClientThanTheClientIdIsAnErrorPage) {
  const BrowserOutcome outcome =
      end_session({{"id_token_hint", id_token_}, {"client_id", spa_.client.id}}, session_);
  EXPECT_EQ(outcome.kind, Kind::error_page);
  EXPECT_TRUE(signed_in(session_));
}

TEST_F(EndSessionTest, ExpiredHintStillNamesThePerson) {
  clock_.advance(provider_->settings().id_token_lifetime + std::chrono::minutes(5));
  const BrowserOutcome outcome = end_session({{"id_token_hint", id_token_}}, session_);
  EXPECT_EQ(outcome.kind, Kind::signed_out);
  EXPECT_FALSE(signed_in(session_));
}

TEST_F(EndSessionTest, WithoutASessionThePersonIsToldTheyAreSignedOut) {
  const BrowserOutcome outcome = end_session({}, "");
  EXPECT_EQ(outcome.kind, Kind::signed_out);
  EXPECT_FALSE(outcome.end_session);
  const BrowserOutcome unknown = end_session({{"id_token_hint", id_token_}}, "no-such-session");
  EXPECT_EQ(unknown.kind, Kind::signed_out);
  // With a registered place to return to, the browser goes there.
  const BrowserOutcome back = end_session(
      {{"id_token_hint", id_token_}, {"post_logout_redirect_uri", std::string(kPostLogoutUri)}},
      "");
  ASSERT_EQ(back.kind, Kind::redirect);
  EXPECT_EQ(back.location, kPostLogoutUri);
  EXPECT_TRUE(signed_in(session_));
}

}  // namespace
}  // namespace tessera
