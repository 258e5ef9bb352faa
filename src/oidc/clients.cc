#include "oidc/clients.h"

#include <algorithm>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <sodium.h>

#include "base/ct_equal.h"
#include "base/ids.h"
#include "crypto/token.h"
#include "oidc/jws.h"
#include "oidc/web_address.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxRedirectUriLength = 2000;
constexpr std::size_t kMaxClientNameLength = 200;
constexpr std::size_t kMaxCredentialLength = 512;

// RFC 6749 §2.3.1: the client id and secret are application/x-www-form-urlencoded before they
// are put in the Basic header, so '+' is a space and %XX an escape.
std::optional<std::string> form_decode(std::string_view text) {
  const auto escaped = boost::urls::make_pct_string_view(text);
  if (!escaped) return std::nullopt;
  boost::urls::encoding_opts options;
  options.space_as_plus = true;
  return escaped->decode(options);
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

}  // namespace

bool has_grant(const OidcClient& client, std::string_view grant) {
  return std::find(client.grants.begin(), client.grants.end(), grant) != client.grants.end();
}

Result<ClientCredentials> client_credentials_of(std::string_view authorization_header,
                                                std::optional<std::string_view> form_client_id,
                                                std::optional<std::string_view> form_secret) {
  if (!authorization_header.empty()) {
    constexpr std::string_view kBasic = "Basic ";
    if (authorization_header.size() <= kBasic.size() ||
        authorization_header.size() > kMaxCredentialLength * 2 ||
        !std::equal(kBasic.begin(), kBasic.end(), authorization_header.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return invalid_argument("the Authorization header is not Basic credentials");
    }
    if (form_secret) return invalid_argument("more than one way of client authentication");
    const std::string_view encoded = authorization_header.substr(kBasic.size());
    std::string decoded(encoded.size(), '\0');
    std::size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                          encoded.data(), encoded.size(), nullptr, &length, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != encoded.data() + encoded.size()) {
      sodium_memzero(decoded.data(), decoded.size());
      return invalid_argument("the Basic credentials are not base64");
    }
    decoded.resize(length);
    const std::size_t colon = decoded.find(':');
    std::optional<std::string> id;
    std::optional<std::string> secret;
    if (colon != std::string::npos) {
      id = form_decode(std::string_view(decoded).substr(0, colon));
      secret = form_decode(std::string_view(decoded).substr(colon + 1));
    }
    sodium_memzero(decoded.data(), decoded.size());
    if (!id || !secret || id->empty()) {
      if (secret) sodium_memzero(secret->data(), secret->size());
      return invalid_argument("the Basic credentials are malformed");
    }
    // A client_id in the form as well must name the same client.
    if (form_client_id && *form_client_id != *id) {
      sodium_memzero(secret->data(), secret->size());
      return invalid_argument("the client_id differs from the credentials");
    }
    ClientCredentials credentials{std::move(*id), SecretBytes::from_string(*secret), true};
    sodium_memzero(secret->data(), secret->size());
    return credentials;
  }
  if (!form_client_id || form_client_id->empty()) return not_found("no client authentication");
  ClientCredentials credentials{std::string(*form_client_id), std::nullopt, false};
  if (form_secret) credentials.secret = SecretBytes::from_string(*form_secret);
  return credentials;
}

std::string redirect_uri_problem(std::string_view uri) {
  if (uri.empty() || uri.size() > kMaxRedirectUriLength) {
    return "a redirect URI must be 1 to 2000 characters long";
  }
  const auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed) return "\"" + std::string(uri) + "\" is not an absolute URI";
  const std::string scheme = parsed->scheme();
  if (scheme != "https" && scheme != "http") {
    return "\"" + std::string(uri) + "\" must be https (or http to this machine)";
  }
  if (parsed->has_fragment()) return "\"" + std::string(uri) + "\" has a fragment";
  const std::string host = web_host_of(uri);
  if (host.empty()) return "\"" + std::string(uri) + "\" has no plain host[:port] and /path";
  if (scheme == "http" && !is_loopback_host(host)) {
    return "\"" + std::string(uri) + "\" must be https: plain http is only for 127.0.0.1, " +
           "localhost or [::1]";
  }
  return "";
}

