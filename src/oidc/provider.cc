#include "oidc/provider.h"

#include <algorithm>
#include <charconv>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/ct_equal.h"
#include "base/ids.h"
#include "crypto/hmac.h"
#include "crypto/token.h"
#include "oidc/base64url.h"
#include "oidc/web_address.h"

namespace tessera {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxParamLength = 2048;
constexpr std::size_t kMaxClaimsLength = 4096;

constexpr std::size_t kMaxTokenParamLength = 8192;  // an ID token given back (id_token_hint)

std::size_t bound_of(std::string_view name) {
  if (name == "claims") return kMaxClaimsLength;
  if (name == "id_token_hint") return kMaxTokenParamLength;
  return kMaxParamLength;
}

// The value of a parameter, empty when missing or over its bound (which authorize() refuses
// outright; see oversized()).
std::string param(const OidcParams& params, std::string_view name) {
  const auto it = params.find(std::string(name));
  if (it == params.end() || it->second.size() > bound_of(name)) return "";
  return it->second;
}

// The name of a parameter longer than it may be (shortened for a message), or empty.
std::string oversized(const OidcParams& params) {
  for (const auto& [name, value] : params) {
    if (value.size() > bound_of(name)) return name.substr(0, 40);
  }
  return "";
}

bool has(const OidcParams& params, std::string_view name) {
  return params.find(std::string(name)) != params.end();
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    if (space != 0) out.emplace_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The scopes this provider knows, in a canonical order; others are ignored (RFC 6749 §3.3 lets
// the server grant fewer than asked, and the token response says which).
std::string granted_scope(std::string_view asked) {
  const std::vector<std::string> wanted = words(asked);
  std::string out;
  for (std::string_view known : {"openid", "profile", "email", "offline_access"}) {
    if (!contains(wanted, known)) continue;
    if (!out.empty()) out += " ";
    out += known;
  }
  return out;
}

bool unreserved_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
  });
}

// RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.
bool verifier_matches(std::string_view verifier, std::string_view challenge) {
  if (verifier.size() < 43 || verifier.size() > 128 || !unreserved_text(verifier)) return false;
  const auto digest = sha256(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(verifier.data()), verifier.size()));
  const std::string computed = base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  return ct_equal(computed, challenge);
}

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty() || text.size() > 10) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Whether a `claims` request parameter asks for the MFA acr as essential (OpenID Connect Core
// §5.5.1.1), for the ID token or userinfo.
bool claims_ask_mfa(std::string_view claims) {
  if (claims.empty() || claims.size() > kMaxClaimsLength) return false;
  boost::system::error_code error;
  const json::value parsed = json::parse(claims, error);
  if (error || !parsed.is_object()) return false;
  for (std::string_view where : {"id_token", "userinfo"}) {
    const json::value* section = parsed.as_object().if_contains(where);
    if (section == nullptr || !section->is_object()) continue;
    const json::value* acr = section->as_object().if_contains("acr");
    if (acr == nullptr || !acr->is_object()) continue;
    const json::object& spec = acr->as_object();
    const json::value* essential = spec.if_contains("essential");
    if (essential == nullptr || !essential->is_bool() || !essential->as_bool()) continue;
    if (const json::value* value = spec.if_contains("value");
        value != nullptr && value->is_string() && value->as_string() == kAcrMfa) {
      return true;
    }
    if (const json::value* values = spec.if_contains("values");
        values != nullptr && values->is_array()) {
      for (const json::value& v : values->as_array()) {
        if (v.is_string() && v.as_string() == kAcrMfa) return true;
      }
    }
  }
  return false;
}

json::array amr_array(std::string_view amr) {
  json::array out;
  for (const std::string& value : amr_list(amr))
    out.emplace_back(value);
  return out;
}

Timestamp seconds_after(Timestamp at, std::chrono::seconds lifetime) {
  return at + lifetime;
}

JsonOutcome json_error(int status, std::string_view error, std::string_view description) {
  JsonOutcome out;
  out.status = status;
  out.body["error"] = error;
  if (!description.empty()) out.body["error_description"] = description;
  return out;
}

}  // namespace

std::vector<std::string> amr_list(std::string_view amr) {
  std::vector<std::string> out = words(amr);
  if (out.empty()) out.emplace_back("pwd");
  return out;
}

std::string_view acr_of(std::string_view amr) {
  return contains(words(amr), "mfa") ? kAcrMfa : kAcrPassword;
}

// A checked authorization request; also what the sign-in flow keeps (as JSON) to resume it.
struct OidcProvider::Request {
  std::string client_id;
  std::string redirect_uri;
  std::string scope;
  std::string state;
  std::string nonce;
  std::string code_challenge;
  bool form_post = false;
  bool max_age_sent = false;

