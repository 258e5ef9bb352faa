-- Schema version 4: failed passwords per client network (its /24 or /64) across all accounts, so
-- one network cannot spray guesses over many users (DESIGN.md section 9, "per IP").
CREATE TABLE password_failures_by_network (
  network TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start BIGINT NOT NULL,
  locked_until BIGINT
);
