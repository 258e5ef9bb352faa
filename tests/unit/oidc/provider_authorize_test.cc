// OidcProvider::authorize and resume: what is never sent to an unverified redirect URI, the
// errors a relying party gets back, when the browser's session does (a code) and when the person
// signs in (again, or with MFA) first.
#include <gtest/gtest.h>

#include "unit/oidc/provider_fixture.h"

namespace tessera {
namespace {

using Kind = BrowserOutcome::Kind;

class AuthorizeTest : public OidcProviderTest {
 protected:
  // A redirect to `redirect_uri` carrying `error`, the request's state and the issuer, no code.
  void expect_error_redirect(const BrowserOutcome& outcome, std::string_view error,
                             std::string_view redirect_uri = kRedirectUri,
                             std::string_view state = "state-123") {
    ASSERT_EQ(outcome.kind, Kind::redirect) << outcome.text;
    EXPECT_EQ(address_of(outcome.location), redirect_uri);
    const auto query = query_of(outcome.location);
    EXPECT_EQ(query.count("code"), 0u) << outcome.location;
    ASSERT_EQ(query.count("error"), 1u) << outcome.location;
    EXPECT_EQ(query.at("error"), error) << outcome.location;
    if (state.empty()) {
      EXPECT_EQ(query.count("state"), 0u);
    } else {
      EXPECT_EQ(query.count("state") ? query.at("state") : "<absent>", state);
    }
    EXPECT_EQ(query.count("iss") ? query.at("iss") : "<absent>", kIssuer);
  }

  void expect_error_page(const BrowserOutcome& outcome) {
    EXPECT_EQ(outcome.kind, Kind::error_page);
    EXPECT_FALSE(outcome.text.empty());
    EXPECT_TRUE(outcome.location.empty()) << outcome.location;
    EXPECT_TRUE(outcome.fields.empty());
  }

