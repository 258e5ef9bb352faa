-- Schema version 8: remembered devices ("Don't ask again for N days"), fraud reports and password
-- reset registration.

-- remember_mfa_enabled is folded into remember_mfa_days (0 = off): a policy that had it off keeps
-- it off.
UPDATE policy SET value = '0' WHERE key = 'remember_mfa_days' AND EXISTS
  (SELECT 1 FROM policy WHERE key = 'remember_mfa_enabled' AND value <> 'true');
DELETE FROM policy WHERE key = 'remember_mfa_enabled';

-- A browser where its user ticked "Don't ask again": keyed by the SHA-256 of the device cookie's
-- random token, bound to the user. It vouches until expires_at, and only for a password set
-- before created_at.
CREATE TABLE remembered_devices (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX remembered_devices_by_user ON remembered_devices (user_id);

-- Sign-ins a user reported they did not start (0# on a call, "This wasn't me" in an email).
-- told_at: when the user was told at their next sign-in (NULL until then).
CREATE TABLE fraud_reports (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reported_at BIGINT NOT NULL,
  source TEXT NOT NULL,
  blocked SMALLINT NOT NULL,
  told_at BIGINT
);
CREATE INDEX fraud_reports_by_user ON fraud_reports (user_id, reported_at);

-- The "This wasn't me" links in emails, by the SHA-256 of their token; each reports once.
CREATE TABLE report_links (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at BIGINT NOT NULL
);
CREATE INDEX report_links_by_expiry ON report_links (expires_at);

-- When "Keep your account secure" first asked the user for password reset info (the start of its
-- "Skip for now" grace days); NULL until then.
ALTER TABLE users ADD COLUMN reset_prompted_at BIGINT;