  std::string serialise() const {
    json::object object{{"client_id", client_id}, {"redirect_uri", redirect_uri},
                        {"scope", scope},         {"state", state},
                        {"nonce", nonce},         {"code_challenge", code_challenge},
                        {"form_post", form_post}, {"max_age_sent", max_age_sent}};
    return json::serialize(object);
  }
  static std::optional<Request> parse(std::string_view text) {
    boost::system::error_code error;
    const json::value parsed = json::parse(text, error);
    if (error || !parsed.is_object()) return std::nullopt;
    const json::object& object = parsed.as_object();
    auto string_of = [&](std::string_view key) -> std::string {
      const json::value* v = object.if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    auto flag = [&](std::string_view key) {
      const json::value* v = object.if_contains(key);
      return v != nullptr && v->is_bool() && v->as_bool();
    };
    Request request;
    request.client_id = string_of("client_id");
    request.redirect_uri = string_of("redirect_uri");
    request.scope = string_of("scope");
    request.state = string_of("state");
    request.nonce = string_of("nonce");
    request.code_challenge = string_of("code_challenge");
    request.form_post = flag("form_post");
    request.max_age_sent = flag("max_age_sent");
    if (request.client_id.empty() || request.redirect_uri.empty()) return std::nullopt;
    return request;
  }
};

json::object OidcProvider::discovery() const {
  const std::string& issuer = settings_.issuer;
  return json::object{
      {"issuer", issuer},
      {"authorization_endpoint", issuer + "/authorize"},
      {"token_endpoint", issuer + "/token"},
      {"userinfo_endpoint", issuer + "/userinfo"},
      {"jwks_uri", issuer + "/jwks"},
      {"introspection_endpoint", issuer + "/introspect"},
      {"revocation_endpoint", issuer + "/revoke"},
      {"end_session_endpoint", issuer + "/logout"},
      {"scopes_supported", json::array{"openid", "profile", "email", "offline_access"}},
      {"response_types_supported", json::array{"code"}},
      {"response_modes_supported", json::array{"query", "form_post"}},
      {"grant_types_supported",
       json::array{kGrantAuthorizationCode, kGrantRefreshToken, kGrantClientCredentials}},
      {"subject_types_supported", json::array{"public"}},
      {"id_token_signing_alg_values_supported", json::array{"ES256", "RS256"}},
      {"token_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post", "none"}},
      {"introspection_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post"}},
      {"revocation_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post", "none"}},
      {"code_challenge_methods_supported", json::array{"S256"}},
      {"claims_supported", json::array{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce",
                                       "acr", "amr", "name", "preferred_username", "email"}},
      {"claims_parameter_supported", true},
      {"acr_values_supported", json::array{kAcrPassword, kAcrMfa}},
      {"prompt_values_supported", json::array{"none", "login"}},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      {"authorization_response_iss_parameter_supported", true},
  };
}

Result<json::object> OidcProvider::jwks() {
  TESSERA_RETURN_IF_ERROR(keys_.rotate_if_due());
  return keys_.jwks();
}

BrowserOutcome OidcProvider::answer(const Request& request,
                                    std::vector<std::pair<std::string, std::string>> fields) const {
  if (!request.state.empty()) fields.emplace_back("state", request.state);
  // RFC 9207: the issuer comes with the answer, so a client talking to several cannot be fooled.
  fields.emplace_back("iss", settings_.issuer);
  BrowserOutcome out;
  if (request.form_post) {
    out.kind = BrowserOutcome::Kind::form_post;
    out.location = request.redirect_uri;
    out.fields = std::move(fields);
    return out;
  }
  out.kind = BrowserOutcome::Kind::redirect;
  out.location = with_query(request.redirect_uri, fields);
  return out;
}

BrowserOutcome OidcProvider::error_answer(const Request& request, std::string_view error,
                                          std::string_view description) const {
  std::vector<std::pair<std::string, std::string>> fields{{"error", std::string(error)}};
  if (!description.empty()) fields.emplace_back("error_description", std::string(description));
  return answer(request, std::move(fields));
}

