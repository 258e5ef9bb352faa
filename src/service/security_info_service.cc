#include "service/security_info_service.h"

#include <algorithm>

#include "base/ids.h"
#include "crypto/otp.h"
#include "crypto/token.h"
#include "service/code_input.h"
#include "service/flow_codec.h"
#include "service/sign_in_service.h"

namespace tessera {
namespace {

const std::string* user_id_of_add_flow(const SignInFlow& flow) {
  if (const auto* set_up = std::get_if<step::SetUpAuthenticatorApp>(&flow.step)) {
    return &set_up->user_id;
  }
  if (const auto* verify = std::get_if<step::VerifyAuthenticatorApp>(&flow.step)) {
    return &verify->user_id;
  }
  return nullptr;
}

}  // namespace

namespace {

MethodSummary summary_of(const Method& method) {
  return MethodSummary{method.id, method.kind, method.label, method.is_default, method.created_at};
}

}  // namespace

Result<SecurityInfo> SecurityInfoService::overview(const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(const User user, store_.find_user_by_id(session.user_id));
  TESSERA_ASSIGN_OR_RETURN(const std::vector<Method> methods, store_.list_methods(session.user_id));
  SecurityInfo info{user.upn, user.display_name, {}};
  for (const Method& method : methods)
    info.methods.push_back(summary_of(method));
  return info;
}

Result<Method> SecurityInfoService::own_method(const SessionRecord& session,
                                               std::string_view method_id) {
  auto method = store_.find_method(std::string(method_id));
  if (!method.ok() || method->user_id != session.user_id) {
    return not_found("no such sign-in method");
  }
  return method;
}

Result<MethodSummary> SecurityInfoService::method_of(const SessionRecord& session,
                                                     std::string_view method_id) {
  TESSERA_ASSIGN_OR_RETURN(const Method method, own_method(session, method_id));
  return summary_of(method);
}

Status SecurityInfoService::require_fresh_proof(const SessionRecord& session,
                                                const std::vector<Method>& methods) {
  if (methods.empty()) return Status();
  if (session.mfa_at && clock_.now() - *session.mfa_at <= kFreshProofWindow) return Status();
  return permission_denied(
      "To change your security info, first verify it's you with a code from your authenticator "
      "app.");
}

Status SecurityInfoService::delete_method(const SessionRecord& session,
                                          std::string_view method_id) {
  TESSERA_ASSIGN_OR_RETURN(Method method, own_method(session, method_id));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(session.user_id));
  TESSERA_RETURN_IF_ERROR(require_fresh_proof(session, methods));
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  const AuditLogEntry audit{new_id(rng_), clock_.now(),
                            user.upn,     "method.delete",
                            user.upn,     "deleted " + std::string(to_string(method.kind))};
  return store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.delete_method(method.id, &audit));
    if (!method.is_default) return Status();
    for (const Method& other : methods) {
      if (other.id != method.id) return tx.set_default_method(user.id, other.id);
    }
    return Status();
  });
}

Status SecurityInfoService::save(const std::string& id_hash, std::int64_t version,
                                 const SignInFlow& flow) {
  return store_
      .save_flow(FlowRecord{id_hash, encode_flow(flow), version, flow.expires_at,
                            *user_id_of_add_flow(flow)})
      .status();
}

Result<bool> SecurityInfoService::prove_with_code(const SessionRecord& session,
                                                  std::string_view code) {
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  auto locked = [&]() -> Status {
    TESSERA_ASSIGN_OR_RETURN(User current, store_.find_user_by_id(user.id));
    return resource_exhausted(code_lockout_message(
        minutes_until(current.code_locked_until.value_or(now + kCodeLockoutDuration), now)));
  };
  // Count first, then check, as at sign-in: parallel requests check no more codes than the limit.
  TESSERA_ASSIGN_OR_RETURN(std::optional<int> attempts,
                           store_.count_code_attempt(user.id, now, kMaxWrongCodesPerUser));
  if (!attempts) return locked();
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(user.id));
  const std::string digits = normalise_code(code);
  for (const Method& method : methods) {
    if (method.kind != MethodKind::authenticator_app) continue;
    const auto step = match_totp(method.secret.span(), digits, now, TotpParameters{});
    if (!step) continue;
    bool fresh = false;
    TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
      TESSERA_ASSIGN_OR_RETURN(fresh, tx.advance_method_step(method.id, *step));
      if (!fresh) return Status();
      TESSERA_RETURN_IF_ERROR(tx.set_session_mfa(session.token_hash, now));
      return tx.reset_code_failures(user.id);
    }));
    return fresh;
  }
  if (*attempts >= kMaxWrongCodesPerUser) {
    TESSERA_RETURN_IF_ERROR(store_.set_code_lockout(user.id, now + kCodeLockoutDuration));
  }
  return false;
}

