#include "service/sign_in_service.h"

#include <algorithm>

#include "base/hex.h"
#include "base/ids.h"
#include "crypto/hmac.h"
#include "crypto/token.h"
#include "domain/ip_range.h"
#include "domain/password_rules.h"
#include "domain/upn.h"
#include "service/code_input.h"
#include "service/flow_codec.h"
#include "service/fraud_reports.h"

namespace tessera {
namespace {

// The method of a Registering or Challenging step and the stage it is at, with its state; a null
// method at any other step, or for a kind this server no longer offers.
struct MethodAtStep {
  const SignInMethod* method = nullptr;
  MethodStage at;
};

MethodAtStep method_at_step(const MethodRegistry& methods, const SignInStep& step) {
  if (const auto* registering = std::get_if<step::Registering>(&step)) {
    return {methods.find(registering->kind),
            MethodStage{registering->stage, registering->state, std::nullopt}};
  }
  if (const auto* challenging = std::get_if<step::Challenging>(&step)) {
    return {methods.find(challenging->kind),
            MethodStage{challenging->stage, challenging->state, std::nullopt}};
  }
  return {};
}

constexpr std::size_t kMaxLoggedUpnLength = 254;

bool is_final(const SignInStep& step) {
  return std::holds_alternative<step::StaySignedIn>(step) ||
         std::holds_alternative<step::SignedIn>(step);
}

// RFC 8176 values of what a completed sign-in did: always the password, and the method that
// proved the second factor (a first registration counts) with "mfa".
std::string session_amr(const SignInFlow& flow) {
  if (flow.method_amr.empty()) return "pwd";
  return "pwd " + flow.method_amr + " mfa";
}

}  // namespace

Result<SignInPage> SignInService::start(SignInFlow::Notice notice) {
  return restart(notice);
}

Result<SignInPage> SignInService::start_for_app(const AppSignIn& app, const SignInClient& client) {
  SignInFlow flow = start_flow(clock_.now());
  flow.continuation = app.continuation;
  flow.app = app.app;
  flow.mfa_demanded = app.mfa_demanded;
  TESSERA_ASSIGN_OR_RETURN(SignInPage page, store_at_sign_in(std::move(flow)));
  if (!app.login_hint.empty() && app.login_hint.size() <= kMaxLoggedUpnLength) {
    return submit_username(page.flow_id, step_name(page.flow.step), app.login_hint, client);
  }
  return page;
}

Result<SignInPage> SignInService::store_at_sign_in(SignInFlow flow) {
  IssuedToken id = issue_token(rng_);
  StoredFlow stored;
  stored.id = std::string(id.token.view());
  stored.id_hash = id.token_hash;
  stored.flow = std::move(flow);
  stored.step = std::string(step_name(stored.flow.step));
  // Stored at "Sign in" so the username carries the app on (submit_username); it holds nothing
  // of a user.
  TESSERA_RETURN_IF_ERROR(write_stored_flow(store_, rng_, stored, stored.flow));
  SignInPage page;
  page.flow_id = stored.id;
  page.flow = std::move(stored.flow);
  return page;
}

Result<SignInPage> SignInService::restart(SignInFlow::Notice notice) {
  const Timestamp now = clock_.now();
  IssuedToken id = issue_token(rng_);
  SignInFlow flow = start_flow(now);
  flow.notice = notice;
  // A flow at "Sign in" holds nothing yet, so it is not stored: the id only binds the page's CSRF
  // token. It is stored from the username on, under a new id (submit_username).
  SignInPage page;
  page.flow_id = std::string(id.token.view());
  page.flow = std::move(flow);
  return page;
}

// Old flows and counters are swept on the path every new visitor takes, at most once a minute per
// node, so no timer is needed and a busy server does not pay for it on every request.
void SignInService::sweep_expired_flows(Timestamp now) {
  std::int64_t last = last_sweep_.load();
  const std::int64_t seconds = to_unix_seconds(now);
  if (seconds - last < kFlowSweepInterval.count()) return;
  if (!last_sweep_.compare_exchange_strong(last, seconds)) return;  // another thread sweeps
  (void)store_.delete_expired_flows(now);
  (void)store_.forget_idle_throttles(now);
  (void)store_.delete_expired_report_links(now);
  (void)store_.delete_expired_oidc(now);  // codes, refresh tokens and grants of apps
}

std::string SignInService::name_hash(std::string_view upn) const {
  const auto mac = hmac_sha256(name_key_.span(),
                               {reinterpret_cast<const std::uint8_t*>(upn.data()), upn.size()});
  return to_hex(mac);
}

Result<std::optional<SignInService::Loaded>> SignInService::load(std::string_view flow_id,
                                                                 std::string_view posted_step) {
  // Only sign-in flows: an "add a method" flow of Security info must never reach a session here.
  TESSERA_ASSIGN_OR_RETURN(
      std::optional<StoredFlow> stored,
      load_stored_flow(store_, flow_id, FlowKind::sign_in, posted_step, clock_.now()));
  if (!stored) return std::optional<Loaded>();
  Loaded loaded;
  static_cast<StoredFlow&>(loaded) = std::move(*stored);
  return std::optional<Loaded>(std::move(loaded));
}

SignInPage SignInService::page_for(const Loaded& loaded, SignInFlow flow, StepMessage message) {
  SignInPage page;
  page.flow_id = loaded.id;
  page.message = message;
  page.flow = std::move(flow);
  if (const auto* password = std::get_if<step::EnterPassword>(&page.flow.step)) {
    page.upn = password->upn;
  } else if (loaded.user) {
    page.upn = loaded.user->upn;
  }
  if (const std::string* delivery = delivery_of(page.flow.step); delivery != nullptr) {
    if (!delivery->empty()) {
      auto outcome = delivery_outcome(store_, *delivery);
      if (outcome.ok()) page.delivery = *outcome;
    }
    page.send_refused = loaded.send_refused;
    const auto [method, at] = method_at_step(methods_, page.flow.step);
    const bool pending = page.delivery && page.delivery->pending();
    const bool unanswered =
        page.delivery && page.delivery->status == DeliveryStatus::sent && !page.delivery->settled();
    page.waiting_for_delivery =
        pending || (method != nullptr && method->waits_for_delivery(at) && unanswered);
  }
  if (std::holds_alternative<step::StaySignedIn>(page.flow.step) &&
      offers_remember_device(page.flow)) {
    page.remember_days = page.flow.remember_days;
  }
  if (const auto* keep = std::get_if<step::KeepAccountSecure>(&page.flow.step)) {
    auto policy = store_.load_policy();
    auto methods = store_.list_methods(keep->user_id);
    if (policy.ok() && methods.ok()) {
      page.reset_info_required = reset_methods_required(methods_, *policy);
      page.reset_info_registered = reset_methods_of(*methods, *policy);
      for (const SignInMethod* method : methods_.password_resetting(policy->allowed_methods)) {
        SignInPage::ResetInfoItem item{std::string(method->kind_name()),
                                       std::string(method->display_name()), ""};
        for (const Method& registered : *methods) {
          if (registered.kind == method->kind()) item.label = registered.label;
        }
        page.reset_info.push_back(std::move(item));
      }
    }
  }
  if (std::holds_alternative<step::ChooseMethod>(page.flow.step)) {
    // The policy decides what is offered; if it cannot be read, every method is shown and the
    // choice is checked against the policy when it is posted.
    auto policy = store_.load_policy();
    const auto offered = policy.ok() ? methods_.allowed(policy->allowed_methods) : methods_.all();
    for (const SignInMethod* method : offered)
      page.method_choices.emplace_back(method->kind_name());
  }
  return page;
}

Result<SignInPage> SignInService::current(std::string_view flow_id, const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, ""));
  if (!loaded || std::holds_alternative<step::SignedIn>(loaded->flow.step)) {
    return restart(SignInFlow::Notice::none);
  }
  // A call answered (or given up on) answers the stage that waits for it.
  if (const std::string* delivery = delivery_of(loaded->flow.step);
      delivery != nullptr && !delivery->empty()) {
    const auto [method, at] = method_at_step(methods_, loaded->flow.step);
    if (method != nullptr && method->waits_for_delivery(at)) {
      TESSERA_ASSIGN_OR_RETURN(auto outcome, delivery_outcome(store_, *delivery));
      if (outcome && outcome->settled()) {
        return submit_method_answer(flow_id, at.name, FormValues{}, client);
      }
    }
  }
  SignInFlow flow = std::move(loaded->flow);
  return page_for(*loaded, std::move(flow), StepMessage::none);
}

