#include "service/security_info_service.h"

#include <algorithm>

#include "base/ids.h"
#include "crypto/token.h"
#include "service/code_input.h"
#include "service/flow_codec.h"
#include "service/sign_in_service.h"
#include "service/stored_flow.h"
#include "service/throttles.h"

namespace tessera {
namespace {

// What a notice of a change says, naming only the kind of method (it may go to another phone).
std::string notice_text(std::string_view what, std::string_view kind) {
  return std::string(what) + ": " + std::string(kind) +
         ". If this wasn't you, contact your IT department now.";
}

FormValues code_form(std::string_view code) {
  return FormValues{{"code", std::string(code)}};
}

}  // namespace

namespace {

MethodSummary summary_of(const Method& method, const MethodRegistry& methods) {
  const SignInMethod* plugin = methods.find(method.kind);
  return MethodSummary{method.id,         method.kind,
                       method.label,      method.is_default,
                       method.created_at, plugin ? plugin->default_label_of(method) : method.label};
}

}  // namespace

Result<SecurityInfo> SecurityInfoService::overview(const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(const User user, store_.find_user_by_id(session.user_id));
  TESSERA_ASSIGN_OR_RETURN(const std::vector<Method> methods, store_.list_methods(session.user_id));
  TESSERA_ASSIGN_OR_RETURN(const OrgPolicy policy, store_.load_policy());
  SecurityInfo info{user.upn, user.display_name, {}, ""};
  for (const Method& method : methods) {
    info.methods.push_back(summary_of(method, methods_));
    const SignInMethod* plugin = methods_.find(method.kind);
    if (plugin == nullptr || !plugin->allowed_by(policy.allowed_methods)) continue;
    if (info.sign_in_method_id.empty() || method.is_default) info.sign_in_method_id = method.id;
  }
  info.remember_days = policy.remember_mfa_days;
  TESSERA_ASSIGN_OR_RETURN(info.remembered_devices,
                           store_.count_remembered_devices(user.id, clock_.now()));
  return info;
}

Result<std::size_t> SecurityInfoService::revoke_mfa_sessions(const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(const User user, store_.find_user_by_id(session.user_id));
  std::size_t forgotten = 0;
  const Timestamp now = clock_.now();
  TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
    TESSERA_ASSIGN_OR_RETURN(forgotten, tx.forget_remembered_devices(user.id));
    return tx.append_audit(AuditLogEntry{
        new_id(rng_), now, user.upn, "mfa.revoke_sessions", user.upn,
        "forgot " + std::to_string(forgotten) + " remembered devices on Security info"});
  }));
  return forgotten;
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
  return summary_of(method, methods_);
}

Status SecurityInfoService::require_fresh_proof(const SessionRecord& session,
                                                const std::vector<Method>& methods) {
  if (methods.empty()) return Status();
  if (session.mfa_at && clock_.now() - *session.mfa_at <= kFreshProofWindow) return Status();
  return permission_denied("To change your security info, first verify it's you.");
}

Status SecurityInfoService::check_fresh_proof(const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(session.user_id));
  return require_fresh_proof(session, methods);
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
  const SignInMethod* plugin = methods_.find(method.kind);
  const std::string text = notice_text("A sign-in method was removed from your account",
                                       plugin ? plugin->display_name() : "Method");
  TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.delete_method(method.id, &audit));
    // Every method it had hears of it, the deleted one too.
    TESSERA_RETURN_IF_ERROR(queue_notices(tx, user, methods, text));
    if (!method.is_default) return Status();
    for (const Method& other : methods) {
      if (other.id != method.id) return tx.set_default_method(user.id, other.id);
    }
    return Status();
  }));
  if (deliveries_ != nullptr) deliveries_->wake();
  return Status();
}

Status SecurityInfoService::queue_notices(Store& tx, const User& user,
                                          const std::vector<Method>& to, std::string_view text) {
  if (deliveries_ == nullptr) return Status();
  const ViewContext who{user.upn, tenant_name_};
  for (const Method& method : to) {
    const SignInMethod* plugin = methods_.find(method.kind);
    if (plugin == nullptr) continue;
    const std::optional<Outgoing> notice = plugin->notice(method, text, who);
    if (!notice) continue;
    // A notice that cannot go (a full queue, a country no longer allowed) does not stop the
    // change: the change is the person's, the notice only a courtesy to them.
    TESSERA_RETURN_IF_ERROR(
        deliveries_->queue(tx, rng_, user.id, *notice, clock_.now(), DeliveryQueue::Cause::notice)
            .status());
  }
  return Status();
}

