// OidcClients on a real SQLite store: what may be registered, the secret shown once, client
// authentication; and client_credentials_of, how the token endpoint reads who is asking.
#include "oidc/clients.h"

#include <gtest/gtest.h>

#include "oidc/base64url.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

class OidcClientsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    clients_.emplace(*store_, clock_, rng_);
  }

  static NewClient web_app() {
    NewClient client;
    client.name = "Web app";
    client.redirect_uris = {"https://rp.example/callback"};
    return client;
  }

  // The reason add() gives for refusing `client`, or "accepted".
  std::string refusal(const NewClient& client) {
    auto added = clients_->add(client, Actor::cli());
    if (added.ok()) return "accepted";
    EXPECT_EQ(added.status().code(), ErrorCode::invalid_argument) << added.status().message();
    return std::string(added.status().message());
  }

  std::optional<OidcClients> clients_;
};

TEST_F(OidcClientsTest, AddRefusesAClientWithoutAName) {
  NewClient client = web_app();
  client.name = "";
  EXPECT_NE(refusal(client), "accepted");
  client.name = std::string(201, 'n');
  EXPECT_NE(refusal(client), "accepted");
  EXPECT_TRUE(clients_->list()->empty());
}

TEST_F(OidcClientsTest, AddRefusesACodeFlowClientWithoutARedirectUri) {
  NewClient client = web_app();
  client.redirect_uris.clear();
  EXPECT_NE(refusal(client), "accepted");
  client.grants = {"authorization_code"};
  EXPECT_NE(refusal(client), "accepted");
  // A service that only uses client_credentials signs nobody in and needs none.
  client.grants = {"client_credentials"};
  EXPECT_EQ(refusal(client), "accepted");
}

TEST_F(OidcClientsTest, AddRefusesPlainHttpToAnotherHostThanThisMachine) {
  for (const char* uri : {"http://rp.example/callback", "http://localhost.rp.example/callback",
                          "http://10.0.0.1/callback", "http://127.0.0.2/callback"}) {
    NewClient client = web_app();
    client.redirect_uris = {uri};
    EXPECT_NE(refusal(client), "accepted") << uri;
  }
  for (const char* uri : {"http://127.0.0.1:8400/callback", "http://localhost/callback",
                          "http://[::1]:8400/callback", "https://rp.example:8443/cb?tenant=a"}) {
    NewClient client = web_app();
    client.redirect_uris = {uri};
    EXPECT_EQ(refusal(client), "accepted") << uri;
  }
}

// A browser reads "http://127.0.0.1.rp.example/callback" as plain http to the host
// 127.0.0.1.rp.example (WHATWG URL; RFC 3986 has no other reading, the path after an authority
// starts with '/'), so it must be refused like any other plain http to another machine.
TEST_F(OidcClientsTest, AddRefusesPlainHttpToAHostThatOnlyStartsLikeALoopbackAddress) {
  for (const char* uri : {"http://127.0.0.1.rp.example/callback", "http://127.0.0.1.evil/cb",
                          "http://127.0.0.1x/callback"}) {
    NewClient client = web_app();
    client.redirect_uris = {uri};
    EXPECT_NE(refusal(client), "accepted") << uri;
    EXPECT_NE(redirect_uri_problem(uri), "") << uri;
  }
}

TEST_F(OidcClientsTest, AddRefusesUrisThatAreNotAbsoluteHttpsWithoutFragment) {
  for (const char* uri : {"https://rp.example/callback#here", "https://rp.example/callback#",
                          "/callback", "rp.example/callback", "javascript:alert(1)",
                          "custom-scheme:/callback", "https:///callback", ""}) {
    NewClient client = web_app();
    client.redirect_uris = {uri};
    EXPECT_NE(refusal(client), "accepted") << uri;
  }
  NewClient client = web_app();
  client.redirect_uris = {"https://rp.example/" + std::string(2000, 'a')};
  EXPECT_NE(refusal(client), "accepted");
}

TEST_F(OidcClientsTest, AddChecksPostLogoutRedirectUrisLikeRedirectUris) {
  NewClient client = web_app();
  client.post_logout_redirect_uris = {"https://rp.example/bye#fragment"};
  EXPECT_NE(refusal(client), "accepted");
  client.post_logout_redirect_uris = {"http://rp.example/bye"};
  EXPECT_NE(refusal(client), "accepted");
  client.post_logout_redirect_uris = {"https://rp.example/bye"};
  EXPECT_EQ(refusal(client), "accepted");
}

TEST_F(OidcClientsTest, AddRefusesAnUnknownGrant) {
  for (const char* grant : {"implicit", "password", "urn:ietf:params:oauth:grant-type:device_code",
                            "Authorization_Code", ""}) {
    NewClient client = web_app();
    client.grants = {"authorization_code", grant};
    EXPECT_NE(refusal(client), "accepted") << grant;
  }
}