Status SignInService::write_flow(Store& store, Loaded& loaded, const SignInFlow& flow) {
  return write_stored_flow(store, rng_, loaded, flow);
}

MethodContext SignInService::method_context(std::string_view upn, Timestamp now,
                                            std::optional<DeliveryOutcome> delivery) {
  return MethodContext{rng_, now, ViewContext{upn, limits_.tenant_name}, delivery};
}

Status SignInService::queue_send(Store& tx, Loaded& loaded, SignInFlow& flow) {
  if (delivery_of(flow.step) == nullptr) return Status();
  if (!loaded.send) {
    if (step_name(flow.step) != loaded.step) set_delivery(flow.step, "");
    return Status();
  }
  set_delivery(flow.step, "");
  if (limits_.deliveries == nullptr) {
    loaded.send_refused = SendRefusal::queue_full;
    return Status();
  }
  const std::string* user_id = user_id_of(flow.step);
  TESSERA_ASSIGN_OR_RETURN(auto queued, limits_.deliveries->queue(tx, rng_, user_id ? *user_id : "",
                                                                  *loaded.send, clock_.now()));
  if (const auto* id = std::get_if<std::string>(&queued)) {
    set_delivery(flow.step, *id);
    if (!loaded.report_link_hash.empty() && user_id != nullptr) {
      TESSERA_RETURN_IF_ERROR(tx.add_report_link(loaded.report_link_hash, *user_id,
                                                 clock_.now() + kReportLinkLifetime));
    }
  } else {
    loaded.send_refused = std::get<SendRefusal>(queued);
    if (loaded.kept_if_refused) flow = *loaded.kept_if_refused;
  }
  return Status();
}

Result<SignInPage> SignInService::save(Loaded& loaded, Transition transition) {
  if (transition.restarted) {
    (void)store_.delete_flow(loaded.id_hash);
    // An app's sign-in starts again for the same app.
    if (!transition.flow.continuation.empty()) return store_at_sign_in(std::move(transition.flow));
    return restart(transition.flow.notice);
  }
  Status saved;
  if (loaded.send) {
    // The message and the step that sent it commit together.
    const Loaded before = loaded;
    saved = store_.transaction([&](Store& tx) -> Status {
      TESSERA_RETURN_IF_ERROR(queue_send(tx, loaded, transition.flow));
      return write_flow(tx, loaded, transition.flow);
    });
    if (!saved.ok()) {
      loaded = before;
    } else if (limits_.deliveries != nullptr) {
      limits_.deliveries->wake();
    }
  } else {
    (void)queue_send(store_, loaded, transition.flow);
    saved = write_flow(store_, loaded, transition.flow);
  }
  if (!saved.ok()) {
    if (saved.code() == ErrorCode::failed_precondition) {
      return restart(SignInFlow::Notice::interrupted);
    }
    return saved;
  }
  return page_for(loaded, std::move(transition.flow), transition.message);
}