Result<std::vector<MethodSummary>> SecurityInfoService::default_choices(
    const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(const std::vector<Method> methods, store_.list_methods(session.user_id));
  TESSERA_ASSIGN_OR_RETURN(const OrgPolicy policy, store_.load_policy());
  std::vector<MethodSummary> choices;
  for (const Method& method : methods) {
    const SignInMethod* plugin = methods_.find(method.kind);
    if (plugin != nullptr && plugin->allowed_by(policy.allowed_methods)) {
      choices.push_back(summary_of(method, methods_));
    }
  }
  return choices;
}

Status SecurityInfoService::set_default(const SessionRecord& session, std::string_view method_id) {
  TESSERA_ASSIGN_OR_RETURN(const Method method, own_method(session, method_id));
  TESSERA_ASSIGN_OR_RETURN(const std::vector<Method> methods, store_.list_methods(session.user_id));
  TESSERA_RETURN_IF_ERROR(require_fresh_proof(session, methods));
  TESSERA_ASSIGN_OR_RETURN(const OrgPolicy policy, store_.load_policy());
  const SignInMethod* plugin = methods_.find(method.kind);
  if (plugin == nullptr || !plugin->allowed_by(policy.allowed_methods)) {
    return invalid_argument("that method cannot be the default");
  }
  TESSERA_ASSIGN_OR_RETURN(const User user, store_.find_user_by_id(session.user_id));
  const AuditLogEntry audit{new_id(rng_), clock_.now(),
                            user.upn,     "method.default",
                            user.upn,     "default " + std::string(plugin->kind_name())};
  const std::string text =
      notice_text("Your default sign-in method was changed", plugin->display_name());
  TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.set_default_method(user.id, method.id));
    TESSERA_RETURN_IF_ERROR(queue_notices(tx, user, methods, text));
    return tx.append_audit(audit);
  }));
  if (deliveries_ != nullptr) deliveries_->wake();
  return Status();
}

Result<std::optional<SendRefusal>> SecurityInfoService::save(const std::string& id_hash,
                                                             std::int64_t version, SignInFlow& flow,
                                                             const std::optional<Outgoing>& send) {
  using Refused = std::optional<SendRefusal>;
  auto write = [&](Store& store) {
    return store
        .save_flow(FlowRecord{id_hash, encode_flow(flow), version, flow.expires_at,
                              *user_id_of(flow.step)})
        .status();
  };
  set_delivery(flow.step, "");
  if (!send) {
    TESSERA_RETURN_IF_ERROR(write(store_));
    return Refused();
  }
  if (deliveries_ == nullptr) {  // nothing can be sent: the page says so
    TESSERA_RETURN_IF_ERROR(write(store_));
    return Refused(SendRefusal::queue_full);
  }
  // The message and the stage that sent it commit together.
  Refused refused;
  TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
    TESSERA_ASSIGN_OR_RETURN(
        auto queued, deliveries_->queue(tx, rng_, *user_id_of(flow.step), *send, clock_.now()));
    if (const auto* id = std::get_if<std::string>(&queued)) {
      set_delivery(flow.step, *id);
    } else {
      refused = std::get<SendRefusal>(queued);
    }
    return write(tx);
  }));
  deliveries_->wake();
  return refused;
}

MethodContext SecurityInfoService::method_context(std::string_view upn,
                                                  std::optional<DeliveryOutcome> delivery) {
  return MethodContext{rng_, clock_.now(), ViewContext{upn, tenant_name_}, delivery};
}