  // The ID token a code flow of `person` gives the web client.
  std::string id_token_of(const User& person) {
    const JsonOutcome tokens = tokens_for(web_, person);
    return text_of(tokens.body, "id_token");
  }
};

TEST_F(AuthorizeTest, UnknownOrMissingClientGetsAnErrorPageAndNoRedirect) {
  const std::string session = session_of(alice_);
  OidcParams params = code_request(web_, {{"client_id", "no-such-client"}});
  expect_error_page(authorize(params, session));
  params.erase("client_id");
  expect_error_page(authorize(params, session));
}

TEST_F(AuthorizeTest, MissingOrUnregisteredRedirectUriGetsAnErrorPageAndNoRedirect) {
  const std::string session = session_of(alice_);
  OidcParams params = code_request(web_);
  params.erase("redirect_uri");
  expect_error_page(authorize(params, session));
  const std::string registered(kRedirectUri);
  for (const std::string& uri :
       {std::string("https://evil.example/callback"), registered + "/", registered + "x",
        registered + "?next=https://evil.example", registered + "#", registered + "/../evil",
        std::string("https://RP.example/callback"), std::string("http://rp.example/callback"),
        spa_.client.redirect_uris.at(0), std::string("")}) {
    SCOPED_TRACE(uri);
    expect_error_page(authorize(code_request(web_, {{"redirect_uri", uri}}), session));
  }
}

TEST_F(AuthorizeTest, MissingResponseTypeIsInvalidRequestSentBackWithStateAndIssuer) {
  OidcParams params = code_request(web_);
  params.erase("response_type");
  expect_error_redirect(authorize(params, session_of(alice_)), "invalid_request");
}

TEST_F(AuthorizeTest, ResponseTypeOtherThanCodeIsUnsupported) {
  for (const char* type : {"token", "id_token", "code id_token", "code token", "CODE"}) {
    SCOPED_TRACE(type);
    expect_error_redirect(
        authorize(code_request(web_, {{"response_type", type}}), session_of(alice_)),
        "unsupported_response_type");
  }
}

TEST_F(AuthorizeTest, ErrorWithoutStateCarriesNoState) {
  OidcParams params = code_request(web_, {{"response_type", "token"}});
  params.erase("state");
  expect_error_redirect(authorize(params, ""), "unsupported_response_type", kRedirectUri, "");
}

TEST_F(AuthorizeTest, PublicClientWithoutCodeChallengeIsInvalidRequest) {
  OidcParams params = code_request(spa_);
  params.erase("code_challenge");
  params.erase("code_challenge_method");
  expect_error_redirect(authorize(params, session_of(alice_)), "invalid_request",
                        spa_.client.redirect_uris.at(0));
}

TEST_F(AuthorizeTest, ConfidentialClientMayLeavePkceOut) {
  OidcParams params = code_request(web_);
  params.erase("code_challenge");
  params.erase("code_challenge_method");
  const BrowserOutcome outcome = authorize(params, session_of(alice_));
  ASSERT_EQ(outcome.kind, Kind::redirect);
  EXPECT_EQ(query_of(outcome.location).count("code"), 1u) << outcome.location;
}

TEST_F(AuthorizeTest, CodeChallengeMethodOtherThanS256IsRefused) {
  const std::string session = session_of(alice_);
  expect_error_redirect(
      authorize(code_request(web_, {{"code_challenge_method", "plain"}}), session),
      "invalid_request");
  OidcParams no_method = code_request(web_);
  no_method.erase("code_challenge_method");
  expect_error_redirect(authorize(no_method, session), "invalid_request");
  // Not the shape of an S256 challenge.
  expect_error_redirect(authorize(code_request(web_, {{"code_challenge", "short"}}), session),
                        "invalid_request");
  expect_error_redirect(
      authorize(code_request(web_, {{"code_challenge", std::string(kVerifierChallenge) + "A"}}),
                session),
      "invalid_request");
}

TEST_F(AuthorizeTest, RequestObjectsAndUnknownResponseModesAreRefused) {
  const std::string session = session_of(alice_);
  expect_error_redirect(authorize(code_request(web_, {{"request", "eyJ..."}}), session),
                        "request_not_supported");
  expect_error_redirect(
      authorize(code_request(web_, {{"request_uri", "https://rp.example/r"}}), session),
      "request_uri_not_supported");
  expect_error_redirect(authorize(code_request(web_, {{"response_mode", "fragment"}}), session),
                        "invalid_request");
}

TEST_F(AuthorizeTest, PromptNoneWithoutASessionIsLoginRequired) {
  expect_error_redirect(authorize(code_request(web_, {{"prompt", "none"}}), ""), "login_required");
  expect_error_redirect(authorize(code_request(web_, {{"prompt", "none"}}), "no-such-session"),
                        "login_required");
  // A session that has ended does not count.
  const std::string session = session_of(alice_);
  clock_.advance(kBrowserSessionLifetime);
  expect_error_redirect(authorize(code_request(web_, {{"prompt", "none"}}), session),
                        "login_required");
}

TEST_F(AuthorizeTest, PromptNoneCannotBeCombined) {
  expect_error_redirect(
      authorize(code_request(web_, {{"prompt", "none login"}}), session_of(alice_)),
      "invalid_request");
}

TEST_F(AuthorizeTest, SessionThatSatisfiesTheRequestGetsACodeWithStateAndIssuer) {
  const std::string session = session_of(alice_);
  for (const char* prompt : {"", "none", "consent"}) {
    SCOPED_TRACE(prompt);
    const BrowserOutcome outcome = authorize(code_request(web_, {{"prompt", prompt}}), session);
    ASSERT_EQ(outcome.kind, Kind::redirect) << outcome.text;
    EXPECT_EQ(address_of(outcome.location), kRedirectUri);
    const auto query = query_of(outcome.location);
    EXPECT_EQ(query.count("error"), 0u) << outcome.location;
    ASSERT_EQ(query.count("code"), 1u) << outcome.location;
    EXPECT_EQ(query.at("code").size(), 43u);
    EXPECT_EQ(query.at("state"), "state-123");
    EXPECT_EQ(query.at("iss"), kIssuer);
    EXPECT_FALSE(outcome.end_session);
  }
}

TEST_F(AuthorizeTest, CodeIsAddedToARedirectUriThatHasAQueryOfItsOwn) {
  NewClient wanted;
  wanted.name = "Tenant app";
  wanted.redirect_uris = {"https://rp.example/cb?tenant=blue"};
  const RegisteredClient tenant = add_client(wanted);
  const BrowserOutcome outcome = authorize(code_request(tenant), session_of(alice_));
  ASSERT_EQ(outcome.kind, Kind::redirect) << outcome.text;
  const auto query = query_of(outcome.location);
  EXPECT_EQ(query.at("tenant"), "blue");
  EXPECT_EQ(query.count("code"), 1u);
}

// OAuth 2.0 (RFC 6749 §4.1.2, Appendix B) puts the answer in the query as
// application/x-www-form-urlencoded, which a relying party decodes as such: a '+' there is a
// space. A state echoed back must reach the client as it was sent, whatever it holds (standard
// base64 is a common state, and has '+', '/' and '=').
TEST_F(AuthorizeTest, StateComesBackExactlyAsSentWhateverItHolds) {
  const std::string session = session_of(alice_);
  for (const std::string state : {"ab+cd/ef==", "a b&c=d", "100%", "é✓"}) {
    SCOPED_TRACE(state);
    const BrowserOutcome outcome = authorize(code_request(web_, {{"state", state}}), session);
    ASSERT_EQ(outcome.kind, Kind::redirect) << outcome.text;
    EXPECT_EQ(query_of(outcome.location)["state"], state) << outcome.location;
    const BrowserOutcome error =
        authorize(code_request(web_, {{"state", state}, {"response_type", "token"}}), session);
    EXPECT_EQ(query_of(error.location)["state"], state) << error.location;
  }
}

TEST_F(AuthorizeTest, WithoutASessionThePersonSignsInForTheApp) {
  const BrowserOutcome outcome = authorize(code_request(web_), "");
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  ASSERT_TRUE(outcome.page.has_value());
  EXPECT_FALSE(outcome.page->flow_id.empty());
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(outcome.page->flow.step));
  EXPECT_EQ(outcome.page->flow.app, "Web app");
  EXPECT_FALSE(outcome.page->flow.continuation.empty());
  EXPECT_FALSE(outcome.page->flow.mfa_demanded);
  EXPECT_TRUE(outcome.location.empty());
}

TEST_F(AuthorizeTest, LoginHintStartsAtThePasswordOfThatName) {
  const BrowserOutcome outcome =
      authorize(code_request(web_, {{"login_hint", "bob@example.com"}}), "");
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  const auto* password = std::get_if<step::EnterPassword>(&outcome.page->flow.step);
  ASSERT_NE(password, nullptr);
  EXPECT_EQ(password->upn, "bob@example.com");
  EXPECT_EQ(outcome.page->flow.app, "Web app");
  EXPECT_FALSE(outcome.page->flow.continuation.empty());
}

TEST_F(AuthorizeTest, PromptLoginSignsInAgainDespiteTheSession) {
  const BrowserOutcome outcome =
      authorize(code_request(web_, {{"prompt", "login"}}), session_of(alice_));
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  ASSERT_TRUE(outcome.page.has_value());
  // The same person: their name is known.
  const auto* password = std::get_if<step::EnterPassword>(&outcome.page->flow.step);
  ASSERT_NE(password, nullptr);
  EXPECT_EQ(password->upn, alice_.upn);
}

TEST_F(AuthorizeTest, SessionOlderThanMaxAgeSignsInAgain) {
  const std::string session = session_of(alice_);
  clock_.advance(std::chrono::seconds(301));
  EXPECT_EQ(authorize(code_request(web_, {{"max_age", "300"}}), session).kind, Kind::sign_in);
  EXPECT_EQ(authorize(code_request(web_, {{"max_age", "600"}}), session).kind, Kind::redirect);
  expect_error_redirect(
      authorize(code_request(web_, {{"max_age", "300"}, {"prompt", "none"}}), session),
      "login_required");
  for (const char* bad : {"-1", "ten", "", "1e3", "99999999999"}) {
    SCOPED_TRACE(bad);
    expect_error_redirect(authorize(code_request(web_, {{"max_age", bad}}), session),
                          "invalid_request");
  }
}

TEST_F(AuthorizeTest, AcrValuesAskingForMfaStepUpAPasswordSession) {
  const std::string password_session = session_of(alice_, "pwd");
  const BrowserOutcome outcome =
      authorize(code_request(web_, {{"acr_values", std::string(kAcrMfa)}}), password_session);
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  EXPECT_TRUE(outcome.page->flow.mfa_demanded);
  expect_error_redirect(
      authorize(code_request(web_, {{"acr_values", std::string(kAcrMfa)}, {"prompt", "none"}}),
                password_session),
      "interaction_required");
  // One of several values is enough to ask.
  EXPECT_EQ(authorize(code_request(web_, {{"acr_values", "urn:other " + std::string(kAcrMfa)}}),
                      password_session)
                .kind,
            Kind::sign_in);

  const std::string mfa_session = session_of(alice_, "pwd otp mfa");
  EXPECT_EQ(
      authorize(code_request(web_, {{"acr_values", std::string(kAcrMfa)}, {"prompt", "none"}}),
                mfa_session)
          .kind,
      Kind::redirect);
  // Asking for the password acr demands nothing more.
  EXPECT_EQ(
      authorize(code_request(web_, {{"acr_values", std::string(kAcrPassword)}}), password_session)
          .kind,
      Kind::redirect);
}

TEST_F(AuthorizeTest, EssentialMfaAcrInTheClaimsParameterStepsUpAPasswordSession) {
  const std::string essential =
      R"({"id_token":{"acr":{"essential":true,"values":["urn:tessera:acr:mfa"]}}})";
  const std::string password_session = session_of(alice_, "pwd");
  const BrowserOutcome outcome =
      authorize(code_request(web_, {{"claims", essential}}), password_session);
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  EXPECT_TRUE(outcome.page->flow.mfa_demanded);
  expect_error_redirect(
      authorize(code_request(web_, {{"claims", essential}, {"prompt", "none"}}), password_session),
      "interaction_required");
  EXPECT_EQ(authorize(code_request(web_, {{"claims", R"({"userinfo":{"acr":{"essential":true,)"
                                                     R"("value":"urn:tessera:acr:mfa"}}})"}}),
                      password_session)
                .kind,
            Kind::sign_in);
  // Voluntary, or not JSON: nothing is demanded.
  for (const char* relaxed :
       {R"({"id_token":{"acr":{"values":["urn:tessera:acr:mfa"]}}})",
        R"({"id_token":{"acr":{"essential":false,"values":["urn:tessera:acr:mfa"]}}})",
        "{not json"}) {
    SCOPED_TRACE(relaxed);
    EXPECT_EQ(authorize(code_request(web_, {{"claims", relaxed}}), password_session).kind,
              Kind::redirect);
  }
  EXPECT_EQ(authorize(code_request(web_, {{"claims", essential}, {"prompt", "none"}}),
                      session_of(alice_, "pwd otp mfa"))
                .kind,
            Kind::redirect);
}

TEST_F(AuthorizeTest, ParametersOverTheirBoundAreRefusedNotIgnored) {
  const std::string session = session_of(alice_, "pwd");
  // A nonce or an acr_values that silently vanished would be a request the app did not make.
  for (const char* name : {"nonce", "acr_values", "login_hint", "scope"}) {
    SCOPED_TRACE(name);
    expect_error_redirect(authorize(code_request(web_, {{name, std::string(2049, 'a')}}), session),
                          "invalid_request");
  }
  expect_error_redirect(authorize(code_request(web_, {{"state", std::string(2049, 's')}}), session),
                        "invalid_request", kRedirectUri, "");
  // Before the client is known nothing is sent to the app: a page says what was wrong.
  const BrowserOutcome long_id =
      authorize(code_request(web_, {{"client_id", std::string(3000, 'c')}}), session);
  EXPECT_EQ(long_id.kind, Kind::error_page);
  EXPECT_NE(long_id.text.find("too long (client_id)"), std::string::npos) << long_id.text;
  // claims has a bound of its own: an essential acr padded past 2048 characters still counts.
  const std::string padded =
      R"({"id_token":{"acr":{"essential":true,"values":["urn:tessera:acr:mfa"]}},)"
      R"("userinfo":{"name":{"essential":false,"pad":")" +
      std::string(2100, 'p') + R"("}}})";
  const BrowserOutcome stepped = authorize(code_request(web_, {{"claims", padded}}), session);
  ASSERT_EQ(stepped.kind, Kind::sign_in) << stepped.text << stepped.location;
  EXPECT_TRUE(stepped.page->flow.mfa_demanded);
  expect_error_redirect(
      authorize(code_request(web_, {{"claims", std::string(4097, '{')}}), session),
      "invalid_request");
}

