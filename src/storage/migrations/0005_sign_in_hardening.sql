-- Schema version 5: what the fixes of issue 7 need.

-- Moves on with every change that must end sign-ins under way (password, status, an admin's MFA
-- change); a flow remembers the version it began with, and no session is issued once it moved.
ALTER TABLE users ADD COLUMN security_version BIGINT NOT NULL DEFAULT 0;

-- The user a flow is about (once known), so blocking a user ends their flows; and the codes tried
-- at the flow's current step, counted before each is checked.
ALTER TABLE sign_in_flows ADD COLUMN user_id TEXT;
ALTER TABLE sign_in_flows ADD COLUMN code_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sign_in_flows_by_user ON sign_in_flows (user_id);

-- Password attempts for names that are no user, under a keyed hash of the name (what was typed
-- is not stored), so unknown names lock exactly like accounts.
CREATE TABLE password_failures_by_name (
  name_hash TEXT PRIMARY KEY,
  failed_password_attempts INTEGER NOT NULL,
  locked_until BIGINT,
  last_attempt_at BIGINT NOT NULL
);
CREATE INDEX password_failures_by_name_by_age ON password_failures_by_name (last_attempt_at);

-- Sign-in flows started per client network (its /24 or /64), so one network cannot fill the
-- store with flows.
CREATE TABLE flow_starts_by_network (
  network TEXT PRIMARY KEY,
  starts INTEGER NOT NULL,
  window_start BIGINT NOT NULL
);
