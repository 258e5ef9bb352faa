// What the provider's tokens are good for afterwards: OidcProvider::userinfo, introspect (RFC
// 7662) and revoke (RFC 7009); which tokens are live, and who may ask about or revoke them.
#include <gtest/gtest.h>

#include "unit/oidc/provider_fixture.h"

namespace tessera {
namespace {

namespace json = boost::json;

class ResourceTest : public OidcProviderTest {
 protected:
  RegisteredClient add_machine() {
    NewClient service;
    service.name = "Reporting job";
    service.grants = {"client_credentials"};
    return add_client(service);
  }

  std::string client_credentials_token(const RegisteredClient& machine) {
    const JsonOutcome outcome =
        token({{"grant_type", "client_credentials"}}, machine.authorization());
    EXPECT_EQ(outcome.status, 200) << outcome.body;
    return text_of(outcome.body, "access_token");
  }

  // The access token of a code flow of Alice with `scope`.
  std::string access_with_scope(const std::string& scope) {
    const JsonOutcome tokens = tokens_for(web_, alice_, "pwd", {{"scope", scope}});
    EXPECT_EQ(tokens.status, 200) << tokens.body;
    return text_of(tokens.body, "access_token");
  }

  // `token` with its payload replaced by `claims`, the signature kept.
  static std::string with_claims(std::string_view token, const json::object& claims) {
    const std::size_t first = token.find('.');
    const std::size_t second = token.find('.', first + 1);
    return std::string(token.substr(0, first + 1)) + base64url_encode(json::serialize(claims)) +
           std::string(token.substr(second));
  }
};

TEST_F(ResourceTest, UserinfoSaysWhatTheScopesAllow) {
  auto only_openid = provider_->userinfo(access_with_scope("openid"));
  ASSERT_TRUE(only_openid.ok()) << only_openid.status().message();
  EXPECT_EQ(*only_openid, (json::object{{"sub", alice_.id}}));

  auto profile = provider_->userinfo(access_with_scope("openid profile"));
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(*profile, (json::object{{"sub", alice_.id},
                                    {"name", "Alice Liddell"},
                                    {"preferred_username", "alice@example.com"}}));

  auto email = provider_->userinfo(access_with_scope("openid email"));
  ASSERT_TRUE(email.ok());
  EXPECT_EQ(*email, (json::object{{"sub", alice_.id}, {"email", "alice@example.com"}}));
}

TEST_F(ResourceTest, TokenWithoutOpenidHasNoUserinfo) {
  EXPECT_EQ(provider_->userinfo(access_with_scope("profile email")).status().code(),
            ErrorCode::unauthenticated);
}

TEST_F(ResourceTest, ClientCredentialsTokenHasNoUserinfo) {
  const std::string access = client_credentials_token(add_machine());
  ASSERT_TRUE(active(access));
  EXPECT_EQ(provider_->userinfo(access).status().code(), ErrorCode::unauthenticated);
}

TEST_F(ResourceTest, IdTokenOrRefreshTokenIsNoAccessToken) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  const std::string id_token = text_of(tokens.body, "id_token");
  EXPECT_EQ(provider_->userinfo(id_token).status().code(), ErrorCode::unauthenticated);
  EXPECT_FALSE(active(id_token));
  EXPECT_EQ(provider_->userinfo(text_of(tokens.body, "refresh_token")).status().code(),
            ErrorCode::unauthenticated);
  EXPECT_EQ(provider_->userinfo("").status().code(), ErrorCode::unauthenticated);
}

TEST_F(ResourceTest, IntrospectionOfALiveAccessTokenSaysWhoAndWhat) {
  const std::string access = access_with_scope("openid profile");
  const JsonOutcome answer = introspect(web_, access);
  ASSERT_EQ(answer.status, 200);
  EXPECT_TRUE(answer.body.at("active").as_bool());
  EXPECT_EQ(text_of(answer.body, "token_type"), "Bearer");
  EXPECT_EQ(text_of(answer.body, "sub"), alice_.id);
  EXPECT_EQ(text_of(answer.body, "client_id"), web_.client.id);
  EXPECT_EQ(text_of(answer.body, "scope"), "openid profile");
  EXPECT_EQ(text_of(answer.body, "iss"), kIssuer);
  EXPECT_EQ(answer.body.count("gid"), 0u);
}

TEST_F(ResourceTest, RefreshTokenIsIntrospectedOnlyForItsOwnClient) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  const std::string refresh_token = text_of(tokens.body, "refresh_token");
  const JsonOutcome own = introspect(web_, refresh_token);
  ASSERT_EQ(own.status, 200);
  EXPECT_TRUE(own.body.at("active").as_bool());
  EXPECT_EQ(text_of(own.body, "token_type"), "refresh_token");
  EXPECT_EQ(text_of(own.body, "sub"), alice_.id);
  EXPECT_EQ(text_of(own.body, "client_id"), web_.client.id);