Result<CodeCheck> SecurityInfoService::prove_with_code(const SessionRecord& session,
                                                       std::string_view code) {
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  const ThrottleKey codes = throttles::user_codes(user.id);
  auto locked = [&]() -> Result<CodeCheck> {
    TESSERA_ASSIGN_OR_RETURN(const Timestamp until, throttles::lock_end(store_, codes.key, now));
    return CodeCheck{CodeCheck::Outcome::locked, minutes_until(until, now)};
  };
  const CodeCheck wrong{CodeCheck::Outcome::wrong, 0};
  // Count first, then check, as at sign-in: parallel requests check no more codes than the limit;
  // the attempt that reaches it locks codes as it is counted, and a right code lifts the lock.
  TESSERA_ASSIGN_OR_RETURN(std::optional<CountedAttempt> attempt,
                           store_.count_attempt(codes, now, throttles::code_rule()));
  if (!attempt) return locked();
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(user.id));
  TESSERA_ASSIGN_OR_RETURN(const OrgPolicy policy, store_.load_policy());
  const FormValues form = code_form(code);
  // The methods whose code is typed without sending anything (an app); the others prove through
  // a step-up flow (begin_step_up), which sends their code.
  for (const Method& method : methods) {
    const SignInMethod* plugin = methods_.find(method.kind);
    if (plugin == nullptr || plugin->challenge_sends() ||
        !plugin->allowed_by(policy.allowed_methods)) {
      continue;
    }
    const ChallengeAnswer answer =
        plugin->answer_challenge(plugin->begin_challenge(method, method_context(user.upn)), method,
                                 form, method_context(user.upn));
    if (answer.outcome == event::CodeOutcome::wrong) continue;
    if (answer.outcome == event::CodeOutcome::already_used) return wrong;
    bool fresh = true;
    TESSERA_RETURN_IF_ERROR(store_.transaction([&](Store& tx) -> Status {
      if (answer.used_step) {
        TESSERA_ASSIGN_OR_RETURN(fresh, tx.advance_method_step(method.id, *answer.used_step));
        if (!fresh) return Status();
      }
      TESSERA_RETURN_IF_ERROR(tx.set_session_mfa(session.token_hash, now));
      return tx.reset_throttle(codes.key);
    }));
    return fresh ? CodeCheck{CodeCheck::Outcome::accepted, 0} : wrong;
  }
  return wrong;  // (the lock this attempt may have started shows from the next one)
}

Result<std::vector<std::string>> SecurityInfoService::addable_kinds() {
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  std::vector<std::string> kinds;
  for (const SignInMethod* method : methods_.registrable(policy.allowed_methods))
    kinds.emplace_back(method->kind_name());
  return kinds;
}

Result<AddMethodFlow> SecurityInfoService::begin_add(const SessionRecord& session,
                                                     std::string_view kind) {
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  const SignInMethod* method = methods_.find(kind);
  if (method == nullptr || !method->registrable_by(policy.allowed_methods)) {
    return invalid_argument("that method cannot be added");
  }
  return begin_registration(session, *method, "");
}

Result<AddMethodFlow> SecurityInfoService::begin_change(const SessionRecord& session,
                                                        std::string_view method_id) {
  TESSERA_ASSIGN_OR_RETURN(const Method method, own_method(session, method_id));
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  const SignInMethod* plugin = methods_.find(method.kind);
  if (plugin == nullptr || !plugin->registrable_by(policy.allowed_methods)) {
    return invalid_argument("that method cannot be changed");
  }
  return begin_registration(session, *plugin, method.id);
}

Result<AddMethodFlow> SecurityInfoService::begin_registration(const SessionRecord& session,
                                                              const SignInMethod& method,
                                                              std::string replaces) {
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(session.user_id));
  TESSERA_RETURN_IF_ERROR(require_fresh_proof(session, methods));
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  const Timestamp now = clock_.now();
  IssuedToken id = issue_token(rng_);
  SignInFlow flow = start_flow(now);
  flow.kind = FlowKind::add_method;
  flow.security_version = user.security_version;
  flow.expires_at = now + kAddMethodLifetime;
  flow.replaces = std::move(replaces);
  MethodContext context = method_context(user.upn);
  context.policy = &policy;
  MethodStage stage = method.begin_registration(context);
  flow.step = step::Registering{session.user_id, std::string(method.kind_name()),
                                std::move(stage.name), std::move(stage.state)};
  TESSERA_ASSIGN_OR_RETURN(auto refused, save(id.token_hash, 0, flow, stage.send));
  AddMethodFlow added{std::string(id.token.view()), std::move(flow)};
  added.send_refused = refused;
  return added;
}