AuditLogEntry OidcClients::audit(const Actor& actor, std::string action, std::string target,
                                 std::string detail) {
  return AuditLogEntry{new_id(rng_),      clock_.now(),      actor.name,
                       std::move(action), std::move(target), std::move(detail)};
}

Result<AddedClient> OidcClients::add(const NewClient& wanted, const Actor& actor) {
  if (wanted.name.empty() || wanted.name.size() > kMaxClientNameLength) {
    return invalid_argument("a client needs a name of at most 200 characters");
  }
  std::vector<std::string> grants = wanted.grants;
  if (grants.empty()) {
    grants = {std::string(kGrantAuthorizationCode), std::string(kGrantRefreshToken)};
  }
  for (const std::string& grant : grants) {
    if (grant != kGrantAuthorizationCode && grant != kGrantRefreshToken &&
        grant != kGrantClientCredentials) {
      return invalid_argument("unknown grant \"" + grant +
                              "\" (authorization_code, refresh_token, client_credentials)");
    }
  }
  std::sort(grants.begin(), grants.end());
  grants.erase(std::unique(grants.begin(), grants.end()), grants.end());
  const bool code_flow =
      std::find(grants.begin(), grants.end(), kGrantAuthorizationCode) != grants.end();
  if (wanted.public_client &&
      std::find(grants.begin(), grants.end(), kGrantClientCredentials) != grants.end()) {
    return invalid_argument("a public client cannot use client_credentials: it has no secret");
  }
  if (code_flow && wanted.redirect_uris.empty()) {
    return invalid_argument("a client that signs people in needs at least one --redirect-uri");
  }
  for (const auto* list : {&wanted.redirect_uris, &wanted.post_logout_redirect_uris}) {
    for (const std::string& uri : *list) {
      if (std::string problem = redirect_uri_problem(uri); !problem.empty()) {
        return invalid_argument(problem);
      }
    }
  }
  if (!jws_alg_from(wanted.id_token_alg)) {
    return invalid_argument("id_token_signed_response_alg must be ES256 or RS256");
  }
  AddedClient added;
  OidcClient& client = added.client;
  client.id = new_id(rng_);
  client.name = wanted.name;
  client.redirect_uris = wanted.redirect_uris;
  client.post_logout_redirect_uris = wanted.post_logout_redirect_uris;
  client.grants = std::move(grants);
  client.require_mfa = wanted.require_mfa;
  client.id_token_alg = wanted.id_token_alg;
  client.created_at = clock_.now();
  if (!wanted.public_client) {
    IssuedToken secret = issue_token(rng_);
    added.secret = std::move(secret.token);
    client.secret_hash = std::move(secret.token_hash);
  }
  const AuditLogEntry entry =
      audit(actor, "client.add", client.id,
            "name=" + client.name + (wanted.public_client ? " public" : " confidential") +
                (client.require_mfa ? " require_mfa" : ""));
  TESSERA_RETURN_IF_ERROR(store_.add_oidc_client(client, &entry));
  return added;
}

Result<OidcClient> OidcClients::find(std::string_view id) {
  if (id.empty() || id.size() > kMaxCredentialLength) return not_found("no such client");
  return store_.find_oidc_client(std::string(id));
}

Result<std::vector<OidcClient>> OidcClients::list() {
  return store_.list_oidc_clients();
}

Status OidcClients::remove(std::string_view id, const Actor& actor) {
  const AuditLogEntry entry = audit(actor, "client.delete", std::string(id), "");
  return store_.delete_oidc_client(std::string(id), &entry);
}

Result<OidcClient> OidcClients::authenticate(const ClientCredentials& credentials) {
  auto client = find(credentials.id);
  if (!client.ok()) {
    if (client.status().code() == ErrorCode::not_found) {
      return unauthenticated("unknown client");
    }
    return client.status();
  }
  if (client->is_public()) {
    if (credentials.secret) return unauthenticated("a public client has no secret");
    return client;
  }
  if (!credentials.secret) return unauthenticated("the client's secret is missing");
  const std::string presented = hash_token(credentials.secret->view());
  if (presented.empty() || !ct_equal(presented, client->secret_hash)) {
    return unauthenticated("wrong client secret");
  }
  return client;
}

}  // namespace tessera
