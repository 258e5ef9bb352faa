-- Schema version 6: a role per user, and one throttle table for every counter of attempts (domain/throttle.h), in
-- place of the five tables and columns each limit had. Every counter and lock is carried over
-- under the key service/throttles.h gives it, so an upgrade lifts no lockout.
CREATE TABLE throttles (
  key TEXT PRIMARY KEY,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  attempts INTEGER NOT NULL,
  window_start BIGINT NOT NULL,
  locked_until BIGINT,
  forget_at BIGINT
);
CREATE INDEX throttles_by_user ON throttles (user_id);
CREATE INDEX throttles_by_forget_at ON throttles (forget_at);

INSERT INTO throttles (key, user_id, attempts, window_start, locked_until, forget_at)
SELECT 'password:user:' || id, id, failed_password_attempts, 0, locked_until, NULL
FROM users WHERE failed_password_attempts > 0 OR locked_until IS NOT NULL;

INSERT INTO throttles (key, user_id, attempts, window_start, locked_until, forget_at)
SELECT 'code:user:' || id, id, failed_code_attempts, 0, code_locked_until, NULL
FROM users WHERE failed_code_attempts > 0 OR code_locked_until IS NOT NULL;

INSERT INTO throttles (key, user_id, attempts, window_start, locked_until, forget_at)
SELECT 'password:network:' || user_id || ':' || network, user_id, failed_password_attempts, 0,
       locked_until, NULL
FROM familiar_networks WHERE failed_password_attempts > 0 OR locked_until IS NOT NULL;

-- The swept counters are forgotten 48 hours after their last attempt, as before.
INSERT INTO throttles (key, user_id, attempts, window_start, locked_until, forget_at)
SELECT 'password:name:' || name_hash, NULL, failed_password_attempts, last_attempt_at,
       locked_until, last_attempt_at + 172800
FROM password_failures_by_name;

INSERT INTO throttles (key, user_id, attempts, window_start, locked_until, forget_at)
SELECT 'password:from:' || network, NULL, failures, window_start, locked_until,
       window_start + 172800
FROM password_failures_by_network;

INSERT INTO throttles (key, user_id, attempts, window_start, locked_until, forget_at)
SELECT 'sign_in_start:' || network, NULL, starts, window_start, NULL, window_start + 172800
FROM flow_starts_by_network;

DROP TABLE password_failures_by_name;
DROP TABLE password_failures_by_network;
DROP TABLE flow_starts_by_network;
ALTER TABLE users DROP COLUMN failed_password_attempts;
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE users DROP COLUMN failed_code_attempts;
ALTER TABLE users DROP COLUMN code_locked_until;
ALTER TABLE familiar_networks DROP COLUMN failed_password_attempts;
ALTER TABLE familiar_networks DROP COLUMN locked_until;

-- Who may use the admin portal: 0 member (everyone so far), 1 admin (tessera user set-role).
ALTER TABLE users ADD COLUMN role SMALLINT NOT NULL DEFAULT 0;
