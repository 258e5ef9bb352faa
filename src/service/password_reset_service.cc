#include "service/password_reset_service.h"

#include <algorithm>

#include "base/ids.h"
#include "crypto/token.h"
#include "domain/password_rules.h"
#include "domain/upn.h"
#include "service/code_input.h"
#include "service/flow_codec.h"
#include "service/throttles.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxTypedUpnLength = 254;
constexpr std::string_view kResetNotice =
    "Your password was reset. If this wasn't you, contact your IT department now.";

bool lower_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether the comma-separated `list` holds `item`.
bool listed(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (list.substr(0, comma) == item) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

int proved_count(std::string_view list) {
  if (list.empty()) return 0;
  return 1 + static_cast<int>(std::count(list.begin(), list.end(), ','));
}

void append(std::string& list, std::string_view item) {
  if (!list.empty()) list += ",";
  list += item;
}

}  // namespace

Result<ResetPage> PasswordResetService::restart() {
  ResetPage page;
  IssuedToken id = issue_token(rng_);
  page.flow_id = std::string(id.token.view());
  page.flow = start_flow(clock_.now());
  page.flow.kind = FlowKind::password_reset;
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  page.not_enabled = !policy.sspr_enabled;
  return page;
}

Result<ResetPage> PasswordResetService::start() {
  return restart();
}

Result<std::optional<PasswordResetService::Loaded>> PasswordResetService::load(
    std::string_view flow_id, std::string_view posted_step) {
  return load_stored_flow(store_, flow_id, FlowKind::password_reset, posted_step, clock_.now());
}

Status PasswordResetService::write(Store& store, Loaded& loaded, const SignInFlow& flow) {
  TESSERA_RETURN_IF_ERROR(write_stored_flow(store, rng_, loaded, flow));
  loaded.flow = flow;
  return Status();
}

std::vector<ResetChoice> PasswordResetService::choices(const SignInFlow& flow,
                                                       const OrgPolicy& policy) const {
  std::vector<ResetChoice> out;
  for (const SignInMethod* method : methods_.all()) {
    for (const ResetWay& way : method->reset_ways(policy.allowed_methods)) {
      std::string choice = std::string(method->kind_name()) + ":" + way.way;
      // A way proved already is not offered again: the next proof is another method.
      if (listed(flow.reset_proved_ways, choice)) continue;
      out.push_back({std::move(choice), way.text});
    }
  }
  return out;
}

Result<ResetPage> PasswordResetService::page_for(const Loaded& loaded, const OrgPolicy& policy) {
  ResetPage page;
  page.flow_id = loaded.id;
  page.flow = loaded.flow;
  page.proofs_required = loaded.flow.reset_required;
  page.proof_number =
      std::min(proved_count(loaded.flow.reset_proved_ways) + 1, loaded.flow.reset_required);
  if (const auto* choose = std::get_if<step::ResetChooseProof>(&loaded.flow.step)) {
    page.upn = choose->upn;
    page.choices = choices(loaded.flow, policy);
  }
  if (const auto* challenging = std::get_if<step::Challenging>(&loaded.flow.step)) {
    if (!challenging->delivery_id.empty()) {
      TESSERA_ASSIGN_OR_RETURN(page.delivery, delivery_outcome(store_, challenging->delivery_id));
      page.waiting_for_delivery = page.delivery && page.delivery->pending();
    }
  }
  return page;
}

Result<ResetPage> PasswordResetService::current(std::string_view flow_id) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, ""));
  if (!loaded) return restart();
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  return page_for(*loaded, policy);
}

