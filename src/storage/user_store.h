// Users: who signs in, their password and status, and their MFA state. Part of the Store
// (storage/store.h), whose contracts (thread safety, atomic calls, errors, audit) apply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/log_records.h"
#include "domain/user.h"

namespace tessera {

struct UserListQuery {
  std::string upn_contains;  // case-insensitive substring; empty = all
  std::optional<MfaState> mfa_state;
  std::size_t limit = 100;  // 1-1000
  std::size_t offset = 0;
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  // UPNs are unique (canonical form). create_user fails with already_exists.
  virtual Status create_user(const User& user, const AuditLogEntry* audit) = 0;
  virtual Result<User> find_user_by_id(const std::string& id) = 0;
  virtual Result<User> find_user_by_upn(const std::string& canonical_upn) = 0;
  virtual Result<std::vector<User>> list_users(const UserListQuery& query) = 0;
  virtual Result<std::int64_t> count_users() = 0;
  // Deletes the user and everything that belongs to them (methods, sessions, flows, throttles).
  virtual Status delete_user(const std::string& id, const AuditLogEntry* audit) = 0;

  // Targeted changes to one user; not_found when there is no such user. A user's
  // security_version moves on with every change that must end sign-ins under way (password,
  // status, an admin's MFA change): a flow remembers the version it began with, and nothing is
  // issued for it once the version moved on.
  // The new password (and whether it is temporary, and when it changed); the new security
  // version. With `expected_security_version`, only if the user is still at that version
  // (failed_precondition otherwise).
  virtual Result<std::int64_t> update_password(
      const std::string& user_id, const std::string& password_hash, bool temporary,
      Timestamp changed_at, std::optional<std::int64_t> expected_security_version) = 0;
  // Replaces the hash only if it is still `old_hash` (a rehash with new parameters; the password
  // is unchanged, so is the security version). ok whether or not it replaced it.
  virtual Status replace_password_hash(const std::string& user_id, const std::string& old_hash,
                                       const std::string& new_hash) = 0;
  virtual Status set_password_temporary(const std::string& user_id, bool temporary) = 0;
  // The new status; returns the new security version.
  virtual Result<std::int64_t> update_status(const std::string& user_id, UserStatus status) = 0;
  // The MFA state (and when it changed); the security version is unchanged.
  virtual Status update_mfa_state(const std::string& user_id, MfaState state,
                                  Timestamp changed_at) = 0;
  virtual Result<std::int64_t> bump_security_version(const std::string& user_id) = 0;
  // ok when the user exists, is active and is still at `security_version`; failed_precondition
  // otherwise. Inside a transaction it also locks the user's row until the commit, so a
  // concurrent block, password change or deletion waits for it (and then undoes what it must).
  virtual Status check_user_unchanged(const std::string& user_id,
                                      std::int64_t security_version) = 0;
  virtual Status set_stay_prompt_suppressed(const std::string& user_id, bool suppressed) = 0;
  // Records when "Keep your account secure" first asked for reset info (kept once set).
  virtual Status mark_reset_prompted(const std::string& user_id, Timestamp at) = 0;
  // The security version is unchanged: role guards read the user at every request.
  virtual Status update_role(const std::string& user_id, Role role) = 0;
};

}  // namespace tessera
