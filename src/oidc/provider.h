// The OpenID Connect provider's use cases (docs/oidc.md; OpenID Connect Core 1.0, RFC 6749, RFC
// 7636, RFC 7662, RFC 7009, RFC 9068, RP-Initiated Logout 1.0): the authorization endpoint's
// decision, the token endpoint's grants, userinfo, introspection, revocation and logout. The
// HTTP layer turns each outcome into a response; nothing here knows HTTP beyond status codes.
//
// A browser without a session that satisfies the request (none, prompt=login, older than
// max_age, without the MFA the app asks for) is sent through the ordinary sign-in pages: the
// request is kept, sealed, in the sign-in flow (SignInFlow::continuation) and resumed with the
// new session once signed in. Tokens say what the sign-in achieved (amr, acr), never what was
// asked. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "oidc/clients.h"
#include "oidc/key_ring.h"
#include "service/session_service.h"
#include "service/sign_in_service.h"
#include "storage/store.h"

namespace tessera {

// acr values (advertised in acr_values_supported): a password only, or a password and a second
// factor proven in the sign-in.
inline constexpr std::string_view kAcrPassword = "urn:tessera:acr:password";
inline constexpr std::string_view kAcrMfa = "urn:tessera:acr:mfa";

// How a sign-in flow's continuation (SignInFlow::continuation) marks an OIDC authorization.
inline constexpr std::string_view kOidcContinuation = "oidc:";

struct OidcSettings {
  std::string issuer;  // [server] public_url, no trailing slash
  std::chrono::seconds access_token_lifetime{600};
  std::chrono::seconds id_token_lifetime{600};
  std::chrono::seconds code_lifetime{60};
  std::chrono::seconds refresh_token_lifetime{std::chrono::hours(24 * 30)};
};

using OidcParams = std::map<std::string, std::string>;

// What the authorization and end-session endpoints answer.
struct BrowserOutcome {
  enum class Kind {
    error_page,  // an error shown here, never sent to an unverified redirect URI
    redirect,    // 302 to `location`
    form_post,   // an auto-submitting form of `fields` to `location` (response_mode=form_post)
    sign_in,     // the sign-in pages, with `sign_in` (the flow's cookie is in `page`)
    signed_out,  // "You have signed out" (logout without a registered place to return to)
    confirm_sign_out,  // "Sign out?" with a button (logout without a valid id_token_hint)
  } kind = Kind::error_page;
  std::string text;  // error_page: what went wrong, for a person
  std::string location;
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<SignInPage> page;  // sign_in
  bool end_session = false;        // the browser's session ended (clear its cookie)
  bool signing_out = false;        // error_page: of the app's sign-out (end_session()), not sign-in
};

// What the token, introspection and revocation endpoints answer: a JSON body and a status.
struct JsonOutcome {
  int status = 200;
  boost::json::object body;
  bool basic_challenge = false;  // 401 to a client that used the Authorization header
};

// What a Bearer access token proved (userinfo).
struct TokenOwner {
  std::string subject;
  std::string client_id;
  std::string scope;
};

class OidcProvider {
 public:
  OidcProvider(Store& store, KeyRing& keys, OidcClients& clients, SignInService& sign_in,
               SessionService& sessions, const Clock& clock, Rng& rng, OidcSettings settings)
      : store_(store),
        keys_(keys),
        clients_(clients),
        sign_in_(sign_in),
        sessions_(sessions),
        clock_(clock),
        rng_(rng),
        settings_(std::move(settings)) {}

  const OidcSettings& settings() const { return settings_; }
  boost::json::object discovery() const;
  Result<boost::json::object> jwks();

  // GET or POST /authorize. `session_token`: the browser's session cookie (may be empty).
  Result<BrowserOutcome> authorize(const OidcParams& params, std::string_view session_token,
                                   const SignInClient& client);
  // Once the sign-in that authorize() started is done: the code for its request (`continuation`
  // is the flow's, starting with kOidcContinuation).
  Result<BrowserOutcome> resume(std::string_view continuation, std::string_view session_token);

  // Where the authorization kept in a sign-in's `continuation` returns to (its redirect URI);
  // empty when it is not one.
  static std::string return_address(std::string_view continuation);

  // POST /token. `authorization`: the Authorization header, or empty.
  Result<JsonOutcome> token(const OidcParams& form, std::string_view authorization);
  // POST /introspect (RFC 7662) and /revoke (RFC 7009).
  Result<JsonOutcome> introspect(const OidcParams& form, std::string_view authorization);
  Result<JsonOutcome> revoke(const OidcParams& form, std::string_view authorization);
  // GET or POST /userinfo with the access token; unauthenticated when it proves nothing.
  Result<boost::json::object> userinfo(std::string_view access_token);

  // GET or POST /logout. `confirmed`: the person pressed "Sign out" (a POST with CSRF checked by
  // the caller).
  Result<BrowserOutcome> end_session(const OidcParams& params, std::string_view session_token,
                                     bool confirmed);

 private:
  struct Request;  // a checked authorization request
  Result<BrowserOutcome> issue_code(const Request& request, const OidcClient& client,
                                    const SessionRecord& session, const User& user);
  BrowserOutcome answer(const Request& request,
                        std::vector<std::pair<std::string, std::string>> fields) const;
  BrowserOutcome error_answer(const Request& request, std::string_view error,
                              std::string_view description) const;
  // The tokens of `grant`; a new refresh token is stored in `tx`.
  Result<JsonOutcome> grant_tokens(Store& tx, const OidcClient& client, const OidcGrant& grant,
                                   bool with_nonce);
  Result<std::string> access_token(const std::string& client_id, const std::string& subject,
                                   const std::string& scope, const OidcGrant* grant, Timestamp now);
  // The claims of an ID token this provider signed (expired or not), naming a subject; nullopt
  // for anything else (an access token included).
  std::optional<boost::json::object> id_token_claims(std::string_view token);
  // The claims of an access token this provider issued that is live; unauthenticated otherwise.
  Result<boost::json::object> live_access_token(std::string_view token);
  // The client a token-endpoint-style request authenticates as, or the JSON error to answer.
  Result<std::variant<OidcClient, JsonOutcome>> authenticated_client(
      const OidcParams& form, std::string_view authorization);
  // The grant if it still stands: not revoked or expired, its user active and unchanged.
  Result<std::optional<OidcGrant>> standing_grant(Store& store, const std::string& grant_id,
                                                  Timestamp now);

  Store& store_;
  KeyRing& keys_;
  OidcClients& clients_;
  SignInService& sign_in_;
  SessionService& sessions_;
  const Clock& clock_;
  Rng& rng_;
  const OidcSettings settings_;
};

// RFC 8176 values of a session's sign-in as a list ("pwd" for a session older than them).
std::vector<std::string> amr_list(std::string_view amr);
std::string_view acr_of(std::string_view amr);

}  // namespace tessera