Result<BrowserOutcome> OidcProvider::authorize(const OidcParams& params,
                                               std::string_view session_token,
                                               const SignInClient& browser) {
  // Keys are rotated on the way in, outside any transaction (tokens are signed inside them).
  TESSERA_RETURN_IF_ERROR(keys_.rotate_if_due());
  BrowserOutcome page;
  page.kind = BrowserOutcome::Kind::error_page;
  // Until the client and its redirect URI are known to match, nothing is sent anywhere.
  const std::string too_long = oversized(params);
  if (too_long == "client_id" || too_long == "redirect_uri") {
    page.text = "The app's sign-in request is too long (" + too_long + ").";
    return page;
  }
  const std::string client_id = param(params, "client_id");
  if (client_id.empty()) {
    page.text = "The app's sign-in request is missing its client_id.";
    return page;
  }
  auto client = clients_.find(client_id);
  if (!client.ok()) {
    if (client.status().code() != ErrorCode::not_found) return client.status();
    page.text = "The app that sent you here is not registered with this sign-in service.";
    return page;
  }
  Request request;
  request.client_id = client->id;
  request.redirect_uri = param(params, "redirect_uri");
  if (request.redirect_uri.empty() || !contains(client->redirect_uris, request.redirect_uri)) {
    page.text =
        "The app asked to return to an address that is not registered for it "
        "(redirect_uri). Nothing was sent to it.";
    return page;
  }
  request.state = param(params, "state");
  const std::string mode = param(params, "response_mode");
  request.form_post = mode == "form_post";
  if (!too_long.empty()) {
    return error_answer(
        request, "invalid_request",
        too_long + " is longer than " + std::to_string(bound_of(too_long)) + " characters");
  }
  if (!mode.empty() && mode != "query" && mode != "form_post") {
    return error_answer(request, "invalid_request", "response_mode must be query or form_post");
  }
  if (has(params, "request")) {
    return error_answer(request, "request_not_supported", "request objects are not supported");
  }
  if (has(params, "request_uri")) {
    return error_answer(request, "request_uri_not_supported", "request_uri is not supported");
  }
  const std::string response_type = param(params, "response_type");
  if (response_type.empty()) {
    return error_answer(request, "invalid_request", "response_type is missing");
  }
  if (response_type != "code") {
    return error_answer(request, "unsupported_response_type", "only response_type=code");
  }
  if (!has_grant(*client, kGrantAuthorizationCode)) {
    return error_answer(request, "unauthorized_client", "this client may not use the code flow");
  }
  request.scope = granted_scope(param(params, "scope"));
  request.nonce = param(params, "nonce");
  request.code_challenge = param(params, "code_challenge");
  const std::string challenge_method = param(params, "code_challenge_method");
  if (!request.code_challenge.empty()) {
    if (challenge_method != "S256") {
      return error_answer(request, "invalid_request", "code_challenge_method must be S256");
    }
    if (request.code_challenge.size() != 43 || !unreserved_text(request.code_challenge)) {
      return error_answer(request, "invalid_request", "code_challenge is not an S256 challenge");
    }
  } else if (client->is_public()) {
    return error_answer(request, "invalid_request",
                        "a public client must send a PKCE code_challenge");
  }
  const std::vector<std::string> prompt = words(param(params, "prompt"));
  const bool prompt_none = contains(prompt, "none");
  const bool prompt_login = contains(prompt, "login");
  if (prompt_none && prompt.size() > 1) {
    return error_answer(request, "invalid_request", "prompt=none cannot be combined");
  }
  std::optional<std::int64_t> max_age;
  if (has(params, "max_age")) {
    max_age = whole_number(param(params, "max_age"));
    if (!max_age) return error_answer(request, "invalid_request", "max_age must be a whole number");
    request.max_age_sent = true;
  }
  const bool mfa_asked = client->require_mfa ||
                         contains(words(param(params, "acr_values")), kAcrMfa) ||
                         claims_ask_mfa(param(params, "claims"));
  std::string login_hint = param(params, "login_hint");

  // Who the id_token_hint names (signature checked; it may have expired).
  std::string hinted_subject;
  if (const std::string hint = param(params, "id_token_hint"); !hint.empty()) {
    const std::optional<json::object> claims = id_token_claims(hint);
    if (!claims)
      return error_answer(request, "invalid_request", "id_token_hint is not one of ours");
    hinted_subject = std::string(claims->at("sub").as_string());
  }

  // Does the browser's session do?
  const Timestamp now = clock_.now();
  std::optional<SessionRecord> session;
  std::optional<User> user;
  if (!session_token.empty()) {
    auto found = sessions_.find(session_token);
    if (found.ok()) {
      auto owner = sessions_.user_of(*found);
      if (owner.ok()) {
        session = std::move(found).value();
        user = std::move(owner).value();
      } else if (owner.status().code() != ErrorCode::unauthenticated &&
                 owner.status().code() != ErrorCode::not_found) {
        return owner.status();
      }
    } else if (found.status().code() != ErrorCode::unauthenticated &&
               found.status().code() != ErrorCode::not_found) {
      return found.status();
    }
  }
  bool satisfies = session.has_value() && !prompt_login;
  bool lacks_mfa = false;
  if (satisfies && max_age && now - session->created_at > std::chrono::seconds(*max_age)) {
    satisfies = false;
  }
  if (satisfies && !hinted_subject.empty() && hinted_subject != user->id) satisfies = false;
  if (satisfies && mfa_asked && acr_of(session->amr) != kAcrMfa) {
    satisfies = false;
    lacks_mfa = true;
  }
  if (satisfies) return issue_code(request, *client, *session, *user);
  if (prompt_none) {
    return error_answer(
        request, lacks_mfa ? "interaction_required" : "login_required",
        lacks_mfa ? "the app asks for MFA, which needs the person" : "the person is not signed in");
  }
  // The person the app names signs in: the id_token_hint's, else the session's own.
  if (login_hint.empty() && !hinted_subject.empty() && (!user || user->id != hinted_subject)) {
    if (auto hinted = store_.find_user_by_id(hinted_subject); hinted.ok()) login_hint = hinted->upn;
  }
  if (login_hint.empty() && user) login_hint = user->upn;
  AppSignIn app{std::string(kOidcContinuation) + request.serialise(), client->name, mfa_asked,
                std::move(login_hint)};
  SignInClient signing_in = browser;
  signing_in.app = client->name;
  TESSERA_ASSIGN_OR_RETURN(SignInPage started, sign_in_.start_for_app(app, signing_in));
  BrowserOutcome out;
  out.kind = BrowserOutcome::Kind::sign_in;
  out.page = std::move(started);
  return out;
}