TEST_F(AuthorizeTest, ClientThatRequiresMfaStepsUpAPasswordSession) {
  NewClient wanted;
  wanted.name = "Payroll";
  wanted.redirect_uris = {"https://payroll.example/callback"};
  wanted.require_mfa = true;
  const RegisteredClient payroll = add_client(wanted);
  const std::string password_session = session_of(alice_, "pwd");
  const BrowserOutcome outcome = authorize(code_request(payroll), password_session);
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  EXPECT_TRUE(outcome.page->flow.mfa_demanded);
  EXPECT_EQ(outcome.page->flow.app, "Payroll");
  expect_error_redirect(authorize(code_request(payroll, {{"prompt", "none"}}), password_session),
                        "interaction_required", "https://payroll.example/callback");
  EXPECT_EQ(authorize(code_request(payroll), session_of(alice_, "pwd otp mfa")).kind,
            Kind::redirect);
}

TEST_F(AuthorizeTest, FormPostModeAnswersWithAFormOfTheFields) {
  const BrowserOutcome outcome =
      authorize(code_request(web_, {{"response_mode", "form_post"}}), session_of(alice_));
  ASSERT_EQ(outcome.kind, Kind::form_post) << outcome.text;
  EXPECT_EQ(outcome.location, kRedirectUri);
  std::map<std::string, std::string> fields(outcome.fields.begin(), outcome.fields.end());
  EXPECT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields["code"].size(), 43u);
  EXPECT_EQ(fields["state"], "state-123");
  EXPECT_EQ(fields["iss"], kIssuer);
  // Errors go the same way.
  const BrowserOutcome error =
      authorize(code_request(web_, {{"response_mode", "form_post"}, {"prompt", "none"}}), "");
  ASSERT_EQ(error.kind, Kind::form_post);
  std::map<std::string, std::string> error_fields(error.fields.begin(), error.fields.end());
  EXPECT_EQ(error_fields["error"], "login_required");
  EXPECT_EQ(error_fields["state"], "state-123");
  EXPECT_EQ(error_fields.count("code"), 0u);
}