Result<SecurityInfoService::LoadedAdd> SecurityInfoService::load_add(const SessionRecord& session,
                                                                     std::string_view flow_id,
                                                                     FlowKind kind) {
  TESSERA_ASSIGN_OR_RETURN(std::optional<StoredFlow> stored,
                           find_stored_flow(store_, flow_id, kind, clock_.now()));
  if (!stored) return not_found("no method is being added");
  const std::string* user_id = user_id_of(stored->flow.step);
  if (user_id == nullptr || *user_id != session.user_id) {
    return not_found("no method is being added");
  }
  LoadedAdd loaded{AddMethodFlow{std::string(flow_id), std::move(stored->flow)},
                   std::move(stored->id_hash), stored->version};
  if (const std::string* delivery = delivery_of(loaded.added.flow.step); delivery != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(loaded.added.delivery, delivery_outcome(store_, *delivery));
  }
  return loaded;
}

Result<AddMethodFlow> SecurityInfoService::add_flow(const SessionRecord& session,
                                                    std::string_view flow_id) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id));
  return std::move(loaded.added);
}

const SignInMethod* SecurityInfoService::method_of_flow(const AddMethodFlow& added) const {
  const auto* registering = std::get_if<step::Registering>(&added.flow.step);
  return registering == nullptr ? nullptr : methods_.find(registering->kind);
}

Result<AddMethodFlow> SecurityInfoService::add_step_on(const SessionRecord& session,
                                                       std::string_view flow_id,
                                                       const FormValues& form) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id));
  AddMethodFlow& added = loaded.added;
  const SignInMethod* method = method_of_flow(added);
  if (method == nullptr) return not_found("no method is being added");
  const auto& registering = std::get<step::Registering>(added.flow.step);
  const MethodStage at{registering.stage, registering.state, std::nullopt};
  if (method->checks_answer(at)) return added;  // already past it: a repeated "Next"
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  MethodContext context = method_context(user.upn);
  context.policy = &policy;
  RegistrationAnswer moved = method->answer_registration(at, form, context);
  if (moved.outcome == RegistrationAnswer::Outcome::invalid) {
    added.problem = std::move(moved.problem);
    return added;
  }
  if (moved.outcome != RegistrationAnswer::Outcome::next_stage) {
    return not_found("no method is being added");
  }
  // The same state machine as sign-in moves the flow on (an expired flow restarts, which here
  // means it is gone).
  Transition moved_on =
      advance(std::move(added.flow),
              event::MethodStageReached{std::move(moved.next.name), std::move(moved.next.state)},
              TransitionContext{clock_.now()});
  if (moved_on.restarted) {
    (void)store_.delete_flow(loaded.id_hash);
    return not_found("no method is being added");
  }
  added.flow = std::move(moved_on.flow);
  TESSERA_ASSIGN_OR_RETURN(added.send_refused,
                           save(loaded.id_hash, loaded.version, added.flow, moved.next.send));
  added.delivery.reset();
  return added;
}