Result<SignInPage> SignInService::submit_username(std::string_view flow_id,
                                                  std::string_view posted_step,
                                                  std::string_view username,
                                                  const SignInClient& client) {
  if (posted_step != "username" || flow_id.empty()) return restart(SignInFlow::Notice::interrupted);
  const Timestamp now = clock_.now();
  sweep_expired_flows(now);
  // Every username stores a flow: bounded per client network, and one per cookie (a flow the
  // cookie already names is replaced).
  const std::string network = network_of(client.ip);
  if (!network.empty() && limits_.max_flow_starts_per_network > 0) {
    TESSERA_ASSIGN_OR_RETURN(std::optional<CountedAttempt> starts,
                             store_.count_attempt(throttles::network_sign_in_starts(network), now,
                                                  throttles::network_sign_in_start_rule(
                                                      limits_.max_flow_starts_per_network)));
    if (starts && starts->count > limits_.max_flow_starts_per_network) {
      TESSERA_ASSIGN_OR_RETURN(SignInPage page, restart(SignInFlow::Notice::none));
      page.message = StepMessage::too_many_sign_ins;
      page.locked_minutes = static_cast<int>(kFlowStartWindow.count());
      page.retry_after_seconds = static_cast<int>(
          std::chrono::duration_cast<std::chrono::seconds>(kFlowStartWindow).count());
      return page;
    }
  }
  // An app's sign-in (start_for_app) was stored at "Sign in": where it returns to goes on.
  TESSERA_ASSIGN_OR_RETURN(std::optional<StoredFlow> before,
                           find_stored_flow(store_, flow_id, FlowKind::sign_in, now));
  if (flow_id.size() <= kMaxFlowIdLength) (void)store_.delete_flow(hash_token(flow_id));
  // The username starts the stored flow, always under a fresh id: an id someone planted in the
  // browser (flow fixation) is never the one that ends signed in.
  IssuedToken id = issue_token(rng_);
  Loaded loaded;
  loaded.id = std::string(id.token.view());
  loaded.id_hash = id.token_hash;
  loaded.flow = start_flow(now);
  if (before && std::holds_alternative<step::EnterUsername>(before->flow.step)) {
    loaded.flow.continuation = std::move(before->flow.continuation);
    loaded.flow.app = std::move(before->flow.app);
    loaded.flow.mfa_demanded = before->flow.mfa_demanded;
  }
  loaded.step = std::string(step_name(loaded.flow.step));
  auto canonical = canonical_upn(username);
  // An invalid name goes on to "Enter password" like an unknown one: nothing is revealed.
  std::string upn =
      canonical.ok() ? *canonical : std::string(username.substr(0, kMaxLoggedUpnLength));
  Transition transition = advance(std::move(loaded.flow), event::UsernameEntered{std::move(upn)},
                                  TransitionContext{now});
  // Stored as new (version 0) under the id just issued.
  loaded.step = std::string(step_name(transition.flow.step));
  return save(loaded, std::move(transition));
}

Result<SignInService::Decided> SignInService::decide_after_password(const User& user,
                                                                    const OrgPolicy& policy,
                                                                    const SignInClient& client,
                                                                    bool app_requires_mfa) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(user.id));
  // The method to challenge: the default one if the policy allows its kind, else the first that
  // is allowed.
  const Method* usable = nullptr;
  const SignInMethod* plugin = nullptr;
  for (const Method& method : methods) {
    const SignInMethod* kind = methods_.find(method.kind);
    if (kind == nullptr || !kind->allowed_by(policy.allowed_methods)) continue;
    if (usable == nullptr || method.is_default) {
      usable = &method;
      plugin = kind;
    }
  }
  SignInFacts facts;
  facts.user = &user;
  facts.password_correct = true;
  facts.policy = &policy;
  if (auto ip = IpAddress::parse(client.ip); ip.ok()) facts.client_ip = *ip;
  facts.has_usable_method = usable != nullptr;
  facts.app_requires_mfa = app_requires_mfa;
  facts.now = clock_.now();
  if (usable != nullptr && remembers_mfa(policy)) {
    TESSERA_ASSIGN_OR_RETURN(facts.remembered_device_valid,
                             device_vouches(user, policy, client.device_token, facts.now));
  }
  Decided decided{decide_sign_in(facts), TransitionContext{facts.now}};
  decided.context.stay_prompt_suppressed = user.stay_prompt_suppressed;
  decided.context.remember_days = policy.remember_mfa_days;
  if (policy.sspr_enabled &&
      reset_methods_of(methods, policy) < reset_methods_required(methods_, policy)) {
    // "Keep your account secure" follows; its grace days run from the first time it asked.
    decided.context.reset_info_needed = true;
    const Timestamp asked = user.reset_prompted_at.value_or(facts.now);
    if (!user.reset_prompted_at)
      TESSERA_RETURN_IF_ERROR(store_.mark_reset_prompted(user.id, asked));
    decided.context.reset_info_skippable =
        policy.registration_grace_days > 0 &&
        facts.now < asked + std::chrono::days(policy.registration_grace_days);
  }
  if (decided.decision.next == NextStep::challenge_mfa) {
    MethodStage stage =
        begin_challenge(*plugin, *usable, user, policy, "", facts.now, decided.report_link_hash);
    decided.send = std::move(stage.send);
    decided.context.challenge = ChallengeStart{usable->id, std::string(plugin->kind_name()),
                                               std::move(stage.name), std::move(stage.state)};
  }
  return decided;
}

int SignInService::reset_methods_of(const std::vector<Method>& methods,
                                    const OrgPolicy& policy) const {
  int count = 0;
  for (const Method& method : methods) {
    const SignInMethod* plugin = methods_.find(method.kind);
    if (plugin != nullptr && plugin->serves_password_reset() &&
        !plugin->reset_ways(policy.allowed_methods).empty()) {
      ++count;
    }
  }
  return count;
}

MethodStage SignInService::begin_challenge(const SignInMethod& plugin, const Method& method,
                                           const User& user, const OrgPolicy& policy,
                                           std::string way, Timestamp now,
                                           std::string& report_link_hash) {
  MethodContext context = method_context(user.upn, now);
  context.way = std::move(way);
  context.policy = &policy;
  ReportLink link = new_report_link(rng_, limits_.public_url);
  context.report_url = std::move(link.url);
  MethodStage stage = plugin.begin_challenge(method, context);
  wipe_string(context.report_url);
  report_link_hash.clear();
  if (stage.send && stage.send->carries_report_link) report_link_hash = std::move(link.token_hash);
  return stage;
}

Result<bool> SignInService::device_vouches(const User& user, const OrgPolicy& policy,
                                           std::string_view device_token, Timestamp now) {
  if (device_token.empty() || device_token.size() > kMaxFlowIdLength) return false;
  TESSERA_ASSIGN_OR_RETURN(auto device,
                           store_.find_remembered_device(hash_token(device_token), now));
  return device && device->user_id == user.id && device->created_at >= user.password_changed_at &&
         device->created_at + std::chrono::days(policy.remember_mfa_days) > now;
}

Result<SignInPage> SignInService::refuse_locked(Loaded& loaded, const std::string& user_id,
                                                std::string_view upn, const SecretBytes& password,
                                                const SignInClient& client, Timestamp until,
                                                Timestamp now) {
  // The same Argon2id work as a checked password, so a locked account (or name) does not answer
  // faster than any other.
  TESSERA_RETURN_IF_ERROR(hasher_.dummy_verify(password));
  TESSERA_RETURN_IF_ERROR(
      log_attempt(loaded.flow, user_id, upn, client, SignInResult::failure, "account_locked"));
  Transition transition{std::move(loaded.flow), StepMessage::account_locked};
  TESSERA_ASSIGN_OR_RETURN(SignInPage page, save(loaded, std::move(transition)));
  page.locked_minutes = minutes_until(until, now);
  return page;
}