TEST_F(AuthorizeTest, ClientWithoutTheCodeGrantIsUnauthorized) {
  NewClient wanted;
  wanted.name = "Refresh only";
  wanted.redirect_uris = {"https://refresh-only.example/cb"};
  wanted.grants = {"refresh_token"};
  const RegisteredClient client = add_client(wanted);
  expect_error_redirect(authorize(code_request(client), session_of(alice_)), "unauthorized_client",
                        "https://refresh-only.example/cb");
}

TEST_F(AuthorizeTest, IdTokenHintNotOfThisProviderIsInvalidRequest) {
  auto stranger = SigningKey::generate(JwsAlg::es256);
  ASSERT_TRUE(stranger.ok());
  const std::string forged =
      *stranger->sign(boost::json::object{{"iss", kIssuer}, {"sub", alice_.id}});
  expect_error_redirect(
      authorize(code_request(web_, {{"id_token_hint", forged}}), session_of(alice_)),
      "invalid_request");
}

TEST_F(AuthorizeTest, IdTokenHintForAnotherPersonThanTheSessionsIsNotSatisfied) {
  const std::string bobs_hint = id_token_of(bob_);
  const std::string alices_session = session_of(alice_);
  expect_error_redirect(
      authorize(code_request(web_, {{"id_token_hint", bobs_hint}, {"prompt", "none"}}),
                alices_session),
      "login_required");
  EXPECT_EQ(
      authorize(code_request(web_, {{"id_token_hint", id_token_of(alice_)}, {"prompt", "none"}}),
                alices_session)
          .kind,
      Kind::redirect);
}

