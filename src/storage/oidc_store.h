// The OpenID Connect provider's state (docs/oidc.md): its clients, its signing keys, and what a
// sign-in granted a client (a grant, with the authorization code that made it and the refresh
// tokens that carry it on). Part of the Store (storage/store.h), whose contracts apply: tokens
// and codes come in already hashed, private keys are sealed at rest.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"
#include "storage/log_store.h"

namespace tessera {

struct OidcClient {
  std::string id;  // client_id
  std::string name;
  std::string secret_hash;  // hex SHA-256 of the secret; empty for a public client
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  std::vector<std::string> grants;  // "authorization_code", "refresh_token", "client_credentials"
  bool require_mfa = false;
  std::string id_token_alg = "ES256";
  Timestamp created_at{};

  bool is_public() const { return secret_hash.empty(); }
};

struct OidcSigningKey {
  std::string kid;
  std::string alg;          // "ES256", "RS256"
  SecretBytes private_key;  // PKCS#8 DER, in memory only
  Timestamp created_at{};
  std::optional<Timestamp> retired_at;  // nullopt while it signs
};

// What one sign-in granted one client.
struct OidcGrant {
  std::string id;
  std::string client_id;
  std::string user_id;
  std::string scope;
  std::string amr;  // space-separated RFC 8176 values
  std::string acr;
  Timestamp auth_time{};
  std::string nonce;
  std::int64_t security_version = 0;  // the user's, when granted: a later change ends the grant
  std::string session_hash;           // the browser session it came from (logout ends it)
  Timestamp created_at{};
  Timestamp expires_at{};
  std::optional<Timestamp> revoked_at;
};

struct OidcCode {
  std::string code_hash;
  std::string grant_id;
  std::string redirect_uri;
  std::string code_challenge;    // S256 of the verifier, or empty
  bool auth_time_asked = false;  // max_age was sent: the ID token must carry auth_time
  Timestamp expires_at{};
  std::optional<Timestamp> used_at;
};

struct OidcRefreshToken {
  std::string token_hash;
  std::string grant_id;
  Timestamp created_at{};
  Timestamp expires_at{};
  std::optional<Timestamp> used_at;
};

// What redeeming a code or a refresh token found.
enum class Redemption { redeemed, unknown, expired, already_used };

class OidcStore {
 public:
  virtual ~OidcStore() = default;

  // Clients. already_exists for a taken id.
  virtual Status add_oidc_client(const OidcClient& client, const AuditLogEntry* audit) = 0;
  virtual Result<OidcClient> find_oidc_client(const std::string& id) = 0;
  virtual Result<std::vector<OidcClient>> list_oidc_clients() = 0;
  // Deletes the client with its grants, codes and tokens.
  virtual Status delete_oidc_client(const std::string& id, const AuditLogEntry* audit) = 0;

  // Signing keys, newest first: those that sign and those retired after `retired_since`.
  virtual Result<std::vector<OidcSigningKey>> list_signing_keys(Timestamp retired_since) = 0;
  // Adds `keys` as the keys that sign and retires the others at `now`, at once.
  virtual Status rotate_signing_keys(const std::vector<OidcSigningKey>& keys, Timestamp now,
                                     const AuditLogEntry* audit) = 0;

  // A grant with the code that redeems it, in one transaction whose commit may skip the wait for
  // the disk (a grant is nothing until its code is redeemed, durably).
  virtual Status add_oidc_grant(const OidcGrant& grant, const OidcCode& code) = 0;
  virtual Result<OidcGrant> find_oidc_grant(const std::string& id) = 0;
  // Marks the code used at `now` if it was not; `code` gets the row (also when already used).
  virtual Result<Redemption> redeem_oidc_code(const std::string& code_hash, Timestamp now,
                                              OidcCode& code) = 0;
  virtual Status add_refresh_token(const OidcRefreshToken& token) = 0;
  // Marks the refresh token used at `now` if it was not and has not expired; `token` gets the
  // row (also when already used).
  virtual Result<Redemption> redeem_refresh_token(const std::string& token_hash, Timestamp now,
                                                  OidcRefreshToken& token) = 0;
  virtual Result<std::optional<OidcRefreshToken>> find_refresh_token(
      const std::string& token_hash) = 0;
  // Revokes a grant (its refresh tokens stop; its access tokens fail introspection).
  virtual Status revoke_oidc_grant(const std::string& grant_id, Timestamp now) = 0;
  // Revokes every grant made from a browser session (RP-initiated logout); how many.
  virtual Result<std::size_t> revoke_session_grants(const std::string& session_hash,
                                                    Timestamp now) = 0;

  // Access tokens revoked before they expire.
  virtual Status revoke_access_token(const std::string& jti, Timestamp expires_at) = 0;
  virtual Result<bool> access_token_revoked(const std::string& jti) = 0;

  // Deletes what has expired at `now`: codes, refresh tokens, grants (with their codes and
  // tokens; a revoked grant stays until it expires, so a reused token still finds it revoked)
  // and revoked-token rows. How many rows.
  virtual Result<std::size_t> delete_expired_oidc(Timestamp now) = 0;
};

}  // namespace tessera
