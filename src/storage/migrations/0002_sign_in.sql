-- Schema version 2: what the interactive sign-in needs.

-- "Don't show this again" on "Stay signed in?", and the per-user limit on wrong MFA codes.
ALTER TABLE users ADD COLUMN stay_prompt_suppressed SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_code_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN code_locked_until BIGINT;

-- Sign-in flows, keyed by the SHA-256 of the flow cookie's random id. The state is sealed (it can
-- hold an authenticator secret being registered); version guards against two requests racing.
CREATE TABLE sign_in_flows (
  id_hash TEXT PRIMARY KEY,
  sealed_state BYTEA NOT NULL,
  version BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sign_in_flows_by_expiry ON sign_in_flows (expires_at);