std::string OidcProvider::return_address(std::string_view continuation) {
  if (!continuation.starts_with(kOidcContinuation)) return "";
  const std::optional<Request> request =
      Request::parse(continuation.substr(kOidcContinuation.size()));
  return request ? request->redirect_uri : std::string();
}

std::optional<json::object> OidcProvider::id_token_claims(std::string_view token) {
  auto verified = keys_.verify(token);
  if (!verified.ok()) return std::nullopt;
  // An ID token, not an access token (which a resource server holds, and must not sign anyone
  // out with).
  const json::value* typ = verified->header.if_contains("typ");
  if (typ != nullptr && (!typ->is_string() || typ->as_string() != "JWT")) return std::nullopt;
  const json::value* iss = verified->claims.if_contains("iss");
  const json::value* sub = verified->claims.if_contains("sub");
  if (iss == nullptr || !iss->is_string() || iss->as_string() != settings_.issuer ||
      sub == nullptr || !sub->is_string()) {
    return std::nullopt;
  }
  return std::move(verified->claims);
}

Result<BrowserOutcome> OidcProvider::resume(std::string_view continuation,
                                            std::string_view session_token) {
  BrowserOutcome page;
  page.kind = BrowserOutcome::Kind::error_page;
  page.text = "The app's sign-in request could not be completed. Go back to the app and try again.";
  if (continuation.substr(0, kOidcContinuation.size()) != kOidcContinuation) return page;
  const std::optional<Request> request =
      Request::parse(continuation.substr(kOidcContinuation.size()));
  if (!request) return page;
  auto client = clients_.find(request->client_id);
  // The client may have been deleted, or its redirect URI removed, during the sign-in.
  if (!client.ok() || !contains(client->redirect_uris, request->redirect_uri)) return page;
  auto session = sessions_.find(session_token);
  if (!session.ok()) return page;
  auto user = sessions_.user_of(*session);
  if (!user.ok()) return page;
  return issue_code(*request, *client, *session, *user);
}

Result<BrowserOutcome> OidcProvider::issue_code(const Request& request, const OidcClient& client,
                                                const SessionRecord& session, const User& user) {
  const Timestamp now = clock_.now();
  OidcGrant grant;
  grant.id = new_id(rng_);
  grant.client_id = client.id;
  grant.user_id = user.id;
  grant.scope = request.scope;
  grant.amr = session.amr.empty() ? "pwd" : session.amr;
  grant.acr = std::string(acr_of(grant.amr));
  grant.auth_time = session.created_at;
  grant.nonce = request.nonce;
  grant.security_version = user.security_version;
  grant.session_hash = session.token_hash;
  grant.created_at = now;
  grant.expires_at = seconds_after(now, settings_.refresh_token_lifetime);
  IssuedToken code = issue_token(rng_);
  OidcCode stored{code.token_hash,      grant.id,
                  request.redirect_uri, request.code_challenge,
                  request.max_age_sent, seconds_after(now, settings_.code_lifetime),
                  std::nullopt};
  TESSERA_RETURN_IF_ERROR(store_.add_oidc_grant(grant, stored));
  return answer(request, {{"code", std::string(code.token.view())}});
}

Result<std::variant<OidcClient, JsonOutcome>> OidcProvider::authenticated_client(
    const OidcParams& form, std::string_view authorization) {
  using Answer = std::variant<OidcClient, JsonOutcome>;
  std::optional<std::string_view> form_id;
  std::optional<std::string_view> form_secret;
  if (auto it = form.find("client_id"); it != form.end()) form_id = it->second;
  if (auto it = form.find("client_secret"); it != form.end()) form_secret = it->second;
  auto credentials = client_credentials_of(authorization, form_id, form_secret);
  if (!credentials.ok()) {
    JsonOutcome out = json_error(401, "invalid_client", credentials.status().message());
    if (credentials.status().code() == ErrorCode::invalid_argument) out.status = 400;
    if (credentials.status().code() == ErrorCode::invalid_argument && !authorization.empty()) {
      out.status = 401;
      out.basic_challenge = true;
    }
    if (credentials.status().code() == ErrorCode::not_found) out.status = 401;
    return Answer(std::move(out));
  }
  auto client = clients_.authenticate(*credentials);
  if (!client.ok()) {
    if (client.status().code() != ErrorCode::unauthenticated) return client.status();
    JsonOutcome out = json_error(401, "invalid_client", "client authentication failed");
    out.basic_challenge = credentials->from_header;
    return Answer(std::move(out));
  }
  return Answer(std::move(client).value());
}

