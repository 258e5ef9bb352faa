// Administration of users and their MFA state: the use cases behind `tessera user …`, `tessera mfa
// …` and (later) the admin pages and REST API. Every change is validated first, then written in one
// store transaction together with its audit entry, so a refused request changes nothing; each
// writes only the columns it changes. Blocking, a password reset and an MFA state change end the
// user's sign-ins under way (and a block or reset their sessions).
//
// Thread-safe if the Store, Clock and Rng are. Password hashing (Argon2id) runs on the calling
// thread: the HTTP layer calls this from its worker pool.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "crypto/password_hash.h"
#include "domain/user.h"
#include "methods/method.h"
#include "service/actor.h"
#include "storage/store.h"

namespace tessera {

struct NewUser {
  std::string upn;  // any case; canonicalised
  std::string display_name;
  // The initial password, or nullopt for a generated temporary one. A given password must pass
  // the NIST rules; it is not temporary unless `password_temporary` says so.
  std::optional<SecretBytes> password;
  bool password_temporary = false;
};

struct AddedUser {
  User user;
  std::optional<SecretBytes> generated_password;  // shown once to the admin, then wiped
};

struct UserDetails {
  User user;
  MfaState effective_mfa_state = MfaState::disabled;  // with the org policy applied
  std::vector<Method> methods;
  // The end of the lockout of wrong passwords (from anywhere but familiar networks), if one holds.
  std::optional<Timestamp> locked_until;
};

class UserAdminService {
 public:
  UserAdminService(Store& store, const PasswordHasher& hasher, const Clock& clock, Rng& rng)
      : store_(store), hasher_(hasher), clock_(clock), rng_(rng) {}

  Result<AddedUser> add_user(const NewUser& request, const Actor& actor);
  Result<UserDetails> show_user(std::string_view upn);
  Result<std::vector<User>> list_users(const UserListQuery& query);
  Status block_user(std::string_view upn, const Actor& actor);
  Status unblock_user(std::string_view upn, const Actor& actor);
  Status delete_user(std::string_view upn, const Actor& actor);
  // Sets a new temporary password (returned once), clears a lockout and ends the user's sessions.
  Result<SecretBytes> reset_password(std::string_view upn, const Actor& actor);
  Status set_mfa_state(std::string_view upn, MfaState state, const Actor& actor);
  // "Revoke MFA sessions": every device where the user chose "Don't ask again" asks for MFA
  // again. How many devices were forgotten.
  Result<std::size_t> revoke_mfa_sessions(std::string_view upn, const Actor& actor);
  // Makes the user an admin or a member again; takes effect at their next request.
  Status set_role(std::string_view upn, Role role, const Actor& actor);

 private:
  Result<User> find(std::string_view upn);
  Status set_status(std::string_view upn, UserStatus status, const Actor& actor);
  AuditLogEntry audit(const Actor& actor, std::string action, std::string target,
                      std::string detail);

  Store& store_;
  const PasswordHasher& hasher_;
  const Clock& clock_;
  Rng& rng_;
};

}  // namespace tessera
