#include "service/user_admin_service.h"

#include "base/ids.h"
#include "domain/password_rules.h"
#include "domain/sign_in_decision.h"
#include "domain/upn.h"
#include "service/temporary_password.h"
#include "service/throttles.h"

namespace tessera {

Result<User> UserAdminService::find(std::string_view upn) {
  TESSERA_ASSIGN_OR_RETURN(std::string canonical, canonical_upn(upn));
  auto user = store_.find_user_by_upn(canonical);
  if (!user.ok() && user.status().code() == ErrorCode::not_found) {
    return not_found("no user " + canonical);
  }
  return user;
}

AuditLogEntry UserAdminService::audit(const Actor& actor, std::string action, std::string target,
                                      std::string detail) {
  return AuditLogEntry{new_id(rng_),      clock_.now(),      actor.name,
                       std::move(action), std::move(target), std::move(detail)};
}

Result<AddedUser> UserAdminService::add_user(const NewUser& request, const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(std::string upn, canonical_upn(request.upn));
  std::string display_name = request.display_name;
  if (display_name.empty()) display_name = upn.substr(0, upn.find('@'));
  if (display_name.size() > kMaxDisplayNameLength) {
    return invalid_argument("a display name can be at most 256 characters long");
  }
  for (unsigned char c : display_name) {
    if (c < 0x20 || c == 0x7f)
      return invalid_argument("a display name cannot hold control characters");
  }

  AddedUser added;
  SecretBytes password;
  if (request.password) {
    TESSERA_RETURN_IF_ERROR(
        check_new_password(request.password->view(), PasswordContext{upn, display_name}));
    password = *request.password;
  } else {
    password = generate_temporary_password(rng_);
    added.generated_password = password;
  }
  TESSERA_ASSIGN_OR_RETURN(std::string hash, hasher_.hash(password));
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());

  const Timestamp now = clock_.now();
  User& user = added.user;
  user.id = new_id(rng_);
  user.upn = upn;
  user.display_name = std::move(display_name);
  user.password_hash = std::move(hash);
  user.password_temporary = !request.password || request.password_temporary;
  user.mfa_state = initial_mfa_state(policy, now);
  user.mfa_state_changed_at = now;
  user.created_at = now;
  user.password_changed_at = now;

  const AuditLogEntry entry =
      audit(actor, "user.create", upn,
            std::string("created with MFA state ") + std::string(to_string(user.mfa_state)) +
                (user.password_temporary ? " and a temporary password" : ""));
  const Status created = store_.create_user(user, &entry);
  if (created.code() == ErrorCode::already_exists) {
    return already_exists("a user " + upn + " already exists");
  }
  TESSERA_RETURN_IF_ERROR(created);
  return added;
}

Result<UserDetails> UserAdminService::show_user(std::string_view upn) {
  TESSERA_ASSIGN_OR_RETURN(User user, find(upn));
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(user.id));
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(
      const Timestamp lock_ends,
      throttles::lock_end(store_, throttles::account_passwords(user.id).key, now));
  UserDetails details;
  if (lock_ends > now) details.locked_until = lock_ends;
  details.effective_mfa_state = effective_mfa_state(user, policy, now);
  details.user = std::move(user);
  details.methods = std::move(methods);
  return details;
}

Result<std::vector<User>> UserAdminService::list_users(const UserListQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return invalid_argument("a page of users holds 1 to 1000 users");
  }
  return store_.list_users(query);
}

Status UserAdminService::set_status(std::string_view upn, UserStatus status, const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(User user, find(upn));
  if (user.status == status) return Status();
  const AuditLogEntry entry =
      audit(actor, status == UserStatus::blocked ? "user.block" : "user.unblock", user.upn, "");
  // One transaction: the status, and for a block the end of every session and sign-in under way,
  // so nothing the user started before can still finish.
  return store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.update_status(user.id, status).status());
    if (status == UserStatus::blocked) {
      TESSERA_RETURN_IF_ERROR(tx.delete_user_sessions(user.id));
      TESSERA_RETURN_IF_ERROR(tx.delete_user_flows(user.id, ""));
    }
    return tx.append_audit(entry);
  });
}

Status UserAdminService::set_role(std::string_view upn, Role role, const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(User user, find(upn));
  if (user.role == role) return Status();
  const AuditLogEntry entry =
      audit(actor, "user.set_role", user.upn,
            std::string(to_string(user.role)) + " -> " + std::string(to_string(role)));
  return store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.update_role(user.id, role));
    return tx.append_audit(entry);
  });
}

Status UserAdminService::block_user(std::string_view upn, const Actor& actor) {
  return set_status(upn, UserStatus::blocked, actor);
}

Status UserAdminService::unblock_user(std::string_view upn, const Actor& actor) {
  return set_status(upn, UserStatus::active, actor);
}

Status UserAdminService::delete_user(std::string_view upn, const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(User user, find(upn));
  const AuditLogEntry entry = audit(actor, "user.delete", user.upn, "");
  return store_.delete_user(user.id, &entry);
}

Result<SecretBytes> UserAdminService::reset_password(std::string_view upn, const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(User user, find(upn));
  SecretBytes password = generate_temporary_password(rng_);
  TESSERA_ASSIGN_OR_RETURN(std::string hash, hasher_.hash(password));
  const AuditLogEntry entry =
      audit(actor, "user.reset_password", user.upn, "set a temporary password");
  // DESIGN.md section 9: a password reset ends every session and sign-in of the user; it also
  // lifts a lockout. Only those columns change.
  TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(
        tx.update_password(user.id, hash, true, clock_.now(), std::nullopt).status());
    TESSERA_RETURN_IF_ERROR(tx.reset_throttle(throttles::account_passwords(user.id).key));
    TESSERA_RETURN_IF_ERROR(tx.delete_user_sessions(user.id));
    TESSERA_RETURN_IF_ERROR(tx.delete_user_flows(user.id, ""));
    TESSERA_RETURN_IF_ERROR(tx.forget_remembered_devices(user.id).status());
    return tx.append_audit(entry);
  }));
  return password;
}

Result<std::size_t> UserAdminService::revoke_mfa_sessions(std::string_view upn,
                                                          const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(User user, find(upn));
  std::size_t forgotten = 0;
  TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
    TESSERA_ASSIGN_OR_RETURN(forgotten, tx.forget_remembered_devices(user.id));
    return tx.append_audit(audit(actor, "mfa.revoke_sessions", user.upn,
                                 "forgot " + std::to_string(forgotten) + " remembered devices"));
  }));
  return forgotten;
}

Status UserAdminService::set_mfa_state(std::string_view upn, MfaState state, const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(User user, find(upn));
  if (user.mfa_state == state) return Status();
  const AuditLogEntry entry =
      audit(actor, "mfa.set", user.upn,
            std::string(to_string(user.mfa_state)) + " -> " + std::string(to_string(state)));
  // A sign-in under way decided with the old state: it starts again (it must not, say, finish a
  // registration by setting Enforced over an admin's Disabled).
  return store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.update_mfa_state(user.id, state, clock_.now()));
    TESSERA_RETURN_IF_ERROR(tx.bump_security_version(user.id).status());
    TESSERA_RETURN_IF_ERROR(tx.delete_user_flows(user.id, ""));
    return tx.append_audit(entry);
  });
}

}  // namespace tessera