Result<std::optional<OidcGrant>> OidcProvider::standing_grant(Store& store,
                                                              const std::string& grant_id,
                                                              Timestamp now) {
  auto grant = store.find_oidc_grant(grant_id);
  if (!grant.ok()) {
    if (grant.status().code() == ErrorCode::not_found) return std::optional<OidcGrant>();
    return grant.status();
  }
  if (grant->revoked_at || grant->expires_at <= now) return std::optional<OidcGrant>();
  auto user = store.find_user_by_id(grant->user_id);
  if (!user.ok()) {
    if (user.status().code() == ErrorCode::not_found) return std::optional<OidcGrant>();
    return user.status();
  }
  // A password change, a block or an admin's MFA change ends what the sign-in granted.
  if (user->status != UserStatus::active || user->security_version != grant->security_version) {
    return std::optional<OidcGrant>();
  }
  return std::optional<OidcGrant>(std::move(grant).value());
}

Result<std::string> OidcProvider::access_token(const std::string& client_id,
                                               const std::string& subject, const std::string& scope,
                                               const OidcGrant* grant, Timestamp now) {
  json::object claims{{"iss", settings_.issuer},
                      {"sub", subject},
                      {"aud", client_id},
                      {"client_id", client_id},
                      {"iat", to_unix_seconds(now)},
                      {"exp", to_unix_seconds(seconds_after(now, settings_.access_token_lifetime))},
                      {"jti", new_id(rng_)}};
  if (!scope.empty()) claims["scope"] = scope;
  if (grant != nullptr) {
    claims["auth_time"] = to_unix_seconds(grant->auth_time);
    claims["acr"] = grant->acr;
    claims["amr"] = amr_array(grant->amr);
    claims["gid"] = grant->id;  // the grant: revoking it ends this token too
  }
  return keys_.sign(JwsAlg::es256, claims, "at+jwt");
}

Result<JsonOutcome> OidcProvider::grant_tokens(Store& tx, const OidcClient& client,
                                               const OidcGrant& grant, bool with_nonce) {
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(User user, tx.find_user_by_id(grant.user_id));
  JsonOutcome out;
  TESSERA_ASSIGN_OR_RETURN(std::string access,
                           access_token(client.id, user.id, grant.scope, &grant, now));
  out.body["access_token"] = access;
  out.body["token_type"] = "Bearer";
  out.body["expires_in"] = settings_.access_token_lifetime.count();
  if (!grant.scope.empty()) out.body["scope"] = grant.scope;
  const std::vector<std::string> scopes = words(grant.scope);
  if (contains(scopes, "openid")) {
    json::object claims{{"iss", settings_.issuer},
                        {"sub", user.id},
                        {"aud", client.id},
                        {"iat", to_unix_seconds(now)},
                        {"exp", to_unix_seconds(seconds_after(now, settings_.id_token_lifetime))},
                        {"auth_time", to_unix_seconds(grant.auth_time)},
                        {"acr", grant.acr},
                        {"amr", amr_array(grant.amr)}};
    if (with_nonce && !grant.nonce.empty()) claims["nonce"] = grant.nonce;
    if (contains(scopes, "profile")) {
      claims["name"] = user.display_name;
      claims["preferred_username"] = user.upn;
    }
    if (contains(scopes, "email")) claims["email"] = user.upn;
    const JwsAlg alg = jws_alg_from(client.id_token_alg).value_or(JwsAlg::es256);
    TESSERA_ASSIGN_OR_RETURN(std::string id_token, keys_.sign(alg, claims));
    out.body["id_token"] = id_token;
  }
  if (has_grant(client, kGrantRefreshToken)) {
    IssuedToken refresh = issue_token(rng_);
    TESSERA_RETURN_IF_ERROR(tx.add_refresh_token(
        OidcRefreshToken{refresh.token_hash, grant.id, now, grant.expires_at, std::nullopt}));
    out.body["refresh_token"] = std::string(refresh.token.view());
  }
  return out;
}