Result<SignInPage> SignInService::submit_password_unknown(
    Loaded& loaded, const std::string& upn, const SecretBytes& password, const SignInClient& client,
    const OrgPolicy& policy, const std::string& network, Timestamp now) {
  const ThrottleKey key = throttles::unknown_name_passwords(name_hash(upn));
  TESSERA_ASSIGN_OR_RETURN(std::optional<CountedAttempt> attempt,
                           store_.count_attempt(key, now, throttles::unknown_name_rule(policy)));
  if (!attempt) {
    TESSERA_ASSIGN_OR_RETURN(const Timestamp until, throttles::lock_end(store_, key.key, now));
    return refuse_locked(loaded, "", upn, password, client, until, now);
  }
  TESSERA_RETURN_IF_ERROR(hasher_.dummy_verify(password));
  TESSERA_RETURN_IF_ERROR(record_network_failure(network, now));
  const int locked_minutes = attempt->locked_until ? minutes_until(*attempt->locked_until, now) : 0;
  SignInFacts facts;
  facts.policy = &policy;
  facts.now = now;
  const SignInDecision decision = decide_sign_in(facts);
  Transition transition =
      advance(std::move(loaded.flow), event::PasswordChecked{decision, ""}, TransitionContext{now});
  TESSERA_RETURN_IF_ERROR(log_attempt(transition.flow, "", upn, client, SignInResult::failure,
                                      to_string(decision.rule)));
  if (locked_minutes > 0) transition.message = StepMessage::account_locked;
  TESSERA_ASSIGN_OR_RETURN(SignInPage page, save(loaded, std::move(transition)));
  page.locked_minutes = locked_minutes;
  return page;
}

Result<SignInPage> SignInService::submit_password(std::string_view flow_id,
                                                  std::string_view posted_step,
                                                  const SecretBytes& password,
                                                  const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const Timestamp now = clock_.now();
  const std::string upn = std::get<step::EnterPassword>(loaded->flow.step).upn;
  auto found = store_.find_user_by_upn(upn);
  if (!found.ok() && found.status().code() != ErrorCode::not_found) return found.status();
  const std::string network = network_of(client.ip);
  // A plain value and flag (not an optional): GCC 12 misreads the optional as maybe-uninitialized.
  Timestamp throttled_until{};
  bool throttled = false;
  if (!network.empty()) {
    TESSERA_ASSIGN_OR_RETURN(
        const Timestamp until,
        throttles::lock_end(store_, throttles::network_password_failures(network).key, now));
    throttled = until > now;
    if (throttled) throttled_until = until;
  }
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());

  if (!found.ok()) {
    if (throttled) return refuse_throttled(*loaded, "", upn, client, throttled_until, now);
    return submit_password_unknown(*loaded, upn, password, client, policy, network, now);
  }

  User user = std::move(found).value();
  // Smart lockout (DESIGN.md section 9): a network the user completed a sign-in from keeps its
  // own attempt counter and lock, so strangers elsewhere cannot lock them out of it. Everywhere
  // else shares the account's counter, and the network's own across accounts.
  std::optional<FamiliarNetwork> familiar;
  if (!network.empty()) {
    TESSERA_ASSIGN_OR_RETURN(familiar, store_.find_familiar_network(user.id, network));
  }
  if (throttled && !familiar) {
    return refuse_throttled(*loaded, user.id, user.upn, client, throttled_until, now);
  }
  // Count first, then check: of parallel attempts only as many reach Argon2id as the limit allows.
  // The attempt that reaches the threshold locked the account (or network) as it was counted; a
  // right password lifts the lock again below.
  const ThrottleKey counter = familiar ? throttles::familiar_network_passwords(user.id, network)
                                       : throttles::account_passwords(user.id);
  TESSERA_ASSIGN_OR_RETURN(std::optional<CountedAttempt> attempt,
                           store_.count_attempt(counter, now, throttles::password_rule(policy)));
  if (!attempt) {
    TESSERA_ASSIGN_OR_RETURN(const Timestamp until, throttles::lock_end(store_, counter.key, now));
    return refuse_locked(*loaded, user.id, user.upn, password, client, until, now);
  }
  // Counting decided whether this attempt is locked out (and the account's lock does not apply
  // on a familiar network).
  const std::optional<Timestamp> lock_until = attempt->locked_until;
  TESSERA_ASSIGN_OR_RETURN(const bool correct, hasher_.verify(password, user.password_hash));

  SignInDecision decision;
  TransitionContext context{now};
  context.stay_prompt_suppressed = user.stay_prompt_suppressed;
  if (correct && user.status == UserStatus::active) {
    TESSERA_RETURN_IF_ERROR(store_.reset_throttle(counter.key));
    if (hasher_.needs_rehash(user.password_hash)) {
      // Parameters changed since this hash was made: store one with today's, unless the password
      // itself changed meanwhile.
      if (auto rehashed = hasher_.hash(password); rehashed.ok()) {
        TESSERA_RETURN_IF_ERROR(
            store_.replace_password_hash(user.id, user.password_hash, *rehashed));
      }
    }
    TESSERA_ASSIGN_OR_RETURN(
        Decided decided, decide_after_password(user, policy, client, loaded->flow.mfa_demanded));
    decision = decided.decision;
    context = std::move(decided.context);
    loaded->send = std::move(decided.send);
    loaded->report_link_hash = std::move(decided.report_link_hash);
  } else {
    SignInFacts facts;
    facts.user = &user;
    facts.password_correct = correct;
    facts.policy = &policy;
    facts.now = now;
    decision = decide_sign_in(facts);
  }

  int locked_minutes = 0;
  if (decision.rule == DecisionRule::wrong_password) {
    if (!familiar) TESSERA_RETURN_IF_ERROR(record_network_failure(network, now));
    if (lock_until) {
      decision.rule = DecisionRule::account_locked;
      locked_minutes = minutes_until(*lock_until, now);
    }
  }

  // Someone who knows the password is told of a fraud report since their last sign-in: once,
  // unless it still blocks them.
  std::optional<FraudReport> fraud_report;
  if (correct) {
    TESSERA_ASSIGN_OR_RETURN(fraud_report, store_.untold_fraud_report(user.id));
  }

  // From here the flow knows who this is, and at which security version.
  loaded->flow.security_version = user.security_version;
  Transition transition =
      advance(std::move(loaded->flow), event::PasswordChecked{decision, user.id}, context);
  if (decision.next == NextStep::deny) {
    TESSERA_RETURN_IF_ERROR(log_attempt(transition.flow, user.id, user.upn, client,
                                        SignInResult::failure, to_string(decision.rule)));
    if (decision.rule == DecisionRule::account_locked) {
      transition.message = StepMessage::account_locked;
    }
    TESSERA_ASSIGN_OR_RETURN(SignInPage page, save(*loaded, std::move(transition)));
    page.locked_minutes = locked_minutes;
    page.fraud_report = std::move(fraud_report);
    return page;
  }
  loaded->user = std::move(user);
  auto page = finish_page(*loaded, std::move(transition), client);
  // Told once, on the page after the password; a sign-in that goes straight to Security info
  // shows no page, so it is told next time.
  if (page.ok() && fraud_report && !std::holds_alternative<step::SignedIn>(page->flow.step) &&
      !std::holds_alternative<step::EnterUsername>(page->flow.step)) {
    TESSERA_RETURN_IF_ERROR(store_.mark_fraud_reports_told(loaded->user->id, now));
    page->fraud_report = std::move(fraud_report);
  }
  return page;
}