Result<CodeCheck> SecurityInfoService::confirm_add(const SessionRecord& session,
                                                   std::string_view flow_id,
                                                   std::string_view code) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id));
  AddMethodFlow& added = loaded.added;
  const SignInMethod* method = method_of_flow(added);
  if (method == nullptr) return not_found("no method is being added");
  const auto& registering = std::get<step::Registering>(added.flow.step);
  const MethodStage at{registering.stage, registering.state, std::nullopt};
  if (!method->checks_answer(at)) return not_found("no method is being added");
  TESSERA_ASSIGN_OR_RETURN(std::optional<DeliveryOutcome> delivered,
                           delivery_outcome(store_, registering.delivery_id));
  const bool by_delivery = method->waits_for_delivery(at);
  if (by_delivery && !(delivered && delivered->settled())) {
    return CodeCheck{CodeCheck::Outcome::waiting, 0};
  }
  auto too_many = [&]() -> CodeCheck {
    (void)store_.delete_flow(loaded.id_hash);
    return CodeCheck{CodeCheck::Outcome::attempts_used_up, 0};
  };
  // Count first, then check: parallel posts check no more codes than the limit.
  TESSERA_ASSIGN_OR_RETURN(std::optional<int> attempts,
                           store_.count_flow_attempt(loaded.id_hash, kMaxWrongCodesPerChallenge));
  if (!attempts) return too_many();
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(User owner, store_.find_user_by_id(session.user_id));
  RegistrationAnswer answer =
      method->answer_registration(at, code_form(code), method_context(owner.upn, delivered));
  if (answer.outcome != RegistrationAnswer::Outcome::accepted) {
    if (*attempts >= kMaxWrongCodesPerChallenge) return too_many();
    if (by_delivery) {
      // That call is spent: the stage no longer waits for it.
      TESSERA_RETURN_IF_ERROR(
          save(loaded.id_hash, loaded.version, added.flow, std::nullopt).status());
    }
    return CodeCheck{CodeCheck::Outcome::wrong, 0};
  }
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(session.user_id));
  const bool change = !added.flow.replaces.empty();
  const std::string kind(method->kind_name());
  const AuditLogEntry audit{
      new_id(rng_), now,
      user.upn,     change ? "method.change" : "method.add",
      user.upn,     (change ? "changed " : "added ") + kind + " on Security info"};
  const std::string text = notice_text(change ? "A sign-in method on your account was changed"
                                              : "A sign-in method was added to your account",
                                       method->display_name());
  // The flow ends and the method is added together, once: of parallel confirms only the one whose
  // flow version still matches adds it, and only while the user is as they were.
  const Status committed = store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.check_user_unchanged(user.id, added.flow.security_version));
    TESSERA_RETURN_IF_ERROR(tx.delete_flow_at_version(loaded.id_hash, loaded.version));
    TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, tx.list_methods(user.id));
    Method added_method =
        registered_method(new_id(rng_), user.id, *method, std::move(answer), methods, now);
    if (change) {
      // The old method goes only now that the new one is proved, and only if it is still there.
      const auto old = std::find_if(methods.begin(), methods.end(), [&](const Method& m) {
        return m.id == added.flow.replaces && m.kind == method->kind();
      });
      if (old == methods.end()) return failed_precondition("the method was deleted meanwhile");
      added_method.is_default = old->is_default;
      TESSERA_RETURN_IF_ERROR(tx.delete_method(old->id, nullptr));
    }
    TESSERA_RETURN_IF_ERROR(tx.add_method(added_method, &audit));
    // The methods it had hear of it (a changed one at its old number or address).
    return queue_notices(tx, user, methods, text);
  });
  if (committed.code() == ErrorCode::failed_precondition) {
    return not_found("no method is being added");
  }
  TESSERA_RETURN_IF_ERROR(committed);
  if (deliveries_ != nullptr) deliveries_->wake();
  return CodeCheck{CodeCheck::Outcome::accepted, 0};
}

Result<std::vector<StepUpWay>> SecurityInfoService::step_up_ways(const SessionRecord& session) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(session.user_id));
  TESSERA_ASSIGN_OR_RETURN(const OrgPolicy policy, store_.load_policy());
  std::stable_partition(methods.begin(), methods.end(),
                        [](const Method& method) { return method.is_default; });
  std::vector<StepUpWay> ways;
  for (const Method& method : methods) {
    const SignInMethod* plugin = methods_.find(method.kind);
    if (plugin == nullptr || !plugin->allowed_by(policy.allowed_methods)) continue;
    for (ChallengeOption& option : plugin->challenge_options(method, policy.allowed_methods)) {
      ways.push_back(StepUpWay{method.id, std::move(option.way), std::move(option.text),
                               plugin->challenge_sends()});
    }
  }
  return ways;
}

Result<StepUpFlow> SecurityInfoService::begin_step_up(const SessionRecord& session,
                                                      std::string_view method_id,
                                                      std::string_view way) {
  TESSERA_ASSIGN_OR_RETURN(const std::vector<StepUpWay> ways, step_up_ways(session));
  if (std::none_of(ways.begin(), ways.end(), [&](const StepUpWay& offered) {
        return offered.method_id == method_id && offered.way == way && offered.sends;
      })) {
    return invalid_argument("that is not a way to verify");
  }
  TESSERA_ASSIGN_OR_RETURN(const Method method, own_method(session, method_id));
  const SignInMethod* plugin = methods_.find(method.kind);
  if (plugin == nullptr) return invalid_argument("that is not a way to verify");
  TESSERA_ASSIGN_OR_RETURN(const OrgPolicy policy, store_.load_policy());
  TESSERA_ASSIGN_OR_RETURN(const User user, store_.find_user_by_id(session.user_id));
  const Timestamp now = clock_.now();
  IssuedToken id = issue_token(rng_);
  SignInFlow flow = start_flow(now);
  flow.kind = FlowKind::step_up;
  flow.security_version = user.security_version;
  flow.expires_at = now + kAddMethodLifetime;
  MethodContext context = method_context(user.upn);
  context.way = std::string(way);
  context.policy = &policy;
  MethodStage stage = plugin->begin_challenge(method, context);
  flow.step = step::Challenging{user.id, method.id, std::string(plugin->kind_name()),
                                std::move(stage.name), std::move(stage.state)};
  TESSERA_ASSIGN_OR_RETURN(auto refused, save(id.token_hash, 0, flow, stage.send));
  StepUpFlow started{std::string(id.token.view()), std::move(flow)};
  started.send_refused = refused;
  return started;
}