Result<JsonOutcome> OidcProvider::token(const OidcParams& form, std::string_view authorization) {
  TESSERA_RETURN_IF_ERROR(keys_.rotate_if_due());
  TESSERA_ASSIGN_OR_RETURN(auto authenticated, authenticated_client(form, authorization));
  if (auto* refusal = std::get_if<JsonOutcome>(&authenticated)) return std::move(*refusal);
  const OidcClient& client = std::get<OidcClient>(authenticated);
  const std::string grant_type = param(form, "grant_type");
  const Timestamp now = clock_.now();
  if (grant_type.empty()) return json_error(400, "invalid_request", "grant_type is missing");
  if (grant_type != kGrantAuthorizationCode && grant_type != kGrantRefreshToken &&
      grant_type != kGrantClientCredentials) {
    return json_error(400, "unsupported_grant_type", "");
  }
  if (!has_grant(client, grant_type)) {
    return json_error(400, "unauthorized_client", "this client may not use " + grant_type);
  }

  if (grant_type == kGrantClientCredentials) {
    if (client.is_public()) return json_error(400, "unauthorized_client", "");
    // No person signs in here: none of the scopes this provider knows (all about a person)
    // applies, so none is granted.
    const std::string scope;
    JsonOutcome out;
    TESSERA_ASSIGN_OR_RETURN(std::string access,
                             access_token(client.id, client.id, scope, nullptr, now));
    out.body["access_token"] = access;
    out.body["token_type"] = "Bearer";
    out.body["expires_in"] = settings_.access_token_lifetime.count();
    if (!scope.empty()) out.body["scope"] = scope;
    return out;
  }

  if (grant_type == kGrantAuthorizationCode) {
    const std::string code = param(form, "code");
    if (code.empty()) return json_error(400, "invalid_request", "code is missing");
    const std::string redirect_uri = param(form, "redirect_uri");
    // The redemption and what it issues commit together (a code is never spent for nothing).
    JsonOutcome out;
    TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
      OidcCode found;
      TESSERA_ASSIGN_OR_RETURN(Redemption redeemed,
                               tx.redeem_oidc_code(hash_token(code), now, found));
      if (redeemed == Redemption::already_used) {
        // RFC 6749 §4.1.2: a code used twice revokes what its first use issued.
        TESSERA_RETURN_IF_ERROR(tx.revoke_oidc_grant(found.grant_id, now));
        out = json_error(400, "invalid_grant", "the code was already used");
        return Status();
      }
      if (redeemed != Redemption::redeemed) {
        out = json_error(400, "invalid_grant", "the code is unknown or expired");
        return Status();
      }
      // Refused from here on, the code stays spent: whoever holds it is not its client.
      TESSERA_ASSIGN_OR_RETURN(std::optional<OidcGrant> grant,
                               standing_grant(tx, found.grant_id, now));
      if (!grant || grant->client_id != client.id) {
        out = json_error(400, "invalid_grant", "the code was not issued to this client");
        return Status();
      }
      if (redirect_uri != found.redirect_uri) {
        out = json_error(400, "invalid_grant", "redirect_uri differs from the authorization's");
        return Status();
      }
      const std::string verifier = param(form, "code_verifier");
      if (!found.code_challenge.empty() && !verifier_matches(verifier, found.code_challenge)) {
        out = json_error(400, "invalid_grant", "the PKCE code_verifier does not match");
        return Status();
      }
      if (found.code_challenge.empty() && !verifier.empty()) {
        out = json_error(400, "invalid_grant", "no code_challenge was sent for this code");
        return Status();
      }
      TESSERA_ASSIGN_OR_RETURN(out, grant_tokens(tx, client, *grant, true));
      return Status();
    }));
    return out;
  }

  // refresh_token: rotated at every use; a rotated one presented again revokes the family.
  const std::string presented = param(form, "refresh_token");
  if (presented.empty()) return json_error(400, "invalid_request", "refresh_token is missing");
  const std::string token_hash = hash_token(presented);
  TESSERA_ASSIGN_OR_RETURN(std::optional<OidcRefreshToken> stored,
                           store_.find_refresh_token(token_hash));
  if (!stored) return json_error(400, "invalid_grant", "the refresh token is unknown");
  auto owner = store_.find_oidc_grant(stored->grant_id);
  if (!owner.ok() && owner.status().code() != ErrorCode::not_found) return owner.status();
  // Another client's token is refused before it is touched, so it cannot be burnt by it.
  if (!owner.ok() || owner->client_id != client.id) {
    return json_error(400, "invalid_grant", "the refresh token was not issued to this client");
  }
  // The old token is spent and the new one stored together: a failure loses neither.
  JsonOutcome out;
  TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
    OidcRefreshToken used;
    TESSERA_ASSIGN_OR_RETURN(Redemption redeemed, tx.redeem_refresh_token(token_hash, now, used));
    if (redeemed == Redemption::already_used) {
      TESSERA_RETURN_IF_ERROR(tx.revoke_oidc_grant(stored->grant_id, now));
      out = json_error(400, "invalid_grant", "the refresh token was already used");
      return Status();
    }
    if (redeemed != Redemption::redeemed) {
      out = json_error(400, "invalid_grant", "the refresh token has expired");
      return Status();
    }
    TESSERA_ASSIGN_OR_RETURN(std::optional<OidcGrant> grant,
                             standing_grant(tx, stored->grant_id, now));
    if (!grant) {
      out = json_error(400, "invalid_grant", "the grant was revoked or has ended");
      return Status();
    }
    TESSERA_ASSIGN_OR_RETURN(out, grant_tokens(tx, client, *grant, false));
    return Status();
  }));
  return out;
}

