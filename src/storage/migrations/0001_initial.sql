-- Schema version 1. Written once for SQLite and PostgreSQL: integers are BIGINT/SMALLINT/INTEGER,
-- times are Unix seconds, binary is BYTEA; "BIGSERIAL PRIMARY KEY" becomes SQLite's rowid alias.

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  upn TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  status SMALLINT NOT NULL,
  password_hash TEXT NOT NULL,
  password_temporary SMALLINT NOT NULL,
  mfa_state SMALLINT NOT NULL,
  mfa_state_changed_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL,
  failed_password_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT
);

-- sealed_secret: XChaCha20-Poly1305 under the master key, associated data "methods:<id>".
CREATE TABLE methods (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind SMALLINT NOT NULL,
  label TEXT NOT NULL,
  detail TEXT NOT NULL,
  sealed_secret BYTEA NOT NULL,
  is_default SMALLINT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_step BIGINT
);
CREATE INDEX methods_by_user ON methods (user_id);

CREATE TABLE policy (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- token_hash: SHA-256 of the cookie's token; the token itself is never stored.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  persistent SMALLINT NOT NULL,
  mfa_at BIGINT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Logs keep the user id without a foreign key: a deleted user's history stays.
CREATE TABLE sign_in_log (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time BIGINT NOT NULL,
  user_id TEXT NOT NULL,
  upn TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  app TEXT NOT NULL,
  result SMALLINT NOT NULL,
  failure_reason TEXT NOT NULL,
  mfa_required SMALLINT NOT NULL,
  decided_by TEXT NOT NULL,
  method TEXT NOT NULL
);

CREATE TABLE audit_log (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
);

-- A known value sealed under the master key, so a wrong key is refused at start-up rather than
-- discovered at the first sign-in.
CREATE TABLE master_key_check (
  id SMALLINT PRIMARY KEY,
  sealed BYTEA NOT NULL
);
