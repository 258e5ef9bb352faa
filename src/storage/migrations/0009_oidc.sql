-- Schema version 9: the OpenID Connect provider (docs/oidc.md): clients, signing keys, codes,
-- grants with their refresh tokens, revoked access tokens; and what a session's sign-in did.

-- RFC 8176 values of what the person did in the sign-in that made the session ("pwd otp mfa"),
-- space-separated; '' for sessions made before this version (treated as a password only).
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '';

-- A relying party. secret_hash: hex SHA-256 of the secret shown once (NULL for a public client).
-- redirect_uris, post_logout_redirect_uris: newline-separated, compared character for character.
-- grants: space-separated grant types. id_token_alg: ES256 or RS256.
CREATE TABLE oidc_clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_hash TEXT,
  redirect_uris TEXT NOT NULL,
  post_logout_redirect_uris TEXT NOT NULL,
  grants TEXT NOT NULL,
  require_mfa SMALLINT NOT NULL,
  id_token_alg TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- Signing keys. sealed_private_key: PKCS#8 DER sealed under the master key, associated data
-- "oidc_signing_keys:<kid>". retired_at: NULL while the key signs; a retired key's public half
-- stays in the JWKS until the tokens it signed have expired.
CREATE TABLE oidc_signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  sealed_private_key BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  retired_at BIGINT
);

-- What a sign-in granted one client: the family of its refresh tokens and access tokens. Revoked
-- as a whole (a reused code or refresh token, revocation, logout).
CREATE TABLE oidc_grants (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  amr TEXT NOT NULL,
  acr TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  nonce TEXT NOT NULL,
  security_version BIGINT NOT NULL,
  session_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX oidc_grants_by_user ON oidc_grants (user_id);
CREATE INDEX oidc_grants_by_session ON oidc_grants (session_hash);

-- Authorization codes by their SHA-256; each redeems once (used_at), and a second redemption
-- revokes the grant the first made (grant_id).
CREATE TABLE oidc_codes (
  code_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  auth_time_asked SMALLINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);

-- Refresh tokens by their SHA-256. A used one has been rotated: presenting it again revokes the
-- grant.
CREATE TABLE oidc_refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX oidc_refresh_tokens_by_grant ON oidc_refresh_tokens (grant_id);

-- Access tokens (JWTs, checked offline) revoked before they expire, by their jti.
CREATE TABLE oidc_revoked_tokens (
  jti TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