Result<json::object> OidcProvider::live_access_token(std::string_view token) {
  auto verified = keys_.verify(token);
  if (!verified.ok()) {
    if (verified.status().code() == ErrorCode::invalid_argument ||
        verified.status().code() == ErrorCode::unauthenticated) {
      return unauthenticated("not a token of this provider");
    }
    return verified.status();
  }
  const json::value* typ = verified->header.if_contains("typ");
  if (typ == nullptr || !typ->is_string() || typ->as_string() != "at+jwt") {
    return unauthenticated("not an access token");
  }
  json::object& claims = verified->claims;
  const json::value* iss = claims.if_contains("iss");
  const json::value* exp = claims.if_contains("exp");
  const json::value* jti = claims.if_contains("jti");
  if (iss == nullptr || !iss->is_string() || iss->as_string() != settings_.issuer ||
      exp == nullptr || !exp->is_int64() || jti == nullptr || !jti->is_string()) {
    return unauthenticated("not an access token of this provider");
  }
  if (exp->as_int64() <= to_unix_seconds(clock_.now())) return unauthenticated("expired");
  TESSERA_ASSIGN_OR_RETURN(bool revoked,
                           store_.access_token_revoked(std::string(jti->as_string())));
  if (revoked) return unauthenticated("revoked");
  if (const json::value* gid = claims.if_contains("gid"); gid == nullptr) {
    // A client's own token (client_credentials) ends with its client.
    const json::value* owner = claims.if_contains("client_id");
    if (owner == nullptr || !owner->is_string()) return unauthenticated("malformed");
    auto client = clients_.find(owner->as_string());
    if (!client.ok()) {
      if (client.status().code() == ErrorCode::not_found) return unauthenticated("no client");
      return client.status();
    }
  } else {
    if (!gid->is_string()) return unauthenticated("malformed");
    TESSERA_ASSIGN_OR_RETURN(std::optional<OidcGrant> grant,
                             standing_grant(store_, std::string(gid->as_string()), clock_.now()));
    if (!grant) return unauthenticated("the grant was revoked or has ended");
  }
  return std::move(claims);
}

Result<json::object> OidcProvider::userinfo(std::string_view access_token) {
  TESSERA_RETURN_IF_ERROR(keys_.rotate_if_due());
  TESSERA_ASSIGN_OR_RETURN(json::object claims, live_access_token(access_token));
  const json::value* gid = claims.if_contains("gid");
  const json::value* scope = claims.if_contains("scope");
  const std::vector<std::string> scopes = scope != nullptr && scope->is_string()
                                              ? words(scope->as_string())
                                              : std::vector<std::string>();
  // Only a person's token, with openid, has userinfo.
  if (gid == nullptr || !contains(scopes, "openid")) {
    return unauthenticated("the token does not grant userinfo");
  }
  const std::string subject(claims.at("sub").as_string());
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(subject));
  json::object info{{"sub", user.id}};
  if (contains(scopes, "profile")) {
    info["name"] = user.display_name;
    info["preferred_username"] = user.upn;
  }
  if (contains(scopes, "email")) info["email"] = user.upn;
  return info;
}

Result<JsonOutcome> OidcProvider::introspect(const OidcParams& form,
                                             std::string_view authorization) {
  TESSERA_RETURN_IF_ERROR(keys_.rotate_if_due());
  TESSERA_ASSIGN_OR_RETURN(auto authenticated, authenticated_client(form, authorization));
  if (auto* refusal = std::get_if<JsonOutcome>(&authenticated)) return std::move(*refusal);
  const OidcClient& client = std::get<OidcClient>(authenticated);
  if (client.is_public()) return json_error(401, "invalid_client", "introspection needs a secret");
  const std::string token = param(form, "token");
  if (token.empty()) return json_error(400, "invalid_request", "token is missing");
  JsonOutcome out;
  out.body["active"] = false;
  const Timestamp now = clock_.now();
  if (token.find('.') != std::string::npos) {
    auto claims = live_access_token(token);
    if (!claims.ok()) {
      if (claims.status().code() != ErrorCode::unauthenticated) return claims.status();
      return out;
    }
    out.body = std::move(claims).value();
    out.body.erase("gid");
    out.body["active"] = true;
    out.body["token_type"] = "Bearer";
    return out;
  }
  TESSERA_ASSIGN_OR_RETURN(std::optional<OidcRefreshToken> refresh,
                           store_.find_refresh_token(hash_token(token)));
  if (!refresh || refresh->used_at || refresh->expires_at <= now) return out;
  TESSERA_ASSIGN_OR_RETURN(std::optional<OidcGrant> grant,
                           standing_grant(store_, refresh->grant_id, now));
  // A refresh token is told only to the client it was issued to.
  if (!grant || grant->client_id != client.id) return out;
  out.body = json::object{{"active", true},
                          {"token_type", "refresh_token"},
                          {"client_id", grant->client_id},
                          {"sub", grant->user_id},
                          {"scope", grant->scope},
                          {"iss", settings_.issuer},
                          {"iat", to_unix_seconds(refresh->created_at)},
                          {"exp", to_unix_seconds(refresh->expires_at)}};
  return out;
}

