// Sessions, by the hash of their cookie's token. Part of the Store (storage/store.h), whose
// contracts apply.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "domain/session.h"

namespace tessera {

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  virtual Status create_session(const SessionRecord& session) = 0;
  virtual Result<SessionRecord> find_session(const std::string& token_hash) = 0;
  virtual Status touch_session(const std::string& token_hash, Timestamp last_seen_at) = 0;
  // Records a fresh MFA proof in the session (a step-up on Security info).
  virtual Status set_session_mfa(const std::string& token_hash, Timestamp mfa_at) = 0;
  virtual Status delete_session(const std::string& token_hash) = 0;
  virtual Status delete_user_sessions(const std::string& user_id) = 0;
};

}  // namespace tessera
