// OidcProvider::token: the authorization code (single use, PKCE, redirect_uri, lifetime, its
// client), the ID token's claims, client authentication, refresh tokens rotated with reuse
// detection, grants that end with the person's sign-ins, and client_credentials.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "unit/oidc/provider_fixture.h"

namespace tessera {
namespace {

namespace json = boost::json;

class TokenTest : public OidcProviderTest {
 protected:
  void expect_error(const JsonOutcome& outcome, int status, std::string_view error) {
    EXPECT_EQ(outcome.status, status) << outcome.body;
    EXPECT_EQ(text_of(outcome.body, "error"), error) << outcome.body;
    EXPECT_EQ(outcome.body.count("access_token"), 0u);
    EXPECT_EQ(outcome.body.count("id_token"), 0u);
    EXPECT_EQ(outcome.body.count("refresh_token"), 0u);
  }

  static std::vector<std::string> strings_of(const json::value& array) {
    std::vector<std::string> out;
    for (const json::value& item : array.as_array())
      out.emplace_back(item.as_string());
    return out;
  }

  static std::string header_member(std::string_view token, std::string_view name) {
    const auto header = base64url_decode(token.substr(0, token.find('.')));
    if (!header) return "";
    return text_of(json::parse(*header).as_object(), name);
  }
};

TEST_F(TokenTest, S256OfTheVerifierIsTheRfc7636Example) {
  EXPECT_EQ(s256(kVerifier), kVerifierChallenge);
}

TEST_F(TokenTest, AuthorizationCodeWithTheRightVerifierGivesTokens) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(text_of(tokens.body, "token_type"), "Bearer");
  EXPECT_EQ(tokens.body.at("expires_in").as_int64(), 600);
  EXPECT_EQ(text_of(tokens.body, "scope"), "openid profile email");
  EXPECT_NE(text_of(tokens.body, "access_token"), "<absent>");
  EXPECT_NE(text_of(tokens.body, "id_token"), "<absent>");
  EXPECT_EQ(text_of(tokens.body, "refresh_token").size(), 43u);
}

TEST_F(TokenTest, PublicClientRedeemsItsCodeWithItsIdAndVerifierAlone) {
  const JsonOutcome tokens = tokens_for(spa_, alice_);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_NE(text_of(tokens.body, "id_token"), "<absent>");
  // A secret for a public client is wrong, not extra.
  const std::string code = code_for(spa_, session_of(alice_));
  OidcParams form = code_form(spa_, code);
  form["client_secret"] = "anything";
  expect_error(token(form, ""), 401, "invalid_client");
}

TEST_F(TokenTest, IdTokenSaysWhoSignedInWhenAndHow) {
  const std::string session = session_of(alice_, "pwd otp mfa");
  const Timestamp signed_in_at = clock_.now();
  clock_.advance(std::chrono::seconds(120));
  const std::string code = code_for(web_, session);
  clock_.advance(std::chrono::seconds(3));
  const JsonOutcome tokens = exchange(web_, code);
  ASSERT_EQ(tokens.status, 200) << tokens.body;

  const std::string id_token = text_of(tokens.body, "id_token");
  EXPECT_EQ(header_member(id_token, "alg"), "ES256");
  const json::object claims = claims_of(id_token);
  EXPECT_EQ(text_of(claims, "iss"), kIssuer);
  EXPECT_EQ(text_of(claims, "sub"), alice_.id);
  EXPECT_EQ(text_of(claims, "aud"), web_.client.id);
  EXPECT_EQ(text_of(claims, "nonce"), "nonce-456");
  EXPECT_EQ(claims.at("auth_time").as_int64(), to_unix_seconds(signed_in_at));
  EXPECT_EQ(claims.at("iat").as_int64(), to_unix_seconds(clock_.now()));
  EXPECT_EQ(claims.at("exp").as_int64(), to_unix_seconds(clock_.now()) + 600);
  EXPECT_EQ(text_of(claims, "acr"), kAcrMfa);
  EXPECT_EQ(strings_of(claims.at("amr")), (std::vector<std::string>{"pwd", "otp", "mfa"}));
  EXPECT_EQ(text_of(claims, "name"), "Alice Liddell");
  EXPECT_EQ(text_of(claims, "preferred_username"), "alice@example.com");
  EXPECT_EQ(text_of(claims, "email"), "alice@example.com");
}

TEST_F(TokenTest, PasswordSignInIsThePasswordAcr) {
  const JsonOutcome tokens = tokens_for(web_, alice_, "pwd");
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  const json::object claims = claims_of(text_of(tokens.body, "id_token"));
  EXPECT_EQ(text_of(claims, "acr"), kAcrPassword);
  EXPECT_EQ(strings_of(claims.at("amr")), std::vector<std::string>{"pwd"});
}

TEST_F(TokenTest, SessionOlderThanAmrIsAPasswordSignIn) {
  const JsonOutcome tokens = tokens_for(web_, alice_, "");
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  const json::object claims = claims_of(text_of(tokens.body, "id_token"));
  EXPECT_EQ(text_of(claims, "acr"), kAcrPassword);
  EXPECT_EQ(strings_of(claims.at("amr")), std::vector<std::string>{"pwd"});
}

TEST_F(TokenTest, IdTokenIsSignedWithTheClientsAlg) {
  NewClient wanted;
  wanted.name = "RSA app";
  wanted.redirect_uris = {"https://rsa.example/cb"};
  wanted.id_token_alg = "RS256";
  const RegisteredClient rsa = add_client(wanted);
  const JsonOutcome tokens = tokens_for(rsa, alice_);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(header_member(text_of(tokens.body, "id_token"), "alg"), "RS256");
  EXPECT_EQ(text_of(claims_of(text_of(tokens.body, "id_token")), "aud"), rsa.client.id);
}

TEST_F(TokenTest, AccessTokenIsAJwtAccessTokenOfTheGrant) {
  const std::string session = session_of(alice_, "pwd otp mfa");
  const JsonOutcome tokens = exchange(web_, code_for(web_, session));
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  const std::string access = text_of(tokens.body, "access_token");
  EXPECT_EQ(header_member(access, "typ"), "at+jwt");
  const json::object claims = claims_of(access);
  EXPECT_EQ(text_of(claims, "iss"), kIssuer);
  EXPECT_EQ(text_of(claims, "sub"), alice_.id);
  EXPECT_EQ(text_of(claims, "client_id"), web_.client.id);
  EXPECT_EQ(text_of(claims, "scope"), "openid profile email");
  EXPECT_EQ(text_of(claims, "acr"), kAcrMfa);
  EXPECT_EQ(claims.at("exp").as_int64(), to_unix_seconds(clock_.now()) + 600);
  EXPECT_NE(text_of(claims, "jti"), "<absent>");
}

TEST_F(TokenTest, UnknownScopesAreLeftOutOfTheGrant) {
  const JsonOutcome tokens =
      tokens_for(web_, alice_, "pwd", {{"scope", "email phone openid admin openid"}});
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(text_of(tokens.body, "scope"), "openid email");
}

TEST_F(TokenTest, WithoutOpenidThereIsNoIdToken) {
  const JsonOutcome tokens = tokens_for(web_, alice_, "pwd", {{"scope", "profile"}});
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(tokens.body.count("id_token"), 0u);
  EXPECT_NE(text_of(tokens.body, "access_token"), "<absent>");
}

TEST_F(TokenTest, SecondUseOfACodeIsRefusedAndRevokesWhatTheFirstIssued) {
  const std::string code = code_for(web_, session_of(alice_));
  const JsonOutcome first = exchange(web_, code);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string access = text_of(first.body, "access_token");
  const std::string refresh_token = text_of(first.body, "refresh_token");
  ASSERT_TRUE(active(access));

  expect_error(exchange(web_, code), 400, "invalid_grant");
  EXPECT_FALSE(active(access));
  EXPECT_FALSE(active(refresh_token));
  expect_error(refresh(web_, refresh_token), 400, "invalid_grant");
  EXPECT_EQ(provider_->userinfo(access).status().code(), ErrorCode::unauthenticated);
}

TEST_F(TokenTest, SigningOutOfTesseraEndsTheRefreshTokensOfThatSessionOnly) {
  const std::string signed_out = session_of(alice_);
  const std::string other_browser = session_of(alice_);
  const JsonOutcome ended = exchange(web_, code_for(web_, signed_out));
  const JsonOutcome kept = exchange(web_, code_for(web_, other_browser));
  ASSERT_EQ(ended.status, 200) << ended.body;
  ASSERT_EQ(kept.status, 200) << kept.body;
  // POST /signout, not the app's /logout: the person signs out of tessera itself.
  ASSERT_TRUE(sessions_->end(signed_out).ok());
  expect_error(refresh(web_, text_of(ended.body, "refresh_token")), 400, "invalid_grant");
  EXPECT_EQ(refresh(web_, text_of(kept.body, "refresh_token")).status, 200);
}

TEST_F(TokenTest, WrongOrMissingVerifierIsInvalidGrant) {
  const std::string session = session_of(alice_);
  std::string wrong(kVerifier);
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  expect_error(exchange(web_, code_for(web_, session), wrong), 400, "invalid_grant");
  expect_error(exchange(web_, code_for(web_, session), ""), 400, "invalid_grant");
  // The challenge itself is no verifier.
  expect_error(exchange(web_, code_for(web_, session), kVerifierChallenge), 400, "invalid_grant");
  expect_error(exchange(spa_, code_for(spa_, session), ""), 400, "invalid_grant");
}

TEST_F(TokenTest, VerifierForACodeWithoutChallengeIsInvalidGrant) {
  OidcParams request = code_request(web_);
  request.erase("code_challenge");
  request.erase("code_challenge_method");
  const std::string session = session_of(alice_);
  const BrowserOutcome outcome = authorize(request, session);
  const std::string code = query_of(outcome.location)["code"];
  expect_error(exchange(web_, code, kVerifier), 400, "invalid_grant");

  const BrowserOutcome again = authorize(request, session);
  const JsonOutcome tokens = exchange(web_, query_of(again.location)["code"], "");
  EXPECT_EQ(tokens.status, 200) << tokens.body;
}

TEST_F(TokenTest, RedirectUriDifferingFromTheAuthorizationsIsInvalidGrant) {
  NewClient wanted;
  wanted.name = "Two callbacks";
  wanted.redirect_uris = {"https://two.example/a", "https://two.example/b"};
  const RegisteredClient two = add_client(wanted);
  const std::string session = session_of(alice_);

  OidcParams form = code_form(two, code_for(two, session));
  form["redirect_uri"] = "https://two.example/b";
  expect_error(token(form, two.authorization()), 400, "invalid_grant");

  form = code_form(two, code_for(two, session));
  form.erase("redirect_uri");
  expect_error(token(form, two.authorization()), 400, "invalid_grant");

  form = code_form(two, code_for(two, session));
  form["redirect_uri"] = "https://two.example/a/";
  expect_error(token(form, two.authorization()), 400, "invalid_grant");
}

TEST_F(TokenTest, ExpiredCodeIsInvalidGrant) {
  const std::string code = code_for(web_, session_of(alice_));
  clock_.advance(provider_->settings().code_lifetime + std::chrono::seconds(1));
  expect_error(exchange(web_, code), 400, "invalid_grant");
}

TEST_F(TokenTest, CodeIsGoodUntilTheEndOfItsLifetime) {
  const std::string code = code_for(web_, session_of(alice_));
  clock_.advance(provider_->settings().code_lifetime - std::chrono::seconds(1));
  EXPECT_EQ(exchange(web_, code).status, 200);
}

TEST_F(TokenTest, AnotherClientsCodeIsInvalidGrant) {
  NewClient wanted;
  wanted.name = "Other app";
  wanted.redirect_uris = {std::string(kRedirectUri)};  // even at the same address
  const RegisteredClient other = add_client(wanted);
  const std::string code = code_for(web_, session_of(alice_));
  expect_error(exchange(other, code), 400, "invalid_grant");
  expect_error(exchange(spa_, code), 400, "invalid_grant");
}

TEST_F(TokenTest, UnknownCodeIsInvalidGrantAndMissingCodeInvalidRequest) {
  expect_error(exchange(web_, "no-such-code"), 400, "invalid_grant");
  OidcParams form = code_form(web_, "x");
  form.erase("code");
  expect_error(token(form, web_.authorization()), 400, "invalid_request");
}

TEST_F(TokenTest, WrongSecretInTheHeaderIsInvalidClientWithABasicChallenge) {
  const std::string code = code_for(web_, session_of(alice_));
  std::string wrong = web_.secret;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  const JsonOutcome outcome = token(code_form(web_, code), basic(web_.client.id, wrong));
  expect_error(outcome, 401, "invalid_client");
  EXPECT_TRUE(outcome.basic_challenge);
  // The code was not touched: the right secret still redeems it.
  EXPECT_EQ(exchange(web_, code).status, 200);
}

TEST_F(TokenTest, WrongSecretInTheFormIsInvalidClientWithoutAChallenge) {
  OidcParams form = code_form(web_, code_for(web_, session_of(alice_)));
  form["client_id"] = web_.client.id;
  form["client_secret"] = "wrong";
  const JsonOutcome outcome = token(form, "");
  expect_error(outcome, 401, "invalid_client");
  EXPECT_FALSE(outcome.basic_challenge);
  form["client_secret"] = web_.secret;
  EXPECT_EQ(token(form, "").status, 200);
}

TEST_F(TokenTest, MissingOrMalformedClientAuthenticationIsInvalidClient) {
  const OidcParams form = code_form(web_, code_for(web_, session_of(alice_)));
  expect_error(token(form, ""), 401, "invalid_client");
  const JsonOutcome malformed = token(form, "Basic !!!");
  expect_error(malformed, 401, "invalid_client");
  EXPECT_TRUE(malformed.basic_challenge);
  const JsonOutcome unknown = token(form, basic("no-such-client", "secret"));
  expect_error(unknown, 401, "invalid_client");
  EXPECT_TRUE(unknown.basic_challenge);
  // A confidential client naming itself without its secret.
  OidcParams named = form;
  named["client_id"] = web_.client.id;
  expect_error(token(named, ""), 401, "invalid_client");
}

TEST_F(TokenTest, UnsupportedGrantTypeIsRefused) {
  expect_error(token({{"grant_type", "password"}, {"username", "alice"}, {"password", "x"}},
                     web_.authorization()),
               400, "unsupported_grant_type");
  expect_error(token({{"grant_type", "implicit"}}, web_.authorization()), 400,
               "unsupported_grant_type");
  expect_error(token({}, web_.authorization()), 400, "invalid_request");
}

TEST_F(TokenTest, ClientWithoutTheGrantIsUnauthorizedClient) {
  NewClient wanted;
  wanted.name = "Code only";
  wanted.redirect_uris = {"https://code-only.example/cb"};
  wanted.grants = {"authorization_code"};
  const RegisteredClient code_only = add_client(wanted);
  const JsonOutcome tokens = tokens_for(code_only, alice_);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(tokens.body.count("refresh_token"), 0u);
  expect_error(refresh(code_only, "any-refresh-token"), 400, "unauthorized_client");
  expect_error(token({{"grant_type", "client_credentials"}}, code_only.authorization()), 400,
               "unauthorized_client");
  expect_error(token({{"grant_type", "client_credentials"}}, web_.authorization()), 400,
               "unauthorized_client");

  NewClient service;
  service.name = "Service";
  service.grants = {"client_credentials"};
  const RegisteredClient machine = add_client(service);
  expect_error(token(code_form(web_, code_for(web_, session_of(alice_))), machine.authorization()),
               400, "unauthorized_client");
}

TEST_F(TokenTest, RefreshTokenIsRotatedAndGivesAnIdTokenOfTheSameSignIn) {
  const std::string session = session_of(alice_, "pwd otp mfa");
  const Timestamp signed_in_at = clock_.now();
  const JsonOutcome first = exchange(web_, code_for(web_, session));
  ASSERT_EQ(first.status, 200) << first.body;
  clock_.advance(std::chrono::minutes(20));

  const JsonOutcome second = refresh(web_, text_of(first.body, "refresh_token"));
  ASSERT_EQ(second.status, 200) << second.body;
  const std::string next_refresh = text_of(second.body, "refresh_token");
  EXPECT_EQ(next_refresh.size(), 43u);
  EXPECT_NE(next_refresh, text_of(first.body, "refresh_token"));
  EXPECT_NE(text_of(second.body, "access_token"), text_of(first.body, "access_token"));
  EXPECT_EQ(text_of(second.body, "scope"), "openid profile email");
  const json::object claims = claims_of(text_of(second.body, "id_token"));
  EXPECT_EQ(text_of(claims, "sub"), alice_.id);
  EXPECT_EQ(claims.at("auth_time").as_int64(), to_unix_seconds(signed_in_at));
  EXPECT_EQ(text_of(claims, "acr"), kAcrMfa);
  EXPECT_EQ(claims.count("nonce"), 0u);
  EXPECT_TRUE(active(text_of(second.body, "access_token")));

  const JsonOutcome third = refresh(web_, next_refresh);
  EXPECT_EQ(third.status, 200) << third.body;
}

TEST_F(TokenTest, ReusedRefreshTokenRevokesTheWholeFamily) {
  const JsonOutcome first = tokens_for(web_, alice_);
  const std::string original = text_of(first.body, "refresh_token");
  const JsonOutcome second = refresh(web_, original);
  ASSERT_EQ(second.status, 200) << second.body;
  const std::string rotated = text_of(second.body, "refresh_token");
  const std::string access = text_of(second.body, "access_token");
  ASSERT_TRUE(active(access));

  // Someone replays the first one: neither it nor the one that replaced it works any more.
  expect_error(refresh(web_, original), 400, "invalid_grant");
  expect_error(refresh(web_, rotated), 400, "invalid_grant");
  EXPECT_FALSE(active(access));
  EXPECT_FALSE(active(text_of(first.body, "access_token")));
}

TEST_F(TokenTest, AnotherClientsRefreshTokenIsInvalidGrantAndStaysUsableByItsOwner) {
  NewClient wanted;
  wanted.name = "Other app";
  wanted.redirect_uris = {"https://other.example/cb"};
  const RegisteredClient other = add_client(wanted);
  const JsonOutcome tokens = tokens_for(web_, alice_);
  const std::string refresh_token = text_of(tokens.body, "refresh_token");

  expect_error(refresh(other, refresh_token), 400, "invalid_grant");
  expect_error(refresh(spa_, refresh_token), 400, "invalid_grant");
  EXPECT_TRUE(active(text_of(tokens.body, "access_token")));
  const JsonOutcome owner = refresh(web_, refresh_token);
  EXPECT_EQ(owner.status, 200) << owner.body;
}

TEST_F(TokenTest, UnknownOrMissingRefreshTokenIsRefused) {
  expect_error(refresh(web_, "no-such-refresh-token"), 400, "invalid_grant");
  expect_error(token({{"grant_type", "refresh_token"}}, web_.authorization()), 400,
               "invalid_request");
}

TEST_F(TokenTest, ExpiredRefreshTokenIsInvalidGrant) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  clock_.advance(provider_->settings().refresh_token_lifetime);
  expect_error(refresh(web_, text_of(tokens.body, "refresh_token")), 400, "invalid_grant");
}