Result<ResetPage> PasswordResetService::submit_username(std::string_view flow_id,
                                                        std::string_view posted_step,
                                                        std::string_view username,
                                                        std::string_view client_ip) {
  if (posted_step != "username" || flow_id.empty()) return restart();
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  if (!policy.sspr_enabled) return restart();
  const Timestamp now = clock_.now();
  const std::string network = network_of(client_ip);
  if (!network.empty() && settings_.max_flow_starts_per_network > 0) {
    TESSERA_ASSIGN_OR_RETURN(std::optional<CountedAttempt> starts,
                             store_.count_attempt(throttles::network_sign_in_starts(network), now,
                                                  throttles::network_sign_in_start_rule(
                                                      settings_.max_flow_starts_per_network)));
    if (starts && starts->count > settings_.max_flow_starts_per_network) {
      TESSERA_ASSIGN_OR_RETURN(ResetPage page, restart());
      page.retry_after_seconds = static_cast<int>(
          std::chrono::duration_cast<std::chrono::seconds>(kFlowStartWindow).count());
      return page;
    }
  }
  if (flow_id.size() <= kMaxFlowIdLength) (void)store_.delete_flow(hash_token(flow_id));
  auto canonical = canonical_upn(username);
  const std::string upn =
      canonical.ok() ? *canonical : std::string(username.substr(0, kMaxTypedUpnLength));
  // A name that is no active user goes on exactly like one (with no user behind it).
  std::string user_id;
  std::int64_t security_version = 0;
  if (canonical.ok()) {
    auto user = store_.find_user_by_upn(*canonical);
    if (!user.ok() && user.status().code() != ErrorCode::not_found) return user.status();
    if (user.ok() && user->status == UserStatus::active) {
      user_id = user->id;
      security_version = user->security_version;
    }
  }
  IssuedToken id = issue_token(rng_);
  Loaded loaded;
  loaded.id = std::string(id.token.view());
  loaded.id_hash = id.token_hash;
  SignInFlow flow = start_flow(now);
  flow.kind = FlowKind::password_reset;
  flow.security_version = security_version;
  flow.reset_required = reset_methods_required(methods_, policy);
  if (flow.reset_required < 1) return restart();  // nothing could prove it is them
  flow.step = step::ResetChooseProof{upn, user_id};
  loaded.step = std::string(step_name(flow.step));
  TESSERA_RETURN_IF_ERROR(write(store_, loaded, flow));
  return page_for(loaded, policy);
}

Result<ResetPage> PasswordResetService::submit_way(std::string_view flow_id,
                                                   std::string_view posted_step,
                                                   std::string_view choice,
                                                   std::string_view typed) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart();
  const auto* choose = std::get_if<step::ResetChooseProof>(&loaded->flow.step);
  if (choose == nullptr) return restart();
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  const auto offered = choices(loaded->flow, policy);
  if (std::none_of(offered.begin(), offered.end(),
                   [&](const ResetChoice& offer) { return offer.choice == choice; })) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart();
  }
  const std::size_t colon = choice.find(':');
  const SignInMethod* plugin = methods_.find(choice.substr(0, colon));
  const std::string way(choice.substr(colon + 1));
  if (plugin == nullptr) return restart();
  const auto destination = plugin->reset_destination(typed.substr(0, 320));
  if (!destination) {
    TESSERA_ASSIGN_OR_RETURN(ResetPage page, page_for(*loaded, policy));
    page.problem =
        "Type your email address or phone number in full, as you registered it (phone "
        "numbers with their country code, such as +44 7400 123456).";
    return page;
  }
  // The user's method of that kind at that destination, if any; otherwise a stand-in of the
  // same kind, whose code is never sent (the page is the same).
  const Timestamp now = clock_.now();
  Method target;
  target.kind = plugin->kind();
  target.detail = *destination;
  target.secret = SecretBytes::from_string(way);
  bool real = false;
  if (!choose->user_id.empty()) {
    TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(choose->user_id));
    for (Method& method : methods) {
      if (method.kind == plugin->kind() && lower_equal(method.detail, *destination) &&
          !listed(loaded->flow.reset_proved_methods, method.id)) {
        target = std::move(method);
        real = true;
        break;
      }
    }
  }
  MethodContext context{rng_, now, ViewContext{choose->upn, settings_.tenant_name, true},
                        std::nullopt};
  context.way = way;
  context.policy = &policy;
  MethodStage stage = plugin->begin_challenge(target, context);
  SignInFlow flow = loaded->flow;
  flow.wrong_codes = 0;
  flow.reset_way = std::string(choice);
  flow.step = step::Challenging{choose->user_id, real ? target.id : std::string(),
                                std::string(plugin->kind_name()), std::move(stage.name),
                                std::move(stage.state)};
  std::optional<SendRefusal> refused;
  const bool sends = real && stage.send.has_value();
  if (sends && settings_.deliveries == nullptr) refused = SendRefusal::queue_full;
  const Status saved = store_.transaction([&](Store& tx) -> Status {
    if (sends && settings_.deliveries != nullptr) {
      TESSERA_ASSIGN_OR_RETURN(
          auto queued, settings_.deliveries->queue(tx, rng_, choose->user_id, *stage.send, now));
      if (const auto* id = std::get_if<std::string>(&queued)) {
        set_delivery(flow.step, *id);
      } else {
        refused = std::get<SendRefusal>(queued);
      }
    }
    return write(tx, *loaded, flow);
  });
  if (saved.code() == ErrorCode::failed_precondition) return restart();
  TESSERA_RETURN_IF_ERROR(saved);
  if (sends && settings_.deliveries != nullptr) settings_.deliveries->wake();
  TESSERA_ASSIGN_OR_RETURN(ResetPage page, page_for(*loaded, policy));
  page.send_refused = refused;
  return page;
}