TEST_F(OidcClientsTest, AddRefusesAPublicClientWithClientCredentials) {
  NewClient client = web_app();
  client.public_client = true;
  client.grants = {"authorization_code", "client_credentials"};
  EXPECT_NE(refusal(client), "accepted");
  client.grants = {"client_credentials"};
  EXPECT_NE(refusal(client), "accepted");
}

TEST_F(OidcClientsTest, AddRefusesAnIdTokenAlgOtherThanEs256AndRs256) {
  for (const char* alg : {"HS256", "none", "es256", "PS256", "ES384", ""}) {
    NewClient client = web_app();
    client.id_token_alg = alg;
    EXPECT_NE(refusal(client), "accepted") << alg;
  }
  NewClient client = web_app();
  client.id_token_alg = "RS256";
  EXPECT_EQ(refusal(client), "accepted");
}

TEST_F(OidcClientsTest, AddedClientIsStoredWithTheDefaultGrantsAndAnAuditEntry) {
  NewClient wanted = web_app();
  wanted.require_mfa = true;
  auto added = clients_->add(wanted, Actor{"admin@example.com"});
  ASSERT_TRUE(added.ok()) << added.status().message();
  auto found = clients_->find(added->client.id);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name, "Web app");
  EXPECT_EQ(found->redirect_uris, wanted.redirect_uris);
  EXPECT_EQ(found->grants, (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_TRUE(found->require_mfa);
  EXPECT_EQ(found->id_token_alg, "ES256");
  EXPECT_EQ(found->created_at, clock_.now());
  EXPECT_TRUE(has_grant(*found, kGrantRefreshToken));
  EXPECT_FALSE(has_grant(*found, kGrantClientCredentials));
  const auto audit = store_->list_audit(10);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->front().action, "client.add");
  EXPECT_EQ(audit->front().actor, "admin@example.com");
  EXPECT_EQ(audit->front().target, added->client.id);
}

TEST_F(OidcClientsTest, ConfidentialClientGetsA43CharacterSecretThatAuthenticates) {
  auto added = clients_->add(web_app(), Actor::cli());
  ASSERT_TRUE(added.ok());
  ASSERT_EQ(added->secret.size(), 43u);
  EXPECT_FALSE(added->client.is_public());
  const std::string secret(added->secret.view());
  // Only its hash is kept.
  EXPECT_NE(clients_->find(added->client.id)->secret_hash, secret);
  EXPECT_EQ(clients_->find(added->client.id)->secret_hash.find(secret), std::string::npos);

  auto client = clients_->authenticate(
      ClientCredentials{added->client.id, SecretBytes::from_string(secret), true});
  ASSERT_TRUE(client.ok()) << client.status().message();
  EXPECT_EQ(client->id, added->client.id);
}

TEST_F(OidcClientsTest, WrongOrMissingSecretIsUnauthenticated) {
  auto added = clients_->add(web_app(), Actor::cli());
  ASSERT_TRUE(added.ok());
  std::string wrong(added->secret.view());
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(clients_
                ->authenticate(
                    ClientCredentials{added->client.id, SecretBytes::from_string(wrong), false})
                .status()
                .code(),
            ErrorCode::unauthenticated);
  EXPECT_EQ(
      clients_
          ->authenticate(ClientCredentials{added->client.id, SecretBytes::from_string(""), false})
          .status()
          .code(),
      ErrorCode::unauthenticated);
  EXPECT_EQ(clients_->authenticate(ClientCredentials{added->client.id, std::nullopt, false})
                .status()
                .code(),
            ErrorCode::unauthenticated);
  // Another client's secret proves nothing either.
  auto other = clients_->add(web_app(), Actor::cli());
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(clients_
                ->authenticate(ClientCredentials{
                    added->client.id, SecretBytes::from_string(other->secret.view()), true})
                .status()
                .code(),
            ErrorCode::unauthenticated);
}

TEST_F(OidcClientsTest, UnknownClientIsUnauthenticated) {
  EXPECT_EQ(
      clients_
          ->authenticate(ClientCredentials{"no-such-client", SecretBytes::from_string("x"), true})
          .status()
          .code(),
      ErrorCode::unauthenticated);
  EXPECT_EQ(clients_->authenticate(ClientCredentials{std::string(600, 'c'), std::nullopt, false})
                .status()
                .code(),
            ErrorCode::unauthenticated);
}

TEST_F(OidcClientsTest, PublicClientAuthenticatesWithoutASecretAndIsRefusedWithOne) {
  NewClient wanted = web_app();
  wanted.public_client = true;
  auto added = clients_->add(wanted, Actor::cli());
  ASSERT_TRUE(added.ok());
  EXPECT_TRUE(added->secret.empty());
  EXPECT_TRUE(added->client.is_public());
  EXPECT_TRUE(
      clients_->authenticate(ClientCredentials{added->client.id, std::nullopt, false}).ok());
  EXPECT_EQ(clients_
                ->authenticate(
                    ClientCredentials{added->client.id, SecretBytes::from_string("guess"), true})
                .status()
                .code(),
            ErrorCode::unauthenticated);
  EXPECT_EQ(
      clients_
          ->authenticate(ClientCredentials{added->client.id, SecretBytes::from_string(""), false})
          .status()
          .code(),
      ErrorCode::unauthenticated);
}