  const JsonOutcome others = introspect(add_machine(), refresh_token);
  ASSERT_EQ(others.status, 200);
  EXPECT_EQ(others.body, (json::object{{"active", false}}));

  // Used (rotated): no longer active.
  ASSERT_EQ(refresh(web_, refresh_token).status, 200);
  EXPECT_FALSE(active(refresh_token));
}

TEST_F(ResourceTest, IntrospectionByAPublicClientIsRefused) {
  const std::string access = access_with_scope("openid");
  const JsonOutcome answer = introspect(spa_, access);
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(text_of(answer.body, "error"), "invalid_client");
  EXPECT_EQ(answer.body.count("active"), 0u);
}

TEST_F(ResourceTest, IntrospectionNeedsClientAuthenticationAndAToken) {
  const std::string access = access_with_scope("openid");
  auto unauthenticated = provider_->introspect({{"token", access}}, "");
  ASSERT_TRUE(unauthenticated.ok());
  EXPECT_EQ(unauthenticated->status, 401);
  auto wrong = provider_->introspect({{"token", access}}, basic(web_.client.id, "wrong"));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_TRUE(wrong->basic_challenge);
  auto no_token = provider_->introspect({}, web_.authorization());
  ASSERT_TRUE(no_token.ok());
  EXPECT_EQ(no_token->status, 400);
  EXPECT_EQ(text_of(no_token->body, "error"), "invalid_request");
}

TEST_F(ResourceTest, ExpiredAccessTokenIsInactive) {
  const std::string access = access_with_scope("openid");
  clock_.advance(provider_->settings().access_token_lifetime - std::chrono::seconds(1));
  EXPECT_TRUE(active(access));
  EXPECT_TRUE(provider_->userinfo(access).ok());
  clock_.advance(std::chrono::seconds(1));
  EXPECT_FALSE(active(access));
  EXPECT_EQ(provider_->userinfo(access).status().code(), ErrorCode::unauthenticated);
}

TEST_F(ResourceTest, TokenSignedByAnotherKeyOrTamperedIsInactive) {
  const std::string access = access_with_scope("openid profile");
  const json::object claims = claims_of(access);

  auto stranger = SigningKey::generate(JwsAlg::es256);
  ASSERT_TRUE(stranger.ok());
  const std::string foreign = *stranger->sign(claims, "at+jwt");
  EXPECT_FALSE(active(foreign));
  EXPECT_EQ(provider_->userinfo(foreign).status().code(), ErrorCode::unauthenticated);

  json::object bobs = claims;
  bobs["sub"] = bob_.id;
  const std::string tampered = with_claims(access, bobs);
  EXPECT_FALSE(active(tampered));
  EXPECT_EQ(provider_->userinfo(tampered).status().code(), ErrorCode::unauthenticated);

  std::string flipped = access;
  flipped.back() = flipped.back() == 'A' ? 'Q' : 'A';
  EXPECT_FALSE(active(flipped));
  EXPECT_FALSE(active("not-a-token.at.all"));
  EXPECT_TRUE(active(access));
}