Result<ResetPage> PasswordResetService::submit_code(std::string_view flow_id,
                                                    std::string_view posted_step,
                                                    const FormValues& form) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart();
  const auto* challenging = std::get_if<step::Challenging>(&loaded->flow.step);
  if (challenging == nullptr) return restart();
  const SignInMethod* plugin = methods_.find(challenging->kind);
  if (plugin == nullptr) return restart();
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  const Timestamp now = clock_.now();
  const MethodStage at{challenging->stage, challenging->state, std::nullopt};
  if (!plugin->checks_answer(at)) return restart();

  auto refuse = [&](std::string problem) -> Result<ResetPage> {
    TESSERA_ASSIGN_OR_RETURN(ResetPage page, page_for(*loaded, policy));
    page.problem = std::move(problem);
    return page;
  };
  // Counted before checked: the flow's codes, and the user's (shared with sign-in).
  TESSERA_ASSIGN_OR_RETURN(std::optional<int> attempts,
                           store_.count_flow_attempt(loaded->id_hash, kMaxWrongCodesPerChallenge));
  // Too many wrong codes end the reset, and the page that starts again says why.
  const auto too_many = [&]() -> Result<ResetPage> {
    (void)store_.delete_flow(loaded->id_hash);
    TESSERA_ASSIGN_OR_RETURN(ResetPage page, restart());
    page.problem = "Too many attempts. Start again.";
    return page;
  };
  if (!attempts) return too_many();
  const bool real = !challenging->method_id.empty() && loaded->user.has_value();
  const ThrottleKey codes = throttles::user_codes(real ? loaded->user->id : std::string());
  if (real) {
    TESSERA_ASSIGN_OR_RETURN(const Timestamp locked, throttles::lock_end(store_, codes.key, now));
    std::optional<CountedAttempt> counted;
    if (locked <= now) {
      TESSERA_ASSIGN_OR_RETURN(counted, store_.count_attempt(codes, now, throttles::code_rule()));
    }
    if (locked > now || !counted) {
      TESSERA_ASSIGN_OR_RETURN(const Timestamp until, throttles::lock_end(store_, codes.key, now));
      TESSERA_ASSIGN_OR_RETURN(ResetPage page, page_for(*loaded, policy));
      page.code_locked = true;
      page.locked_minutes = minutes_until(until, now);
      return page;
    }
  }
  bool accepted = false;
  Method method;
  if (real) {
    auto found = store_.find_method(challenging->method_id);
    if (!found.ok() || found->user_id != loaded->user->id) return restart();
    method = std::move(found).value();
    TESSERA_ASSIGN_OR_RETURN(std::optional<DeliveryOutcome> delivered,
                             delivery_outcome(store_, challenging->delivery_id));
    MethodContext context{rng_, now, ViewContext{loaded->user->upn, settings_.tenant_name, true},
                          delivered};
    context.policy = &policy;
    accepted =
        plugin->answer_challenge(at, method, form, context).outcome == event::CodeOutcome::accepted;
  }
  if (!accepted) {
    if (*attempts >= kMaxWrongCodesPerChallenge) return too_many();
    return refuse("That code didn't work. Check the code and try again.");
  }
  SignInFlow flow = loaded->flow;
  append(flow.reset_proved_ways, flow.reset_way);
  append(flow.reset_proved_methods, method.id);
  flow.reset_way.clear();
  const std::string user_id = loaded->user->id;
  if (proved_count(flow.reset_proved_methods) >= flow.reset_required) {
    flow.step = step::ResetNewPassword{user_id};
  } else {
    flow.step = step::ResetChooseProof{loaded->user->upn, user_id};
  }
  const Status saved = store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.reset_throttle(codes.key));
    return write(tx, *loaded, flow);
  });
  if (saved.code() == ErrorCode::failed_precondition) return restart();
  TESSERA_RETURN_IF_ERROR(saved);
  return page_for(*loaded, policy);
}