TEST_F(TokenTest, ChangedSecurityVersionEndsTheGrant) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  const std::string access = text_of(tokens.body, "access_token");
  ASSERT_TRUE(provider_->userinfo(access).ok());
  ASSERT_TRUE(store_->bump_security_version(alice_.id).ok());

  expect_error(refresh(web_, text_of(tokens.body, "refresh_token")), 400, "invalid_grant");
  EXPECT_EQ(provider_->userinfo(access).status().code(), ErrorCode::unauthenticated);
  EXPECT_FALSE(active(access));
}

TEST_F(TokenTest, BlockedPersonsGrantEnds) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  const std::string access = text_of(tokens.body, "access_token");
  ASSERT_TRUE(store_->update_status(alice_.id, UserStatus::blocked).ok());

  expect_error(refresh(web_, text_of(tokens.body, "refresh_token")), 400, "invalid_grant");
  EXPECT_EQ(provider_->userinfo(access).status().code(), ErrorCode::unauthenticated);
  EXPECT_FALSE(active(access));
}

TEST_F(TokenTest, CodeOfAPersonChangedSinceIsInvalidGrant) {
  const std::string code = code_for(web_, session_of(alice_));
  ASSERT_TRUE(store_->bump_security_version(alice_.id).ok());
  expect_error(exchange(web_, code), 400, "invalid_grant");
}