Result<AddMethodFlow> SecurityInfoService::begin_add_app(const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(session.user_id));
  TESSERA_RETURN_IF_ERROR(require_fresh_proof(session, methods));
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  const Timestamp now = clock_.now();
  IssuedToken id = issue_token(rng_);
  SignInFlow flow = start_flow(now);
  flow.kind = FlowKind::add_method;
  flow.security_version = user.security_version;
  flow.expires_at = now + kAddMethodLifetime;
  flow.step = step::SetUpAuthenticatorApp{session.user_id, rng_.secret_bytes(20)};
  TESSERA_RETURN_IF_ERROR(save(id.token_hash, 0, flow));
  return AddMethodFlow{std::string(id.token.view()), std::move(flow)};
}

Result<SecurityInfoService::LoadedAdd> SecurityInfoService::load_add(const SessionRecord& session,
                                                                     std::string_view flow_id) {
  if (flow_id.empty() || flow_id.size() > 128) return not_found("no method is being added");
  std::string id_hash = hash_token(flow_id);
  auto record = store_.find_flow(id_hash, clock_.now());
  if (!record.ok()) return not_found("no method is being added");
  auto flow = decode_flow(record->state);
  if (!flow.ok() || flow->kind != FlowKind::add_method) {
    return not_found("no method is being added");
  }
  const std::string* user_id = user_id_of_add_flow(*flow);
  if (user_id == nullptr || *user_id != session.user_id) {
    return not_found("no method is being added");
  }
  return LoadedAdd{AddMethodFlow{std::string(flow_id), std::move(flow).value()}, std::move(id_hash),
                   record->version};
}

Result<AddMethodFlow> SecurityInfoService::add_flow(const SessionRecord& session,
                                                    std::string_view flow_id) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id));
  return std::move(loaded.added);
}

Result<AddMethodFlow> SecurityInfoService::add_app_scanned(const SessionRecord& session,
                                                           std::string_view flow_id) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id));
  AddMethodFlow& added = loaded.added;
  auto* set_up = std::get_if<step::SetUpAuthenticatorApp>(&added.flow.step);
  if (set_up == nullptr) return added;  // already at the code: a repeated "Next"
  added.flow.step = step::VerifyAuthenticatorApp{set_up->user_id, std::move(set_up->secret)};
  TESSERA_RETURN_IF_ERROR(save(loaded.id_hash, loaded.version, added.flow));
  return added;
}

Result<bool> SecurityInfoService::confirm_add_app(const SessionRecord& session,
                                                  std::string_view flow_id, std::string_view code) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id));
  AddMethodFlow& added = loaded.added;
  auto* verify = std::get_if<step::VerifyAuthenticatorApp>(&added.flow.step);
  if (verify == nullptr) return not_found("no method is being added");
  auto too_many = [&]() -> Status {
    (void)store_.delete_flow(loaded.id_hash);
    return resource_exhausted("Too many wrong codes. Start adding the method again.");
  };
  // Count first, then check: parallel posts check no more codes than the limit.
  TESSERA_ASSIGN_OR_RETURN(std::optional<int> attempts,
                           store_.count_flow_attempt(loaded.id_hash, kMaxWrongCodesPerChallenge));
  if (!attempts) return too_many();
  const Timestamp now = clock_.now();
  const auto matched =
      match_totp(verify->secret.span(), normalise_code(code), now, TotpParameters{});
  if (!matched) {
    if (*attempts >= kMaxWrongCodesPerChallenge) return too_many();
    return false;
  }
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  const AuditLogEntry audit{new_id(rng_), now,      user.upn,
                            "method.add", user.upn, "added an authenticator app on Security info"};
  // The flow ends and the method is added together, once: of parallel confirms only the one whose
  // flow version still matches adds it, and only while the user is as they were.
  const Status committed = store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.check_user_unchanged(user.id, added.flow.security_version));
    TESSERA_RETURN_IF_ERROR(tx.delete_flow_at_version(loaded.id_hash, loaded.version));
    TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, tx.list_methods(user.id));
    const Method method =
        new_authenticator_app(new_id(rng_), user.id, verify->secret, methods, now, *matched);
    return tx.add_method(method, &audit);
  });
  if (committed.code() == ErrorCode::failed_precondition) {
    return not_found("no method is being added");
  }
  TESSERA_RETURN_IF_ERROR(committed);
  return true;
}

}  // namespace tessera