TEST_F(OidcClientsTest, RemovedClientIsGoneAndNoLongerAuthenticates) {
  auto added = clients_->add(web_app(), Actor::cli());
  ASSERT_TRUE(added.ok());
  ASSERT_TRUE(clients_->remove(added->client.id, Actor::cli()).ok());
  EXPECT_EQ(clients_->find(added->client.id).status().code(), ErrorCode::not_found);
  EXPECT_EQ(clients_
                ->authenticate(ClientCredentials{
                    added->client.id, SecretBytes::from_string(added->secret.view()), true})
                .status()
                .code(),
            ErrorCode::unauthenticated);
}

std::string basic_header(std::string_view user_pass) {
  return "Basic " + base64_encode(user_pass);
}

TEST(ClientCredentialsOf, DecodesBasicHeaderPartsAsFormUrlEncoded) {
  // RFC 6749 §2.3.1: "a+b c%" is sent as "a%2Bb+c%25", and "my client" as "my+client".
  auto credentials =
      client_credentials_of(basic_header("my+client:a%2Bb+c%25"), std::nullopt, std::nullopt);
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_EQ(credentials->id, "my client");
  ASSERT_TRUE(credentials->secret.has_value());
  EXPECT_EQ(credentials->secret->view(), "a+b c%");
  EXPECT_TRUE(credentials->from_header);
}

TEST(ClientCredentialsOf, KeepsColonsOfTheSecretAndReadsTheSchemeCaselessly) {
  auto credentials = client_credentials_of("bAsIc " + base64_encode("client-1:se:cr:et"),
                                           std::nullopt, std::nullopt);
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_EQ(credentials->id, "client-1");
  EXPECT_EQ(credentials->secret->view(), "se:cr:et");
}

TEST(ClientCredentialsOf, TakesAnEmptySecretAsGivenForAuthenticateToRefuse) {
  auto credentials = client_credentials_of(basic_header("client-1:"), std::nullopt, std::nullopt);
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  ASSERT_TRUE(credentials->secret.has_value());
  EXPECT_TRUE(credentials->secret->empty());
}

TEST(ClientCredentialsOf, RefusesTheHeaderTogetherWithAClientSecretInTheForm) {
  EXPECT_EQ(client_credentials_of(basic_header("client-1:secret"), std::nullopt, "secret")
                .status()
                .code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(
      client_credentials_of(basic_header("client-1:secret"), "client-1", "secret").status().code(),
      ErrorCode::invalid_argument);
}

TEST(ClientCredentialsOf, RefusesMalformedBasicCredentials) {
  for (const std::string& header :
       {std::string("Basic !!!not-base64!!!"), std::string("Basic "), std::string("Basic"),
        std::string("Bearer ") + base64_encode("client-1:secret"),
        "Basic " + base64_encode("client-1:secret") + " extra", basic_header("no-colon-at-all"),
        basic_header(":secret-without-id"), basic_header("client-1:bad%zzescape"),
        basic_header("bad%escape:secret"), "Basic " + std::string(2000, 'A')}) {
    EXPECT_EQ(client_credentials_of(header, std::nullopt, std::nullopt).status().code(),
              ErrorCode::invalid_argument)
        << header;
  }
}

TEST(ClientCredentialsOf, RefusesAFormClientIdThatDiffersFromTheHeaders) {
  EXPECT_EQ(client_credentials_of(basic_header("client-1:secret"), "client-2", std::nullopt)
                .status()
                .code(),
            ErrorCode::invalid_argument);
  auto same = client_credentials_of(basic_header("client-1:secret"), "client-1", std::nullopt);
  ASSERT_TRUE(same.ok()) << same.status().message();
  EXPECT_EQ(same->id, "client-1");
}

TEST(ClientCredentialsOf, ReadsClientSecretPostAndAPublicClientsIdFromTheForm) {
  auto post = client_credentials_of("", "client-1", "a+b");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->id, "client-1");
  // The form was decoded already: the secret is taken as it is.
  EXPECT_EQ(post->secret->view(), "a+b");
  EXPECT_FALSE(post->from_header);

  auto named = client_credentials_of("", "public-client", std::nullopt);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->id, "public-client");
  EXPECT_FALSE(named->secret.has_value());
}

TEST(ClientCredentialsOf, NoClientAtAllIsNotFound) {
  EXPECT_EQ(client_credentials_of("", std::nullopt, std::nullopt).status().code(),
            ErrorCode::not_found);
  EXPECT_EQ(client_credentials_of("", "", std::nullopt).status().code(), ErrorCode::not_found);
  EXPECT_EQ(client_credentials_of("", std::nullopt, "secret").status().code(),
            ErrorCode::not_found);
}

}  // namespace
}  // namespace tessera