Result<StepUpFlow> SecurityInfoService::step_up_flow(const SessionRecord& session,
                                                     std::string_view flow_id) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id, FlowKind::step_up));
  return std::move(loaded.added);
}

Result<CodeCheck> SecurityInfoService::answer_step_up(const SessionRecord& session,
                                                      std::string_view flow_id,
                                                      std::string_view code) {
  TESSERA_ASSIGN_OR_RETURN(LoadedAdd loaded, load_add(session, flow_id, FlowKind::step_up));
  const auto* challenging = std::get_if<step::Challenging>(&loaded.added.flow.step);
  if (challenging == nullptr) return not_found("no step-up is under way");
  const SignInMethod* plugin = methods_.find(challenging->kind);
  auto method = own_method(session, challenging->method_id);
  if (plugin == nullptr || !method.ok() || method->kind != plugin->kind()) {
    (void)store_.delete_flow(loaded.id_hash);
    return not_found("no step-up is under way");
  }
  const MethodStage at{challenging->stage, challenging->state, std::nullopt};
  const bool by_delivery = plugin->waits_for_delivery(at);
  const std::optional<DeliveryOutcome>& delivered = loaded.added.delivery;
  if (by_delivery && !(delivered && delivered->settled())) {
    return CodeCheck{CodeCheck::Outcome::waiting, 0};
  }
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(const User user, store_.find_user_by_id(session.user_id));
  const ThrottleKey codes = throttles::user_codes(user.id);
  // Counted first, per user (as prove_with_code) and per flow, then checked.
  TESSERA_ASSIGN_OR_RETURN(std::optional<CountedAttempt> attempt,
                           store_.count_attempt(codes, now, throttles::code_rule()));
  if (!attempt) {
    TESSERA_ASSIGN_OR_RETURN(const Timestamp until, throttles::lock_end(store_, codes.key, now));
    return CodeCheck{CodeCheck::Outcome::locked, minutes_until(until, now)};
  }
  auto too_many = [&]() -> CodeCheck {
    (void)store_.delete_flow(loaded.id_hash);
    return CodeCheck{CodeCheck::Outcome::attempts_used_up, 0};
  };
  TESSERA_ASSIGN_OR_RETURN(std::optional<int> attempts,
                           store_.count_flow_attempt(loaded.id_hash, kMaxWrongCodesPerChallenge));
  if (!attempts) return too_many();
  const ChallengeAnswer answer =
      plugin->answer_challenge(at, *method, code_form(code), method_context(user.upn, delivered));
  if (answer.outcome != event::CodeOutcome::accepted) {
    if (*attempts >= kMaxWrongCodesPerChallenge) return too_many();
    if (by_delivery) {
      // That call is spent: the stage no longer waits for it.
      TESSERA_RETURN_IF_ERROR(
          save(loaded.id_hash, loaded.version, loaded.added.flow, std::nullopt).status());
    }
    return CodeCheck{CodeCheck::Outcome::wrong, 0};
  }
  bool fresh = true;
  const Status committed = store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.check_user_unchanged(user.id, loaded.added.flow.security_version));
    TESSERA_RETURN_IF_ERROR(tx.delete_flow_at_version(loaded.id_hash, loaded.version));
    if (answer.used_step) {
      TESSERA_ASSIGN_OR_RETURN(fresh, tx.advance_method_step(method->id, *answer.used_step));
      if (!fresh) return Status();
    }
    TESSERA_RETURN_IF_ERROR(tx.set_session_mfa(session.token_hash, now));
    return tx.reset_throttle(codes.key);
  });
  if (committed.code() == ErrorCode::failed_precondition) return not_found("no step-up");
  TESSERA_RETURN_IF_ERROR(committed);
  return fresh ? CodeCheck{CodeCheck::Outcome::accepted, 0}
               : CodeCheck{CodeCheck::Outcome::wrong, 0};
}

}  // namespace tessera