// The app says who it expects (OpenID Connect Core §3.1.2.1, id_token_hint); the browser's
// session is someone else's. The sign-in must be for the person the app named, not start at the
// password of the session's owner, which signs the wrong person in for the app.
TEST_F(AuthorizeTest, IdTokenHintForAnotherPersonSignsInThePersonItNames) {
  const std::string bobs_hint = id_token_of(bob_);
  const BrowserOutcome outcome =
      authorize(code_request(web_, {{"id_token_hint", bobs_hint}}), session_of(alice_));
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  const auto* password = std::get_if<step::EnterPassword>(&outcome.page->flow.step);
  ASSERT_NE(password, nullptr);
  EXPECT_EQ(password->upn, bob_.upn);
}

TEST_F(AuthorizeTest, IdTokenHintWithoutASessionStartsAtThatPersonsPassword) {
  const std::string bobs_hint = id_token_of(bob_);
  const BrowserOutcome outcome = authorize(code_request(web_, {{"id_token_hint", bobs_hint}}), "");
  ASSERT_EQ(outcome.kind, Kind::sign_in) << outcome.text;
  const auto* password = std::get_if<step::EnterPassword>(&outcome.page->flow.step);
  ASSERT_NE(password, nullptr);
  EXPECT_EQ(password->upn, bob_.upn);
}