std::string network_of(std::string_view client_ip) {
  auto address = IpAddress::parse(client_ip);
  return address.ok() ? enclosing_network(*address).to_string() : std::string();
}

Status SignInService::record_network_failure(const std::string& network, Timestamp now) {
  if (network.empty()) return Status();
  return store_
      .count_attempt(throttles::network_password_failures(network), now,
                     throttles::network_password_failure_rule())
      .status();
}

Result<SignInPage> SignInService::refuse_throttled(Loaded& loaded, const std::string& user_id,
                                                   std::string_view upn, const SignInClient& client,
                                                   Timestamp until, Timestamp now) {
  TESSERA_RETURN_IF_ERROR(
      log_attempt(loaded.flow, user_id, upn, client, SignInResult::failure, "network_throttled"));
  Transition transition{std::move(loaded.flow), StepMessage::network_throttled};
  TESSERA_ASSIGN_OR_RETURN(SignInPage page, save(loaded, std::move(transition)));
  page.locked_minutes = minutes_until(until, now);
  return page;
}

Result<SignInPage> SignInService::submit_new_password(
    std::string_view flow_id, std::string_view posted_step, const SecretBytes& current,
    const SecretBytes& fresh, const SecretBytes& confirm, const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  User& user = *loaded->user;

  using Problem = PasswordProblem::Kind;
  auto refuse = [&](Problem kind, PasswordRefusal rule = {}) -> Result<SignInPage> {
    SignInPage page = page_for(*loaded, std::move(loaded->flow), StepMessage::none);
    page.password_problem = PasswordProblem{kind, rule};
    return page;
  };
  TESSERA_ASSIGN_OR_RETURN(const bool current_correct, hasher_.verify(current, user.password_hash));
  if (!current_correct) return refuse(Problem::current_password_wrong);
  if (!fresh.equals(confirm)) return refuse(Problem::confirmation_differs);
  if (auto rule = password_refusal(fresh.view(), {user.upn, user.display_name})) {
    return refuse(Problem::breaks_a_rule, *rule);
  }
  if (fresh.equals(current)) return refuse(Problem::same_as_current);

  TESSERA_ASSIGN_OR_RETURN(std::string hash, hasher_.hash(fresh));
  const Timestamp now = clock_.now();
  const AuditLogEntry audit{new_id(rng_), now,
                            user.upn,     "user.change_password",
                            user.upn,     "changed the temporary password at sign-in"};
  // What comes next is decided for the user as they will be; the change commits with the flow's
  // move to that step, in one transaction, so racing posts change the password at most once and
  // the one that does also carries the flow on.
  user.password_temporary = false;
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  TESSERA_ASSIGN_OR_RETURN(Decided decided,
                           decide_after_password(user, policy, client, loaded->flow.mfa_demanded));
  loaded->send = std::move(decided.send);
  loaded->report_link_hash = std::move(decided.report_link_hash);
  const std::string user_id = user.id;
  const std::string keep_flow = loaded->id_hash;
  // Only the password columns, and only if nothing changed the user while Argon2id ran (a block
  // or a reset meanwhile wins). A password change ends every other session and sign-in (DESIGN.md
  // section 9).
  const Effects change_password = [&](Store& tx, SignInFlow& flow) -> Status {
    TESSERA_ASSIGN_OR_RETURN(flow.security_version,
                             tx.update_password(user_id, hash, false, now, flow.security_version));
    TESSERA_RETURN_IF_ERROR(tx.delete_user_sessions(user_id));
    TESSERA_RETURN_IF_ERROR(tx.delete_user_flows(user_id, keep_flow));
    return tx.append_audit(audit);
  };
  Transition transition =
      advance(std::move(loaded->flow), event::PasswordChanged{decided.decision}, decided.context);
  auto page = finish_page(*loaded, std::move(transition), client, change_password);
  wipe_string(hash);
  if (!page.ok() && page.status().code() == ErrorCode::not_found) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  }
  return page;
}

Result<SignInPage> SignInService::submit_more_information(std::string_view flow_id,
                                                          std::string_view posted_step, bool skip,
                                                          const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  TransitionContext context{clock_.now()};
  context.stay_prompt_suppressed = loaded->user->stay_prompt_suppressed;
  if (skip) {
    return finish_page(
        *loaded, advance(std::move(loaded->flow), event::RegistrationSkipped{}, context), client);
  }
  return save(*loaded, advance(std::move(loaded->flow), event::RegistrationAccepted{}, context));
}

Result<SignInPage> SignInService::submit_method_choice(std::string_view flow_id,
                                                       std::string_view posted_step,
                                                       std::string_view kind) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  const SignInMethod* method = methods_.find(kind);
  if (method == nullptr || !method->allowed_by(policy.allowed_methods)) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  }
  MethodContext context = method_context(loaded->user->upn, clock_.now());
  context.policy = &policy;
  MethodStage stage = method->begin_registration(context);
  loaded->send = std::move(stage.send);
  return save(*loaded, advance(std::move(loaded->flow),
                               event::MethodChosen{std::string(method->kind_name()),
                                                   std::move(stage.name), std::move(stage.state)},
                               TransitionContext{clock_.now()}));
}

