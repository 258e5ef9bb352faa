-- Schema version 10: whether a call's 0# reports fraud. A sign-in's call does; the call that
-- verifies a phone being added does not (whoever answers a mistyped number did not start
-- anything, and must not be able to block the account). Calls queued before this version were
-- all treated as reporting, and stay so.
ALTER TABLE deliveries ADD COLUMN reports_fraud SMALLINT NOT NULL DEFAULT 1;
