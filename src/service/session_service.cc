#include "service/session_service.h"

#include "crypto/token.h"

namespace tessera {

IssuedSession SessionService::prepare(const std::string& user_id, bool persistent,
                                      std::optional<Timestamp> mfa_at, SessionRecord& record) {
  const Timestamp now = clock_.now();
  IssuedToken issued = issue_token(rng_);
  record.token_hash = issued.token_hash;
  record.user_id = user_id;
  record.created_at = now;
  record.last_seen_at = now;
  record.expires_at =
      now + (persistent
                 ? std::chrono::duration_cast<std::chrono::seconds>(kPersistentSessionLifetime)
                 : std::chrono::duration_cast<std::chrono::seconds>(kBrowserSessionLifetime));
  record.persistent = persistent;
  record.mfa_at = mfa_at;
  return IssuedSession{std::move(issued.token), persistent, record.expires_at};
}

Result<IssuedSession> SessionService::issue(const std::string& user_id, bool persistent,
                                            std::optional<Timestamp> mfa_at) {
  SessionRecord record;
  IssuedSession session = prepare(user_id, persistent, mfa_at, record);
  TESSERA_RETURN_IF_ERROR(store_.create_session(record));
  return session;
}

Result<SessionRecord> SessionService::find(std::string_view token) {
  if (token.empty()) return unauthenticated("not signed in");
  const std::string hash = hash_token(token);
  auto session = store_.find_session(hash);
  if (!session.ok()) {
    if (session.status().code() == ErrorCode::not_found) return unauthenticated("not signed in");
    return session.status();
  }
  const Timestamp now = clock_.now();
  const auto idle_timeout =
      session->persistent
          ? std::chrono::duration_cast<std::chrono::seconds>(kPersistentSessionIdleTimeout)
          : std::chrono::duration_cast<std::chrono::seconds>(kBrowserSessionIdleTimeout);
  if (now >= session->expires_at || now - session->last_seen_at > idle_timeout) {
    (void)store_.delete_session(hash);
    return unauthenticated("the session has expired");
  }
  if (now - session->last_seen_at >= kSessionTouchInterval) {
    TESSERA_RETURN_IF_ERROR(store_.touch_session(hash, now));
    session->last_seen_at = now;
  }
  return session;
}

Status SessionService::end(std::string_view token) {
  const std::string hash = hash_token(token);
  // Signing out also ends what apps were given from this session: their refresh tokens stop.
  return store_.transaction([&](Store& tx) -> Status {
    const Status deleted = tx.delete_session(hash);
    if (!deleted.ok() && deleted.code() != ErrorCode::not_found) return deleted;
    return tx.revoke_session_grants(hash, clock_.now()).status();
  });
}

Result<User> SessionService::user_of(const SessionRecord& session) {
  return store_.find_user_by_id(session.user_id);
}

}  // namespace tessera
