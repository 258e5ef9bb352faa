-- Schema version 7: the delivery queue (domain/delivery.h), texts, calls and emails waiting for a
-- sender or what became of them. Queued in the transaction of the change that asks for one, and
-- claimed by any node's sender.
-- sealed_content: XChaCha20-Poly1305 under the master key, associated data "deliveries:<id>";
-- NULL once the content is no longer needed (sent, failed, or the call answered).
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  channel SMALLINT NOT NULL,
  destination TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sealed_content BYTEA,
  status SMALLINT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  answer SMALLINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- A sender claims the oldest queued (or stale sending) one; deleting a user finds theirs.
CREATE INDEX deliveries_by_status ON deliveries (status, created_at);
CREATE INDEX deliveries_by_user ON deliveries (user_id);