Result<JsonOutcome> OidcProvider::revoke(const OidcParams& form, std::string_view authorization) {
  TESSERA_RETURN_IF_ERROR(keys_.rotate_if_due());
  TESSERA_ASSIGN_OR_RETURN(auto authenticated, authenticated_client(form, authorization));
  if (auto* refusal = std::get_if<JsonOutcome>(&authenticated)) return std::move(*refusal);
  const OidcClient& client = std::get<OidcClient>(authenticated);
  const std::string token = param(form, "token");
  if (token.empty()) return json_error(400, "invalid_request", "token is missing");
  const Timestamp now = clock_.now();
  JsonOutcome out;  // RFC 7009 §2.2: 200 whether or not the token was valid
  if (token.find('.') != std::string::npos) {
    auto claims = live_access_token(token);
    if (!claims.ok()) {
      if (claims.status().code() != ErrorCode::unauthenticated) return claims.status();
      return out;
    }
    const json::value* owner = claims->if_contains("client_id");
    if (owner == nullptr || !owner->is_string() || owner->as_string() != client.id) return out;
    TESSERA_RETURN_IF_ERROR(
        store_.revoke_access_token(std::string(claims->at("jti").as_string()),
                                   from_unix_seconds(claims->at("exp").as_int64())));
    return out;
  }
  TESSERA_ASSIGN_OR_RETURN(std::optional<OidcRefreshToken> refresh,
                           store_.find_refresh_token(hash_token(token)));
  if (!refresh) return out;
  auto grant = store_.find_oidc_grant(refresh->grant_id);
  if (!grant.ok()) {
    if (grant.status().code() == ErrorCode::not_found) return out;
    return grant.status();
  }
  if (grant->client_id != client.id) return out;
  TESSERA_RETURN_IF_ERROR(store_.revoke_oidc_grant(grant->id, now));
  return out;
}

Result<BrowserOutcome> OidcProvider::end_session(const OidcParams& params,
                                                 std::string_view session_token, bool confirmed) {
  TESSERA_RETURN_IF_ERROR(keys_.rotate_if_due());
  BrowserOutcome out;
  out.kind = BrowserOutcome::Kind::error_page;
  out.signing_out = true;
  const std::string hint = param(params, "id_token_hint");
  const std::string post_logout = param(params, "post_logout_redirect_uri");
  const std::string state = param(params, "state");
  std::string client_id = param(params, "client_id");
  std::string hinted_subject;
  if (!hint.empty()) {
    const std::optional<json::object> claims = id_token_claims(hint);
    const json::value* aud = claims ? claims->if_contains("aud") : nullptr;
    if (aud == nullptr || !aud->is_string() ||
        (!client_id.empty() && aud->as_string() != client_id)) {
      out.text =
          "The app's sign-out request is not valid (id_token_hint). You are still signed "
          "in; sign out from your account page if you want to.";
      return out;
    }
    client_id = std::string(aud->as_string());
    hinted_subject = std::string(claims->at("sub").as_string());
  }
  std::optional<OidcClient> client;
  if (!client_id.empty()) {
    auto found = clients_.find(client_id);
    if (!found.ok() && found.status().code() != ErrorCode::not_found) return found.status();
    if (found.ok()) client = std::move(found).value();
  }
  if (!post_logout.empty() &&
      (!client || !contains(client->post_logout_redirect_uris, post_logout))) {
    out.text =
        "The app asked to return to an address that is not registered for it "
        "(post_logout_redirect_uri). Nothing was sent to it.";
    return out;
  }
  std::optional<SessionRecord> session;
  if (!session_token.empty()) {
    if (auto found = sessions_.find(session_token); found.ok()) session = std::move(found).value();
  }
  // Without a hint naming the session's user, a link could sign anyone out: ask first.
  const bool vouched = !hinted_subject.empty() && session && session->user_id == hinted_subject;
  if (session && !vouched && !confirmed) {
    out.kind = BrowserOutcome::Kind::confirm_sign_out;
    return out;
  }
  if (session) {
    TESSERA_RETURN_IF_ERROR(sessions_.end(session_token));  // and the session's grants
    out.end_session = true;
  }
  if (!post_logout.empty()) {
    out.kind = BrowserOutcome::Kind::redirect;
    out.location = state.empty() ? post_logout : with_query(post_logout, {{"state", state}});
    return out;
  }
  out.kind = BrowserOutcome::Kind::signed_out;
  return out;
}

}  // namespace tessera