Result<SignInPage> SignInService::submit_reset_info(std::string_view flow_id,
                                                    std::string_view posted_step,
                                                    std::string_view action,
                                                    const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded || !std::holds_alternative<step::KeepAccountSecure>(loaded->flow.step)) {
    return restart(SignInFlow::Notice::interrupted);
  }
  const Timestamp now = clock_.now();
  TransitionContext context{now};
  context.stay_prompt_suppressed = loaded->user->stay_prompt_suppressed;
  if (action == "skip") {
    return finish_page(
        *loaded, advance(std::move(loaded->flow), event::RegistrationSkipped{}, context), client);
  }
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  if (action == "finish") {
    TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(loaded->user->id));
    const int missing =
        reset_methods_required(methods_, policy) - reset_methods_of(methods, policy);
    if (policy.sspr_enabled && missing > 0) {
      SignInFlow unchanged = std::move(loaded->flow);
      SignInPage page = page_for(*loaded, std::move(unchanged), StepMessage::none);
      page.method_problem = missing == 1 ? "Set up one more method before you finish."
                                         : "Set up two methods before you finish.";
      return page;
    }
    return finish_page(
        *loaded, advance(std::move(loaded->flow), event::ResetInfoFinished{}, context), client);
  }
  const SignInMethod* method = methods_.find(action);
  const auto resetting = methods_.password_resetting(policy.allowed_methods);
  if (method == nullptr ||
      std::find(resetting.begin(), resetting.end(), method) == resetting.end()) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  }
  MethodContext method_ctx = method_context(loaded->user->upn, now);
  method_ctx.policy = &policy;
  MethodStage stage = method->begin_registration(method_ctx);
  loaded->send = std::move(stage.send);
  return save(*loaded, advance(std::move(loaded->flow),
                               event::MethodChosen{std::string(method->kind_name()),
                                                   std::move(stage.name), std::move(stage.state)},
                               context));
}

Result<std::vector<OtherWay>> SignInService::other_ways(const SignInPage& page) {
  std::vector<OtherWay> ways;
  const auto* challenging = std::get_if<step::Challenging>(&page.flow.step);
  if (challenging == nullptr) return ways;
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(challenging->user_id));
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  std::stable_partition(methods.begin(), methods.end(),
                        [](const Method& method) { return method.is_default; });
  for (const Method& method : methods) {
    const SignInMethod* plugin = methods_.find(method.kind);
    if (plugin == nullptr || !plugin->allowed_by(policy.allowed_methods)) continue;
    for (ChallengeOption& option : plugin->challenge_options(method, policy.allowed_methods)) {
      ways.push_back({method.id, std::move(option.way), std::move(option.text)});
    }
  }
  return ways;
}

Result<SignInPage> SignInService::submit_other_way(std::string_view flow_id,
                                                   std::string_view posted_step,
                                                   std::string_view method_id,
                                                   std::string_view way) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const User& user = *loaded->user;
  auto refuse = [&]() {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  };
  if (!std::holds_alternative<step::Challenging>(loaded->flow.step)) return refuse();
  auto found = store_.find_method(std::string(method_id));
  if (!found.ok() || found->user_id != user.id) return refuse();
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  const SignInMethod* plugin = methods_.find(found->kind);
  if (plugin == nullptr || !plugin->allowed_by(policy.allowed_methods)) return refuse();
  const auto options = plugin->challenge_options(*found, policy.allowed_methods);
  if (std::none_of(options.begin(), options.end(),
                   [&](const ChallengeOption& option) { return option.way == way; })) {
    return refuse();
  }
  const Timestamp now = clock_.now();
  MethodStage stage = begin_challenge(*plugin, *found, user, policy, std::string(way), now,
                                      loaded->report_link_hash);
  loaded->send = std::move(stage.send);
  loaded->kept_if_refused = loaded->flow;
  return save(*loaded,
              advance(std::move(loaded->flow),
                      event::ChallengeSwitched{found->id, std::string(plugin->kind_name()),
                                               std::move(stage.name), std::move(stage.state)},
                      TransitionContext{now}));
}

Result<SignInPage> SignInService::submit_code(std::string_view flow_id,
                                              std::string_view posted_step, std::string_view code,
                                              const SignInClient& client) {
  return submit_method_answer(flow_id, posted_step, FormValues{{"code", std::string(code)}},
                              client);
}

