// The OidcProvider fixture: the service fixture's SQLite store, manual clock and deterministic Rng,
// with the real KeyRing, OidcClients, SessionService and SignInService; two people (sessions
// made directly, with the amr a sign-in would have recorded), a confidential and a public client,
// and helpers for the requests a relying party makes.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include "base/ids.h"
#include "crypto/hmac.h"
#include "crypto/password_hash.h"
#include "oidc/base64url.h"
#include "oidc/clients.h"
#include "oidc/key_ring.h"
#include "oidc/provider.h"
#include "service/password_hashing.h"
#include "service/session_service.h"
#include "service/sign_in_service.h"
#include "unit/service/service_fixture.h"

namespace tessera {

inline constexpr std::string_view kIssuer = "https://id.example.com";
inline constexpr std::string_view kRedirectUri = "https://rp.example/callback";
inline constexpr std::string_view kPostLogoutUri = "https://rp.example/signed-out";
// RFC 7636 Appendix B.
inline constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
inline constexpr std::string_view kVerifierChallenge =
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
inline const SignInClient kBrowser{"203.0.113.9", "", ""};

// BASE64URL(SHA256(verifier)), RFC 7636 §4.2.
inline std::string s256(std::string_view verifier) {
  const auto digest = sha256(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(verifier.data()), verifier.size()));
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

// client_secret_basic for an id and secret that need no form encoding.
inline std::string basic(std::string_view id, std::string_view secret) {
  return "Basic " + base64_encode(std::string(id) + ":" + std::string(secret));
}

// The query of a redirect as a relying party reads it (application/x-www-form-urlencoded).
inline std::map<std::string, std::string> query_of(std::string_view location) {
  std::map<std::string, std::string> out;
  const auto url = boost::urls::parse_uri(location);
  if (!url) {
    ADD_FAILURE() << "not a URI: " << location;
    return out;
  }
  for (const auto& param : url->params())
    out[std::string(param.key)] = std::string(param.value);
  return out;
}

// Where a redirect goes, without its query.
inline std::string address_of(std::string_view location) {
  return std::string(location.substr(0, location.find('?')));
}

// A string member of a JSON object, or "<absent>".
inline std::string text_of(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return "<absent>";
  return std::string(value->as_string());
}

struct RegisteredClient {
  OidcClient client;
  std::string secret;  // empty for a public client
  // The Authorization header of client_secret_basic; empty for a public client.
  std::string authorization() const { return secret.empty() ? "" : basic(client.id, secret); }
};

class OidcProviderTest : public ServiceTest {
 protected:
  OidcProviderTest() : ServiceTest(from_unix_seconds(1'795'000'000), 23) {}

  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    alice_ = add_person("alice@example.com", "Alice Liddell");
    bob_ = add_person("bob@example.com", "Bob Builder");
    sessions_.emplace(*store_, clock_, rng_);
    sign_in_.emplace(*store_, methods_, hashing_, *sessions_, clock_, rng_, name_key_);
    keys_.emplace(*store_, clock_);
    clients_.emplace(*store_, clock_, rng_);
    provider_.emplace(*store_, *keys_, *clients_, *sign_in_, *sessions_, clock_, rng_,
                      OidcSettings{std::string(kIssuer)});
    NewClient web;
    web.name = "Web app";
    web.redirect_uris = {std::string(kRedirectUri)};
    web.post_logout_redirect_uris = {std::string(kPostLogoutUri)};
    web_ = add_client(web);
    NewClient spa;
    spa.name = "Single-page app";
    spa.redirect_uris = {"http://127.0.0.1:8400/callback"};
    spa.public_client = true;
    spa_ = add_client(spa);
  }

  User add_person(const std::string& upn, const std::string& name) {
    User user;
    user.id = new_id(rng_);
    user.upn = upn;
    user.display_name = name;
    user.created_at = clock_.now();
    EXPECT_TRUE(store_->create_user(user, nullptr).ok());
    return user;
  }

  // A browser session of `user` made now by a sign-in that recorded `amr`; its cookie value.
  std::string session_of(const User& user, std::string amr = "pwd") {
    SessionRecord record;
    const bool mfa = amr.find("mfa") != std::string::npos;
    IssuedSession issued = sessions_->prepare(
        user.id, false, mfa ? std::optional(clock_.now()) : std::nullopt, record);
    record.amr = std::move(amr);
    EXPECT_TRUE(store_->create_session(record).ok());
    return std::string(issued.token.view());
  }

  RegisteredClient add_client(const NewClient& wanted) {
    auto added = clients_->add(wanted, Actor::cli());
    EXPECT_TRUE(added.ok()) << added.status().message();
    if (!added.ok()) return {};
    return RegisteredClient{added->client, std::string(added->secret.view())};
  }

  // An authorization request of `client` for its first redirect URI, with PKCE (kVerifier), a
  // state and a nonce; `extra` adds or replaces parameters.
  OidcParams code_request(const RegisteredClient& client, const OidcParams& extra = {}) {
    OidcParams params{{"client_id", client.client.id},
                      {"redirect_uri", client.client.redirect_uris.at(0)},
                      {"response_type", "code"},
                      {"scope", "openid profile email"},
                      {"state", "state-123"},
                      {"nonce", "nonce-456"},
                      {"code_challenge", std::string(kVerifierChallenge)},
                      {"code_challenge_method", "S256"}};
    for (const auto& [name, value] : extra)
      params[name] = value;
    return params;
  }

  BrowserOutcome authorize(const OidcParams& params, std::string_view session) {
    auto outcome = provider_->authorize(params, session, kBrowser);
    EXPECT_TRUE(outcome.ok()) << outcome.status().message();
    return outcome.ok() ? std::move(outcome).value() : BrowserOutcome{};
  }

  // The code of an authorization that the session satisfies.
  std::string code_for(const RegisteredClient& client, std::string_view session,
                       const OidcParams& extra = {}) {
    const BrowserOutcome outcome = authorize(code_request(client, extra), session);
    EXPECT_EQ(outcome.kind, BrowserOutcome::Kind::redirect) << outcome.text;
    const auto query = query_of(outcome.location);
    const auto code = query.find("code");
    EXPECT_NE(code, query.end()) << outcome.location;
    return code == query.end() ? "" : code->second;
  }

  JsonOutcome token(const OidcParams& form, std::string_view authorization) {
    auto outcome = provider_->token(form, authorization);
    EXPECT_TRUE(outcome.ok()) << outcome.status().message();
    return outcome.ok() ? std::move(outcome).value() : JsonOutcome{-1, {}, false};
  }

  // The token request a client makes with its code: client_secret_basic, or its client_id when
  // public.
  OidcParams code_form(const RegisteredClient& client, std::string_view code,
                       std::string_view verifier = kVerifier) {
    OidcParams form{{"grant_type", "authorization_code"},
                    {"code", std::string(code)},
                    {"redirect_uri", client.client.redirect_uris.at(0)}};
    if (!verifier.empty()) form["code_verifier"] = std::string(verifier);
    if (client.secret.empty()) form["client_id"] = client.client.id;
    return form;
  }

  JsonOutcome exchange(const RegisteredClient& client, std::string_view code,
                       std::string_view verifier = kVerifier) {
    return token(code_form(client, code, verifier), client.authorization());
  }

  // Signs `person` in (a session with `amr`) and exchanges a code: the token response.
  JsonOutcome tokens_for(const RegisteredClient& client, const User& person,
                         const std::string& amr = "pwd", const OidcParams& extra = {}) {
    const std::string session = session_of(person, amr);
    return exchange(client, code_for(client, session, extra));
  }

  JsonOutcome refresh(const RegisteredClient& client, std::string_view refresh_token) {
    OidcParams form{{"grant_type", "refresh_token"}, {"refresh_token", std::string(refresh_token)}};
    if (client.secret.empty()) form["client_id"] = client.client.id;
    return token(form, client.authorization());
  }

  JsonOutcome introspect(const RegisteredClient& client, std::string_view token) {
    OidcParams form{{"token", std::string(token)}};
    if (client.secret.empty()) form["client_id"] = client.client.id;
    auto outcome = provider_->introspect(form, client.authorization());
    EXPECT_TRUE(outcome.ok()) << outcome.status().message();
    return outcome.ok() ? std::move(outcome).value() : JsonOutcome{-1, {}, false};
  }

  // Whether introspection by the web client says the token is active.
  bool active(std::string_view token) {
    const JsonOutcome answer = introspect(web_, token);
    EXPECT_EQ(answer.status, 200);
    const boost::json::value* is_active = answer.body.if_contains("active");
    EXPECT_TRUE(is_active != nullptr && is_active->is_bool()) << answer.body;
    return is_active != nullptr && is_active->is_bool() && is_active->as_bool();
  }

  JsonOutcome revoke(const RegisteredClient& client, std::string_view token) {
    OidcParams form{{"token", std::string(token)}};
    if (client.secret.empty()) form["client_id"] = client.client.id;
    auto outcome = provider_->revoke(form, client.authorization());
    EXPECT_TRUE(outcome.ok()) << outcome.status().message();
    return outcome.ok() ? std::move(outcome).value() : JsonOutcome{-1, {}, false};
  }

  // The verified claims of a token this provider signed.
  boost::json::object claims_of(std::string_view token) {
    auto verified = keys_->verify(token);
    EXPECT_TRUE(verified.ok()) << verified.status().message();
    return verified.ok() ? verified->claims : boost::json::object{};
  }

  PasswordHasher hasher_{Argon2Parameters{8 * 1024, 1}};
  InlinePasswordHashing hashing_{hasher_};
  SecretBytes name_key_{std::vector<std::uint8_t>(32, 9)};
  User alice_;
  User bob_;
  std::optional<SessionService> sessions_;
  std::optional<SignInService> sign_in_;
  std::optional<KeyRing> keys_;
  std::optional<OidcClients> clients_;
  std::optional<OidcProvider> provider_;
  RegisteredClient web_;  // confidential, authorization_code and refresh_token
  RegisteredClient spa_;  // public, PKCE
};

}  // namespace tessera
