// Browser sessions: a random token in a cookie, only its hash in the store. A new token at every
// sign-in (no fixation); sign-out ends the session on the server.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "domain/session.h"
#include "storage/store.h"

namespace tessera {

// Absolute lifetimes, and how long a session may go unused before it ends (idle timeout).
inline constexpr std::chrono::hours kPersistentSessionLifetime{24 * 30};
inline constexpr std::chrono::hours kBrowserSessionLifetime{12};
inline constexpr std::chrono::hours kPersistentSessionIdleTimeout{24 * 14};
inline constexpr std::chrono::hours kBrowserSessionIdleTimeout{2};
// last_seen_at is written at most this often, so a busy session does not write on every request.
inline constexpr std::chrono::minutes kSessionTouchInterval{5};

struct IssuedSession {
  SecretBytes token;  // for the cookie; never stored
  bool persistent = false;
  Timestamp expires_at{};
};

class SessionService {
 public:
  SessionService(Store& store, const Clock& clock, Rng& rng)
      : store_(store), clock_(clock), rng_(rng) {}

  Result<IssuedSession> issue(const std::string& user_id, bool persistent,
                              std::optional<Timestamp> mfa_at);
  // A new session's token and the record to store, without storing it (for callers that store it
  // together with other changes, e.g. Store::finish_sign_in).
  IssuedSession prepare(const std::string& user_id, bool persistent,
                        std::optional<Timestamp> mfa_at, SessionRecord& record);
  // The live session for a presented cookie value; unauthenticated when missing, past its
  // absolute lifetime or idle for longer than its idle timeout (such a session is deleted).
  Result<SessionRecord> find(std::string_view token);
  // The user a live session belongs to, as they are now (their role, their status).
  Result<User> user_of(const SessionRecord& session);
  // Signs out: deletes the session and revokes the app grants made from it (their refresh
  // tokens), in one transaction. Ending a session that is gone is no error.
  Status end(std::string_view token);

 private:
  Store& store_;
  const Clock& clock_;
  Rng& rng_;
};

}  // namespace tessera