TEST_F(TokenTest, ClientCredentialsGiveATokenForTheClientItselfWithoutScope) {
  NewClient service;
  service.name = "Reporting job";
  service.grants = {"client_credentials"};
  const RegisteredClient machine = add_client(service);
  const JsonOutcome outcome = token(
      {{"grant_type", "client_credentials"}, {"scope", "openid profile"}}, machine.authorization());
  ASSERT_EQ(outcome.status, 200) << outcome.body;
  EXPECT_EQ(text_of(outcome.body, "token_type"), "Bearer");
  EXPECT_EQ(outcome.body.count("scope"), 0u);
  EXPECT_EQ(outcome.body.count("id_token"), 0u);
  EXPECT_EQ(outcome.body.count("refresh_token"), 0u);
  const json::object claims = claims_of(text_of(outcome.body, "access_token"));
  EXPECT_EQ(text_of(claims, "sub"), machine.client.id);
  EXPECT_EQ(text_of(claims, "client_id"), machine.client.id);
  EXPECT_EQ(claims.count("scope"), 0u);
  EXPECT_EQ(claims.count("gid"), 0u);
  EXPECT_TRUE(active(text_of(outcome.body, "access_token")));
  // Through client_secret_post too.
  EXPECT_EQ(token({{"grant_type", "client_credentials"},
                   {"client_id", machine.client.id},
                   {"client_secret", machine.secret}},
                  "")
                .status,
            200);
}

}  // namespace
}  // namespace tessera
