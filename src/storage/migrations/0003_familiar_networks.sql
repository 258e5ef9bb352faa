-- Schema version 3: networks each user has signed in from (their /24 or /64), with their own
-- password-failure counter, so strangers elsewhere cannot lock a user out of the places they
-- normally sign in from ("smart lockout"; DESIGN.md section 9).
CREATE TABLE familiar_networks (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  network TEXT NOT NULL,
  last_seen BIGINT NOT NULL,
  failed_password_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT,
  PRIMARY KEY (user_id, network)
);
