// The provider's relying parties (docs/oidc.md): registered by an admin (`tessera client add`),
// each with its redirect URIs, compared character for character, and, unless public, a secret
// shown once and kept only as its SHA-256 (256 random bits: a slow hash would add nothing).
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "service/actor.h"
#include "storage/store.h"

namespace tessera {

inline constexpr std::string_view kGrantAuthorizationCode = "authorization_code";
inline constexpr std::string_view kGrantRefreshToken = "refresh_token";
inline constexpr std::string_view kGrantClientCredentials = "client_credentials";

struct NewClient {
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  bool public_client = false;
  // Empty: authorization_code and refresh_token.
  std::vector<std::string> grants;
  bool require_mfa = false;
  std::string id_token_alg = "ES256";
};

struct AddedClient {
  OidcClient client;
  SecretBytes secret;  // empty for a public client; shown once, never stored
};

// What a request to the token, introspection or revocation endpoint said about its client.
struct ClientCredentials {
  std::string id;
  std::optional<SecretBytes> secret;  // none: a public client names itself only
  bool from_header = false;           // client_secret_basic
};

// Reads client_secret_basic from an Authorization header ("Basic base64(id:secret)", each part
// form-urlencoded, RFC 6749 §2.3.1), else client_secret_post / a public client's client_id from
// the form; several ways at once, or a malformed header, is invalid_argument; none, not_found.
Result<ClientCredentials> client_credentials_of(std::string_view authorization_header,
                                                std::optional<std::string_view> form_client_id,
                                                std::optional<std::string_view> form_secret);

// Whether `uri` may be registered as a redirect URI: absolute, https (or http to a loopback
// host), no fragment, at most 2000 characters. An empty string when it may, else why not.
std::string redirect_uri_problem(std::string_view uri);

class OidcClients {
 public:
  OidcClients(Store& store, const Clock& clock, Rng& rng)
      : store_(store), clock_(clock), rng_(rng) {}

  // invalid_argument naming what is wrong: no name, a bad or missing redirect URI (required
  // unless the client only uses client_credentials), an unknown grant, a public client with
  // client_credentials, an id_token_alg other than ES256 and RS256.
  Result<AddedClient> add(const NewClient& client, const Actor& actor);
  Result<OidcClient> find(std::string_view id);
  Result<std::vector<OidcClient>> list();
  Status remove(std::string_view id, const Actor& actor);

  // The client the credentials prove, else unauthenticated ("invalid_client"): unknown, wrong
  // secret (compared in constant time), a secret for a public client or none for a confidential
  // one.
  Result<OidcClient> authenticate(const ClientCredentials& credentials);

 private:
  AuditLogEntry audit(const Actor& actor, std::string action, std::string target,
                      std::string detail);

  Store& store_;
  const Clock& clock_;
  Rng& rng_;
};

bool has_grant(const OidcClient& client, std::string_view grant);

}  // namespace tessera