Result<SignInPage> SignInService::submit_method_answer(std::string_view flow_id,
                                                       std::string_view posted_step,
                                                       const FormValues& form,
                                                       const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const Timestamp now = clock_.now();
  const User& user = *loaded->user;
  TransitionContext context{now};
  context.stay_prompt_suppressed = user.stay_prompt_suppressed;

  auto* registering = std::get_if<step::Registering>(&loaded->flow.step);
  auto* challenging = std::get_if<step::Challenging>(&loaded->flow.step);
  const auto [method, at] = method_at_step(methods_, loaded->flow.step);
  if (method == nullptr) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  }
  TESSERA_ASSIGN_OR_RETURN(std::optional<DeliveryOutcome> delivered,
                           delivery_outcome(store_, *delivery_of(loaded->flow.step)));
  const MethodContext method_ctx = method_context(user.upn, now, delivered);
  // A stage answered by its call takes no form until the call's answer is known.
  const bool by_delivery = method->waits_for_delivery(at);
  if (by_delivery && !(delivered && delivered->settled())) {
    SignInFlow unchanged = std::move(loaded->flow);
    return page_for(*loaded, std::move(unchanged), StepMessage::none);
  }
  auto stay_locked = [&](Timestamp until) -> Result<SignInPage> {
    SignInPage page = page_for(*loaded, std::move(loaded->flow), StepMessage::none);
    page.code_locked = true;
    page.locked_minutes = minutes_until(until, now);
    return page;
  };
  Result<Method> found = not_found("no method");
  const ThrottleKey codes = throttles::user_codes(user.id);
  if (challenging != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(const Timestamp codes_locked_until,
                             throttles::lock_end(store_, codes.key, now));
    if (codes_locked_until > now) {
      TESSERA_RETURN_IF_ERROR(log_attempt(loaded->flow, user.id, user.upn, client,
                                          SignInResult::failure, "code_lockout"));
      return stay_locked(codes_locked_until);
    }
    found = store_.find_method(challenging->method_id);
    if (!found.ok() || found->user_id != user.id || found->kind != method->kind()) {
      (void)store_.delete_flow(loaded->id_hash);
      return restart(SignInFlow::Notice::interrupted);
    }
  }

  // A stage that checks nothing (e.g. "Next" after scanning) only moves the method on.
  if (!method->checks_answer(at)) {
    // (Off the hot path: only registrations step on, and what they check may be policy.)
    TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
    MethodContext step_ctx = method_ctx;
    step_ctx.policy = &policy;
    RegistrationAnswer moved = method->answer_registration(at, form, step_ctx);
    if (registering != nullptr && moved.outcome == RegistrationAnswer::Outcome::invalid) {
      SignInFlow unchanged = std::move(loaded->flow);
      SignInPage page = page_for(*loaded, std::move(unchanged), StepMessage::none);
      page.method_problem = std::move(moved.problem);
      return page;
    }
    if (registering == nullptr || moved.outcome != RegistrationAnswer::Outcome::next_stage) {
      (void)store_.delete_flow(loaded->id_hash);
      return restart(SignInFlow::Notice::interrupted);
    }
    loaded->send = std::move(moved.next.send);
    return save(*loaded, advance(std::move(loaded->flow),
                                 event::MethodStageReached{std::move(moved.next.name),
                                                           std::move(moved.next.state)},
                                 TransitionContext{now}));
  }

  // Count first, then check: this challenge's attempts, and (for a challenge) the user's, so
  // parallel requests check no more answers than the limits allow.
  TESSERA_ASSIGN_OR_RETURN(std::optional<int> attempts,
                           store_.count_flow_attempt(loaded->id_hash, kMaxWrongCodesPerChallenge));
  if (!attempts) {
    // The flow is left alone: a parallel request within the limit may be finishing it right now
    // with the right code. At its limit it can take no further code, and it expires.
    return restart(SignInFlow::Notice::too_many_attempts);
  }
  loaded->flow.wrong_codes = *attempts - 1;  // the state machine counts this one when it is wrong
  // The attempt that reaches the user's limit locks their codes as it is counted; a right code
  // lifts the lock again.
  std::optional<CountedAttempt> user_attempt;
  if (challenging != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(user_attempt,
                             store_.count_attempt(codes, now, throttles::code_rule()));
    if (!user_attempt) {
      TESSERA_RETURN_IF_ERROR(log_attempt(loaded->flow, user.id, user.upn, client,
                                          SignInResult::failure, "code_lockout"));
      TESSERA_ASSIGN_OR_RETURN(const Timestamp until, throttles::lock_end(store_, codes.key, now));
      return stay_locked(until);
    }
  }

  if (registering != nullptr) {
    RegistrationAnswer answer = method->answer_registration(at, form, method_ctx);
    if (answer.outcome != RegistrationAnswer::Outcome::accepted) {
      TESSERA_RETURN_IF_ERROR(
          log_attempt(loaded->flow, user.id, user.upn, client, SignInResult::interrupted,
                      by_delivery ? "call_not_approved_registering" : "wrong_code_registering"));
      Transition wrong =
          advance(std::move(loaded->flow), event::RegistrationAnswered{event::CodeOutcome::wrong},
                  TransitionContext{now});
      if (by_delivery && !wrong.restarted) {
        // That call is spent: the stage no longer waits for it.
        wrong.message = StepMessage::call_not_approved;
        set_delivery(wrong.flow.step, "");
      }
      return save(*loaded, std::move(wrong));
    }
    // The new method, the Enforced state and the flow commit together, once: of parallel posts
    // of this step only the one whose flow version still matches adds anything.
    const bool reset_info = loaded->flow.registering_reset_info;
    if (!reset_info && loaded->flow.reset_info_needed && method->serves_password_reset()) {
      // A first method that can also reset the password may be all "Keep your account secure"
      // would ask for.
      TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
      TESSERA_ASSIGN_OR_RETURN(std::vector<Method> existing, store_.list_methods(user.id));
      const bool resets = !method->reset_ways(policy.allowed_methods).empty();
      if (resets &&
          reset_methods_of(existing, policy) + 1 >= reset_methods_required(methods_, policy)) {
        loaded->flow.reset_info_needed = false;
      }
    }
    const Effects register_method = [&](Store& tx, SignInFlow&) -> Status {
      TESSERA_ASSIGN_OR_RETURN(std::vector<Method> existing, tx.list_methods(user.id));
      const Method added =
          registered_method(new_id(rng_), user.id, *method, std::move(answer), existing, now);
      const std::string kind(method->kind_name());
      const AuditLogEntry audit{new_id(rng_), now,      user.upn,
                                "method.add", user.upn, "registered " + kind + " at sign-in"};
      TESSERA_RETURN_IF_ERROR(tx.add_method(added, &audit));
      // Password reset info ("Keep your account secure") changes no MFA state, nor does an app's
      // demand on a user the admin left Disabled: that app asks again, the others do not.
      if (reset_info || user.mfa_state == MfaState::enforced) return Status();
      if (user.mfa_state == MfaState::disabled && loaded->flow.mfa_demanded) return Status();
      TESSERA_RETURN_IF_ERROR(tx.update_mfa_state(user.id, MfaState::enforced, now));
      return tx.append_audit(AuditLogEntry{new_id(rng_), now, "system", "mfa.set", user.upn,
                                           "enforced: registered " + kind});
    };
    // Password reset info proves no second factor for this sign-in: only a first method does.
    if (!reset_info) loaded->flow.method_amr = std::string(method->amr(at));
    return finish_page(*loaded,
                       advance(std::move(loaded->flow),
                               event::RegistrationAnswered{event::CodeOutcome::accepted}, context),
                       client, register_method);
  }

  ChallengeAnswer answer = method->answer_challenge(at, *found, form, method_ctx);
  if (answer.outcome == event::CodeOutcome::accepted) {
    // The replay guard commits with the flow (and the session, when this ends the sign-in).
    const MethodStepGuard guard{found->id, answer.used_step.value_or(0)};
    const bool guarded = answer.used_step.has_value();
    const Effects use_answer = [&](Store& tx, SignInFlow&) -> Status {
      if (guarded) {
        TESSERA_ASSIGN_OR_RETURN(bool fresh, tx.advance_method_step(guard.method_id, guard.step));
        if (!fresh) return already_exists("that code's time step was already used");
      }
      return tx.reset_throttle(codes.key);
    };
    SignInFlow flow = loaded->flow;
    flow.method_amr = std::string(method->amr(at));
    auto page = finish_page(
        *loaded,
        advance(std::move(flow), event::ChallengeAnswered{event::CodeOutcome::accepted}, context),
        client, use_answer);
    if (page.ok() || page.status().code() != ErrorCode::already_exists) return page;
    answer.outcome = event::CodeOutcome::already_used;
  }
  const event::CodeOutcome outcome = answer.outcome;
  TESSERA_RETURN_IF_ERROR(
      log_attempt(loaded->flow, user.id, user.upn, client, SignInResult::failure,
                  by_delivery                                   ? "call_not_approved"
                  : outcome == event::CodeOutcome::already_used ? "code_already_used"
                                                                : "wrong_code"));
  if (user_attempt && user_attempt->locked_until) return stay_locked(*user_attempt->locked_until);
  Transition wrong =
      advance(std::move(loaded->flow), event::ChallengeAnswered{outcome}, TransitionContext{now});
  if (by_delivery && !wrong.restarted) {
    wrong.message = StepMessage::call_not_approved;
    set_delivery(wrong.flow.step, "");
  }
  return save(*loaded, std::move(wrong));
}