Result<ResetPage> PasswordResetService::submit_new_password(std::string_view flow_id,
                                                            std::string_view posted_step,
                                                            const SecretBytes& fresh,
                                                            const SecretBytes& confirm) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded || !loaded->user ||
      !std::holds_alternative<step::ResetNewPassword>(loaded->flow.step)) {
    return restart();
  }
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  const User& user = *loaded->user;
  auto refuse = [&](PasswordProblem problem) -> Result<ResetPage> {
    TESSERA_ASSIGN_OR_RETURN(ResetPage page, page_for(*loaded, policy));
    page.password_problem = problem;
    return page;
  };
  using Problem = PasswordProblem::Kind;
  if (!fresh.equals(confirm)) return refuse({Problem::confirmation_differs, {}});
  if (auto rule = password_refusal(fresh.view(), {user.upn, user.display_name})) {
    return refuse({Problem::breaks_a_rule, *rule});
  }
  // The password being replaced (perhaps known to someone else) is not a new one.
  if (!user.password_hash.empty()) {
    TESSERA_ASSIGN_OR_RETURN(const bool same, hasher_.verify(fresh, user.password_hash));
    if (same) return refuse({Problem::same_as_current, {}});
  }
  TESSERA_ASSIGN_OR_RETURN(std::string hash, hasher_.hash(fresh));
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(user.id));
  SignInFlow flow = loaded->flow;
  flow.step = step::ResetDone{};
  bool queued = false;
  // The password, the end of every session, sign-in and remembered device, the lifted lockout,
  // the notices and the flow's end commit together; only if nothing changed the user meanwhile.
  const Status saved = store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(
        tx.update_password(user.id, hash, false, now, loaded->flow.security_version).status());
    TESSERA_RETURN_IF_ERROR(tx.delete_user_sessions(user.id));
    TESSERA_RETURN_IF_ERROR(tx.delete_user_flows(user.id, loaded->id_hash));
    TESSERA_RETURN_IF_ERROR(tx.forget_remembered_devices(user.id).status());
    // Every password lockout of theirs: the account's and each familiar network's.
    TESSERA_RETURN_IF_ERROR(
        tx.reset_user_throttles(user.id, std::string(throttles::kPasswordThrottlePrefix)));
    TESSERA_RETURN_IF_ERROR(
        tx.append_audit(AuditLogEntry{new_id(rng_), now, user.upn, "user.reset_password", user.upn,
                                      "self-service password reset"}));
    if (settings_.deliveries != nullptr) {
      for (const Method& method : methods) {
        const SignInMethod* plugin = methods_.find(method.kind);
        if (plugin == nullptr) continue;
        auto notice =
            plugin->notice(method, kResetNotice, ViewContext{user.upn, settings_.tenant_name});
        if (!notice) continue;
        TESSERA_ASSIGN_OR_RETURN(auto sent,
                                 settings_.deliveries->queue(tx, rng_, user.id, *notice, now,
                                                             DeliveryQueue::Cause::notice));
        queued = queued || std::holds_alternative<std::string>(sent);
      }
    }
    return write(tx, *loaded, flow);
  });
  wipe_string(hash);
  if (saved.code() == ErrorCode::failed_precondition || saved.code() == ErrorCode::not_found) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart();
  }
  TESSERA_RETURN_IF_ERROR(saved);
  if (queued) settings_.deliveries->wake();
  TESSERA_ASSIGN_OR_RETURN(ResetPage page, page_for(*loaded, policy));
  (void)store_.delete_flow(loaded->id_hash);  // done: nothing more to do with it
  return page;
}

}  // namespace tessera