TEST_F(AuthorizeTest, ResumeAfterTheSignInAnswersTheKeptRequest) {
  const BrowserOutcome started =
      authorize(code_request(web_, {{"response_mode", "query"}, {"state", "kept-state"}}), "");
  ASSERT_EQ(started.kind, Kind::sign_in);
  const std::string continuation = started.page->flow.continuation;
  clock_.advance(std::chrono::seconds(30));
  const std::string session = session_of(alice_, "pwd otp mfa");

  auto resumed = provider_->resume(continuation, session);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  ASSERT_EQ(resumed->kind, Kind::redirect) << resumed->text;
  EXPECT_EQ(address_of(resumed->location), kRedirectUri);
  const auto query = query_of(resumed->location);
  EXPECT_EQ(query.at("state"), "kept-state");
  EXPECT_EQ(query.at("iss"), kIssuer);
  const JsonOutcome tokens = exchange(web_, query.at("code"));
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  const boost::json::object id_token = claims_of(text_of(tokens.body, "id_token"));
  EXPECT_EQ(text_of(id_token, "sub"), alice_.id);
  EXPECT_EQ(text_of(id_token, "nonce"), "nonce-456");
  EXPECT_EQ(text_of(id_token, "acr"), kAcrMfa);
}

TEST_F(AuthorizeTest, ResumeRefusesWithoutASessionOrOnceTheClientIsGone) {
  const BrowserOutcome started = authorize(code_request(web_), "");
  ASSERT_EQ(started.kind, Kind::sign_in);
  const std::string continuation = started.page->flow.continuation;
  auto no_session = provider_->resume(continuation, "");
  ASSERT_TRUE(no_session.ok());
  expect_error_page(*no_session);
  auto garbage = provider_->resume("{not a request", session_of(alice_));
  ASSERT_TRUE(garbage.ok());
  expect_error_page(*garbage);
  ASSERT_TRUE(clients_->remove(web_.client.id, Actor::cli()).ok());
  auto gone = provider_->resume(continuation, session_of(alice_));
  ASSERT_TRUE(gone.ok());
  expect_error_page(*gone);
}

}  // namespace
}  // namespace tessera