Result<SignInPage> SignInService::submit_stay(std::string_view flow_id,
                                              std::string_view posted_step, bool stay_signed_in,
                                              bool dont_show_again, const SignInClient& client,
                                              bool remember_device) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const std::string user_id = loaded->user->id;
  Effects remember_choice;
  if (dont_show_again) {
    remember_choice = [&](Store& tx, SignInFlow&) {
      return tx.set_stay_prompt_suppressed(user_id, true);
    };
  }
  return finish_page(
      *loaded,
      advance(std::move(loaded->flow), event::StayAnswered{stay_signed_in, remember_device},
              TransitionContext{clock_.now()}),
      client, remember_choice, /*log_success=*/false);
}

Result<SignInPage> SignInService::finish_page(Loaded& loaded, Transition transition,
                                              const SignInClient& client, const Effects& effects,
                                              bool log_success) {
  if (transition.restarted) return save(loaded, std::move(transition));
  const User& user = *loaded.user;
  // The moment authentication completes (first arrival at a final step) is the logged success.
  const bool signed_in = std::holds_alternative<step::SignedIn>(transition.flow.step);
  const bool completed = is_final(transition.flow.step);
  std::optional<SignInLogEntry> entry;
  if (log_success && completed) {
    entry = log_entry(transition.flow, user.id, user.upn, client, SignInResult::success,
                      transition.flow.registered_in_flow ? "registered_method_now_enforced" : "");
  }
  const Timestamp now = clock_.now();
  std::optional<IssuedSession> session;
  SessionRecord record;
  std::optional<IssuedSession> device_cookie;
  RememberedDevice device;
  bool remember = false;
  const std::string network = network_of(client.ip);
  if (signed_in) {
    const auto& done = std::get<step::SignedIn>(transition.flow.step);
    std::optional<Timestamp> mfa_at;
    if (!transition.flow.method_used.empty()) mfa_at = now;
    session = sessions_.prepare(user.id, done.persistent, mfa_at, record);
    record.amr = session_amr(transition.flow);
    if (done.remember_device) {
      IssuedToken token = issue_token(rng_);
      const Timestamp until = now + std::chrono::days(transition.flow.remember_days);
      device = RememberedDevice{std::move(token.token_hash), user.id, now, until};
      device_cookie = IssuedSession{std::move(token.token), true, until};
    }
    // A complete sign-in (password and, where required, MFA) makes the network familiar.
    remember = !network.empty();
    if (remember) {
      TESSERA_ASSIGN_OR_RETURN(auto familiar, store_.find_familiar_network(user.id, network));
      remember = !familiar || now - familiar->last_seen >= kFamiliarNetworkRefresh;
    }
  }
  if (!signed_in && !effects && !entry) return save(loaded, std::move(transition));

  // The user first (their row is locked until the commit, so a block waits for us and then ends
  // what we issued), then the flow's version, so of racing requests exactly one commits.
  const std::int64_t security_version = transition.flow.security_version;
  const Loaded before = loaded;  // write_flow moves `loaded` on; a rollback must not
  const Status committed = store_.transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.check_user_unchanged(user.id, security_version));
    if (effects) TESSERA_RETURN_IF_ERROR(effects(tx, transition.flow));
    if (signed_in) {
      TESSERA_RETURN_IF_ERROR(tx.delete_flow_at_version(loaded.id_hash, loaded.version));
    } else {
      TESSERA_RETURN_IF_ERROR(queue_send(tx, loaded, transition.flow));
      TESSERA_RETURN_IF_ERROR(write_flow(tx, loaded, transition.flow));
    }
    if (entry) TESSERA_RETURN_IF_ERROR(tx.append_sign_in(*entry));
    if (signed_in) {
      TESSERA_RETURN_IF_ERROR(tx.create_session(record));
      if (device_cookie) TESSERA_RETURN_IF_ERROR(tx.remember_device(device));
      if (remember) TESSERA_RETURN_IF_ERROR(tx.remember_network(user.id, network, now));
    }
    return Status();
  });
  if (!committed.ok()) {
    loaded = before;
    if (committed.code() == ErrorCode::failed_precondition) {
      (void)store_.delete_flow(loaded.id_hash);
      return restart(SignInFlow::Notice::interrupted);
    }
    return committed;
  }
  if (loaded.send && limits_.deliveries != nullptr) limits_.deliveries->wake();
  SignInPage page = page_for(loaded, std::move(transition.flow), transition.message);
  page.session = std::move(session);
  page.remembered_device = std::move(device_cookie);
  return page;
}

Status SignInService::log_attempt(const SignInFlow& flow, const std::string& user_id,
                                  std::string_view upn, const SignInClient& client,
                                  SignInResult result, std::string_view reason) {
  return store_.append_sign_in(log_entry(flow, user_id, upn, client, result, reason));
}

SignInLogEntry SignInService::log_entry(const SignInFlow& flow, const std::string& user_id,
                                        std::string_view upn, const SignInClient& client,
                                        SignInResult result, std::string_view reason) {
  SignInLogEntry entry;
  entry.id = new_id(rng_);
  entry.time = clock_.now();
  entry.user_id = user_id;
  // What was typed may be anything: control characters would reach an admin's terminal through
  // `tessera log sign-ins`, so they are replaced.
  entry.upn = std::string(upn.substr(0, kMaxLoggedUpnLength));
  for (char& c : entry.upn) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  entry.client_ip = client.ip;
  entry.app = !flow.app.empty() ? flow.app : client.app.empty() ? "Security info" : client.app;
  entry.result = result;
  entry.failure_reason = std::string(reason);
  entry.mfa_required = flow.mfa_required;
  entry.decided_by = flow.decided_by.empty() ? std::string(reason) : flow.decided_by;
  entry.method = flow.method_used;
  return entry;
}

}  // namespace tessera