TEST_F(ResourceTest, TokenOfAnotherIssuerOnOurKeysIsInactive) {
  // The same keys under another issuer name (a second tenant, a renamed server) prove nothing here.
  const std::string access = access_with_scope("openid");
  json::object claims = claims_of(access);
  claims["iss"] = "https://other.example.com";
  auto signed_elsewhere = keys_->sign(JwsAlg::es256, claims, "at+jwt");
  ASSERT_TRUE(signed_elsewhere.ok());
  EXPECT_FALSE(active(*signed_elsewhere));
}

TEST_F(ResourceTest, RevokedAccessTokenIsInactiveAndRefusedByUserinfo) {
  const std::string access = access_with_scope("openid");
  ASSERT_TRUE(provider_->userinfo(access).ok());
  const JsonOutcome revoked = revoke(web_, access);
  EXPECT_EQ(revoked.status, 200);
  EXPECT_TRUE(revoked.body.empty()) << revoked.body;
  EXPECT_FALSE(active(access));
  EXPECT_EQ(provider_->userinfo(access).status().code(), ErrorCode::unauthenticated);
  // Revoking it again is still fine.
  EXPECT_EQ(revoke(web_, access).status, 200);
}

TEST_F(ResourceTest, RevokedClientCredentialsTokenIsInactive) {
  const RegisteredClient machine = add_machine();
  const std::string access = client_credentials_token(machine);
  EXPECT_EQ(revoke(machine, access).status, 200);
  EXPECT_FALSE(active(access));
}

TEST_F(ResourceTest, RevokedRefreshTokenEndsItsGrant) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  const std::string refresh_token = text_of(tokens.body, "refresh_token");
  EXPECT_EQ(revoke(web_, refresh_token).status, 200);
  EXPECT_EQ(text_of(refresh(web_, refresh_token).body, "error"), "invalid_grant");
  EXPECT_FALSE(active(text_of(tokens.body, "access_token")));
}

TEST_F(ResourceTest, RevokingAnotherClientsTokenDoesNothing) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  const std::string access = text_of(tokens.body, "access_token");
  const std::string refresh_token = text_of(tokens.body, "refresh_token");
  const RegisteredClient machine = add_machine();
  EXPECT_EQ(revoke(machine, access).status, 200);
  EXPECT_EQ(revoke(machine, refresh_token).status, 200);
  EXPECT_EQ(revoke(spa_, access).status, 200);
  EXPECT_EQ(revoke(spa_, refresh_token).status, 200);
  EXPECT_TRUE(active(access));
  EXPECT_TRUE(provider_->userinfo(access).ok());
  EXPECT_EQ(refresh(web_, refresh_token).status, 200);
}

TEST_F(ResourceTest, RevokingAnUnknownTokenIsFine) {
  EXPECT_EQ(revoke(web_, "no-such-token").status, 200);
  EXPECT_EQ(revoke(web_, "a.b.c").status, 200);
  auto missing = provider_->revoke({}, web_.authorization());
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 400);
  auto unauthenticated = provider_->revoke({{"token", "x"}}, basic(web_.client.id, "wrong"));
  ASSERT_TRUE(unauthenticated.ok());
  EXPECT_EQ(unauthenticated->status, 401);
}

TEST_F(ResourceTest, DeletedClientsPersonTokensAreInactive) {
  const JsonOutcome tokens = tokens_for(web_, alice_);
  ASSERT_TRUE(clients_->remove(web_.client.id, Actor::cli()).ok());
  const RegisteredClient machine = add_machine();
  EXPECT_EQ(introspect(machine, text_of(tokens.body, "access_token")).body,
            (json::object{{"active", false}}));
  EXPECT_EQ(provider_->userinfo(text_of(tokens.body, "access_token")).status().code(),
            ErrorCode::unauthenticated);
}

}  // namespace
}  // namespace tessera
