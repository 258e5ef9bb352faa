#include "service/sign_in_service.h"

#include <algorithm>

#include "base/ids.h"
#include "crypto/token.h"
#include "domain/ip_range.h"
#include "domain/password_rules.h"
#include "domain/upn.h"
#include "service/code_input.h"
#include "service/flow_codec.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxFlowIdLength = 128;
constexpr std::size_t kMaxLoggedUpnLength = 254;

bool is_final(const SignInStep& step) {
  return std::holds_alternative<step::StaySignedIn>(step) ||
         std::holds_alternative<step::SignedIn>(step);
}

const std::string* user_id_of(const SignInStep& step) {
  return std::visit(
      [](const auto& s) -> const std::string* {
        if constexpr (requires { s.user_id; }) {
          return &s.user_id;
        } else {
          return nullptr;
        }
      },
      step);
}

}  // namespace

Result<SignInPage> SignInService::start(SignInFlow::Notice notice) {
  return restart(notice);
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

// Old flows are swept on the path every new visitor takes, at most once a minute per node, so no
// timer is needed and a busy server does not pay for it on every request.
void SignInService::sweep_expired_flows(Timestamp now) {
  std::int64_t last = last_sweep_.load();
  const std::int64_t seconds = to_unix_seconds(now);
  if (seconds - last < kFlowSweepInterval.count()) return;
  if (!last_sweep_.compare_exchange_strong(last, seconds)) return;  // another thread sweeps
  (void)store_.delete_expired_flows(now);
}

Result<std::optional<SignInService::Loaded>> SignInService::load(std::string_view flow_id,
                                                                 std::string_view posted_step) {
  if (flow_id.empty() || flow_id.size() > kMaxFlowIdLength) return std::optional<Loaded>();
  Loaded loaded;
  loaded.id = std::string(flow_id);
  loaded.id_hash = hash_token(flow_id);
  auto record = store_.find_flow(loaded.id_hash, clock_.now());
  if (!record.ok()) {
    if (record.status().code() == ErrorCode::not_found) return std::optional<Loaded>();
    return record.status();
  }
  auto flow = decode_flow(record->state);
  if (!flow.ok()) return std::optional<Loaded>();
  if (!posted_step.empty() && step_name(flow->step) != posted_step) {
    // A form for another step: a replay, a skipped step or a second tab. This flow is over.
    (void)store_.delete_flow(loaded.id_hash);
    return std::optional<Loaded>();
  }
  loaded.version = record->version;
  loaded.flow = std::move(flow).value();
  return std::optional<Loaded>(std::move(loaded));
}

Result<SignInPage> SignInService::current(std::string_view flow_id) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, ""));
  if (!loaded || std::holds_alternative<step::SignedIn>(loaded->flow.step)) {
    return restart(SignInFlow::Notice::none);
  }
  SignInPage page;
  page.flow_id = loaded->id;
  page.flow = std::move(loaded->flow);
  if (const auto* password = std::get_if<step::EnterPassword>(&page.flow.step)) {
    page.upn = password->upn;
  } else if (const std::string* user_id = user_id_of(page.flow.step)) {
    page.upn = upn_of(*user_id).value_or("");
  }
  return page;
}

Result<SignInPage> SignInService::save(Loaded& loaded, Transition transition) {
  if (transition.restarted) {
    (void)store_.delete_flow(loaded.id_hash);
    return restart(transition.flow.notice);
  }
  auto saved = store_.save_flow(FlowRecord{loaded.id_hash, encode_flow(transition.flow),
                                           loaded.version, transition.flow.expires_at});
  if (!saved.ok()) {
    if (saved.status().code() == ErrorCode::failed_precondition) {
      return restart(SignInFlow::Notice::interrupted);
    }
    return saved.status();
  }
  loaded.version = *saved;
  SignInPage page;
  page.flow_id = loaded.id;
  page.message = transition.message;
  page.flow = std::move(transition.flow);
  if (const auto* password = std::get_if<step::EnterPassword>(&page.flow.step)) {
    page.upn = password->upn;
  } else if (const std::string* user_id = user_id_of(page.flow.step)) {
    page.upn = upn_of(*user_id).value_or("");
  }
  return page;
}

Result<SignInPage> SignInService::submit_username(std::string_view flow_id,
                                                  std::string_view posted_step,
                                                  std::string_view username) {
  if (posted_step != "username" || flow_id.empty()) return restart(SignInFlow::Notice::interrupted);
  // The username starts the stored flow, always under a fresh id: an id someone planted in the
  // browser (flow fixation) is never the one that ends signed in.
  const Timestamp now = clock_.now();
  sweep_expired_flows(now);
  IssuedToken id = issue_token(rng_);
  Loaded loaded;
  loaded.id = std::string(id.token.view());
  loaded.id_hash = id.token_hash;
  loaded.flow = start_flow(now);
  auto canonical = canonical_upn(username);
  // An invalid name goes on to "Enter password" like an unknown one: nothing is revealed.
  std::string upn =
      canonical.ok() ? *canonical : std::string(username.substr(0, kMaxLoggedUpnLength));
  return save(loaded, advance(std::move(loaded.flow), event::UsernameEntered{std::move(upn)},
                              TransitionContext{now}));
}

Result<SignInService::Decided> SignInService::decide_after_password(const User& user,
                                                                    const OrgPolicy& policy,
                                                                    const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Method> methods, store_.list_methods(user.id));
  const Method* app = nullptr;  // the default authenticator app, else the first one
  for (const Method& method : methods) {
    if (method.kind != MethodKind::authenticator_app) continue;
    if (app == nullptr || method.is_default) app = &method;
  }
  SignInFacts facts;
  facts.user = &user;
  facts.password_correct = true;
  facts.policy = &policy;
  if (auto ip = IpAddress::parse(client.ip); ip.ok()) facts.client_ip = *ip;
  facts.has_usable_method = policy.allowed_methods.app_code && app != nullptr;
  facts.now = clock_.now();
  Decided decided{decide_sign_in(facts), TransitionContext{facts.now}};
  decided.context.stay_prompt_suppressed = user.stay_prompt_suppressed;
  if (decided.decision.next == NextStep::challenge_mfa) {
    decided.context.method_for_challenge = app->id;
  }
  return decided;
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
    TESSERA_ASSIGN_OR_RETURN(std::optional<Timestamp> until,
                             store_.network_throttled_until(network));
    throttled = until && *until > now;
    if (throttled) throttled_until = *until;
  }

  if (!found.ok()) {
    if (throttled) return refuse_throttled(*loaded, "", upn, client, throttled_until, now);
    // An unknown name costs what a known one costs.
    TESSERA_RETURN_IF_ERROR(hasher_.dummy_verify(password));
    TESSERA_RETURN_IF_ERROR(record_network_failure(network, now));
    SignInFacts facts;
    OrgPolicy policy;
    facts.policy = &policy;
    facts.now = now;
    const SignInDecision decision = decide_sign_in(facts);
    Transition transition = advance(std::move(loaded->flow), event::PasswordChecked{decision, ""},
                                    TransitionContext{now});
    TESSERA_RETURN_IF_ERROR(log_attempt(transition.flow, "", upn, client, SignInResult::failure,
                                        to_string(decision.rule)));
    return save(*loaded, std::move(transition));
  }

  User user = std::move(found).value();
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  // Smart lockout (DESIGN.md section 9): a network the user completed a sign-in from keeps its
  // own failure counter and lock, so strangers elsewhere cannot lock them out of it. Everywhere
  // else shares the account's counter, and the network's own across accounts.
  std::optional<FamiliarNetwork> familiar;
  if (!network.empty()) {
    TESSERA_ASSIGN_OR_RETURN(familiar, store_.find_familiar_network(user.id, network));
  }
  if (throttled && !familiar) {
    return refuse_throttled(*loaded, user.id, user.upn, client, throttled_until, now);
  }
  const bool account_counters_dirty = user.failed_password_attempts != 0 || user.locked_until;
  if (familiar) user.locked_until = familiar->locked_until;
  const bool locked = user.locked_until && *user.locked_until > now;
  bool correct = false;
  if (!locked) {
    TESSERA_ASSIGN_OR_RETURN(correct, hasher_.verify(password, user.password_hash));
  }

  SignInDecision decision;
  TransitionContext context{now};
  context.stay_prompt_suppressed = user.stay_prompt_suppressed;
  if (correct && user.status == UserStatus::active) {
    if (familiar) {
      if (familiar->failed_password_attempts != 0 || familiar->locked_until) {
        TESSERA_RETURN_IF_ERROR(store_.remember_network(user.id, network, now));
      }
    } else if (account_counters_dirty) {
      TESSERA_RETURN_IF_ERROR(store_.reset_password_failures(user.id));
    }
    user.failed_password_attempts = 0;
    user.locked_until.reset();
    if (hasher_.needs_rehash(user.password_hash)) {
      // Parameters changed since this hash was made: store one with today's.
      if (auto rehashed = hasher_.hash(password); rehashed.ok()) {
        TESSERA_ASSIGN_OR_RETURN(User stored, store_.find_user_by_id(user.id));
        stored.password_hash = *rehashed;
        TESSERA_RETURN_IF_ERROR(store_.update_user(stored, nullptr));
      }
    }
    TESSERA_ASSIGN_OR_RETURN(Decided decided, decide_after_password(user, policy, client));
    decision = decided.decision;
    context = std::move(decided.context);
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
    TESSERA_RETURN_IF_ERROR(
        record_wrong_password(user, familiar, network, policy, now, locked_minutes));
    if (locked_minutes > 0) decision.rule = DecisionRule::account_locked;
  } else if (decision.rule == DecisionRule::account_locked) {
    locked_minutes = minutes_until(*user.locked_until, now);
  }

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
    return page;
  }
  return finish_page(*loaded, std::move(transition), client, user.id);
}

std::string network_of(std::string_view client_ip) {
  auto address = IpAddress::parse(client_ip);
  return address.ok() ? enclosing_network(*address).to_string() : std::string();
}

Status SignInService::record_network_failure(const std::string& network, Timestamp now) {
  if (network.empty()) return Status();
  TESSERA_ASSIGN_OR_RETURN(int failures, store_.record_network_throttle_failure(
                                             network, now, now - kNetworkFailureWindow));
  if (failures < kMaxNetworkPasswordFailures) return Status();
  return store_.set_network_throttle(network, now + kNetworkThrottleDuration);
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

Status SignInService::record_wrong_password(const User& user,
                                            const std::optional<FamiliarNetwork>& familiar,
                                            const std::string& network, const OrgPolicy& policy,
                                            Timestamp now, int& locked_minutes) {
  int failures = 0;
  if (familiar) {
    TESSERA_ASSIGN_OR_RETURN(failures, store_.record_network_failure(user.id, network));
  } else {
    TESSERA_ASSIGN_OR_RETURN(failures, store_.record_password_failure(user.id));
  }
  const int threshold = std::max(1, policy.lockout.threshold);
  if (failures % threshold != 0) return Status();
  // Each further lockout doubles (DESIGN.md section 9), up to a day.
  const int lockouts = std::min(failures / threshold, 12);
  auto duration = policy.lockout.duration * (1 << (lockouts - 1));
  duration = std::min<std::chrono::seconds>(duration, kMaxPasswordLockout);
  if (familiar) {
    TESSERA_RETURN_IF_ERROR(store_.set_network_lockout(user.id, network, now + duration));
  } else {
    TESSERA_RETURN_IF_ERROR(store_.set_lockout(user.id, now + duration));
  }
  locked_minutes = minutes_until(now + duration, now);
  return Status();
}

Result<SignInPage> SignInService::submit_new_password(
    std::string_view flow_id, std::string_view posted_step, const SecretBytes& current,
    const SecretBytes& fresh, const SecretBytes& confirm, const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const std::string user_id = std::get<step::UpdatePassword>(loaded->flow.step).user_id;
  auto found = store_.find_user_by_id(user_id);
  if (!found.ok()) return restart(SignInFlow::Notice::interrupted);
  User user = std::move(found).value();

  auto refuse = [&](std::string problem) -> Result<SignInPage> {
    SignInPage page;
    page.flow_id = loaded->id;
    page.flow = std::move(loaded->flow);
    page.upn = user.upn;
    page.password_problem = std::move(problem);
    return page;
  };
  TESSERA_ASSIGN_OR_RETURN(const bool current_correct, hasher_.verify(current, user.password_hash));
  if (!current_correct) return refuse("Your current password is incorrect.");
  if (!fresh.equals(confirm)) return refuse("The passwords don't match.");
  if (Status rules = check_new_password(fresh.view(), {user.upn, user.display_name}); !rules.ok()) {
    return refuse(rules.message());
  }
  if (fresh.equals(current))
    return refuse("Your new password must be different from the current one.");

  TESSERA_ASSIGN_OR_RETURN(user.password_hash, hasher_.hash(fresh));
  user.password_temporary = false;
  user.password_changed_at = clock_.now();
  const AuditLogEntry audit{new_id(rng_), clock_.now(),
                            user.upn,     "user.change_password",
                            user.upn,     "changed the temporary password at sign-in"};
  TESSERA_RETURN_IF_ERROR(store_.update_user(user, &audit));
  // A password change ends every other session (DESIGN.md section 9).
  TESSERA_RETURN_IF_ERROR(store_.delete_user_sessions(user.id));

  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  TESSERA_ASSIGN_OR_RETURN(Decided decided, decide_after_password(user, policy, client));
  Transition transition =
      advance(std::move(loaded->flow), event::PasswordChanged{decided.decision}, decided.context);
  return finish_page(*loaded, std::move(transition), client, user.id);
}

Result<SignInPage> SignInService::submit_more_information(std::string_view flow_id,
                                                          std::string_view posted_step, bool skip,
                                                          const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const std::string user_id = std::get<step::MoreInformationRequired>(loaded->flow.step).user_id;
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(user_id));
  TransitionContext context{clock_.now()};
  context.stay_prompt_suppressed = user.stay_prompt_suppressed;
  if (skip) {
    return finish_page(*loaded,
                       advance(std::move(loaded->flow), event::RegistrationSkipped{}, context),
                       client, user_id);
  }
  return save(*loaded, advance(std::move(loaded->flow), event::RegistrationAccepted{}, context));
}

Result<SignInPage> SignInService::submit_method_choice(std::string_view flow_id,
                                                       std::string_view posted_step,
                                                       std::string_view method) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  if (method != "authenticator_app") {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  }
  // 160 bits, as RFC 4226 recommends and DESIGN.md section 4 asks.
  SecretBytes secret = rng_.secret_bytes(20);
  return save(*loaded,
              advance(std::move(loaded->flow), event::AuthenticatorAppChosen{std::move(secret)},
                      TransitionContext{clock_.now()}));
}

Result<SignInPage> SignInService::submit_app_scanned(std::string_view flow_id,
                                                     std::string_view posted_step) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  return save(*loaded, advance(std::move(loaded->flow), event::AppScanned{},
                               TransitionContext{clock_.now()}));
}

Result<SignInPage> SignInService::submit_code(std::string_view flow_id,
                                              std::string_view posted_step, std::string_view code,
                                              const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const Timestamp now = clock_.now();
  const std::string digits = normalise_code(code);
  const TotpParameters parameters = totp_parameters();

  if (auto* verify = std::get_if<step::VerifyAuthenticatorApp>(&loaded->flow.step)) {
    TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(verify->user_id));
    const auto step = match_totp(verify->secret.span(), digits, now, parameters);
    if (!step) {
      TESSERA_RETURN_IF_ERROR(log_attempt(loaded->flow, user.id, user.upn, client,
                                          SignInResult::interrupted, "wrong_code_registering"));
      Transition transition = advance(std::move(loaded->flow),
                                      event::RegistrationCodeChecked{event::CodeOutcome::wrong},
                                      TransitionContext{now});
      return save(*loaded, std::move(transition));
    }
    TESSERA_ASSIGN_OR_RETURN(std::vector<Method> existing, store_.list_methods(user.id));
    const Method method =
        new_authenticator_app(new_id(rng_), user.id, verify->secret, existing, now, *step);
    const AuditLogEntry added{new_id(rng_), now,      user.upn,
                              "method.add", user.upn, "registered an authenticator app at sign-in"};
    TESSERA_RETURN_IF_ERROR(store_.add_method(method, &added));
    if (user.mfa_state != MfaState::enforced) {
      user.mfa_state = MfaState::enforced;
      user.mfa_state_changed_at = now;
      const AuditLogEntry enforced{new_id(rng_), now,
                                   "system",     "mfa.set",
                                   user.upn,     "enforced: registered an authenticator app"};
      TESSERA_RETURN_IF_ERROR(store_.update_user(user, &enforced));
    }
    TransitionContext context{now};
    context.stay_prompt_suppressed = user.stay_prompt_suppressed;
    return finish_page(
        *loaded,
        advance(std::move(loaded->flow),
                event::RegistrationCodeChecked{event::CodeOutcome::accepted}, context),
        client, user.id);
  }

  auto* challenge = std::get_if<step::EnterCode>(&loaded->flow.step);
  if (challenge == nullptr) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  }
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(challenge->user_id));
  auto stay_locked = [&](Timestamp until) -> Result<SignInPage> {
    SignInPage page;
    page.flow_id = loaded->id;
    page.flow = std::move(loaded->flow);
    page.upn = user.upn;
    page.code_locked = true;
    page.locked_minutes = minutes_until(until, now);
    return page;
  };
  if (user.code_locked_until && *user.code_locked_until > now) {
    TESSERA_RETURN_IF_ERROR(log_attempt(loaded->flow, user.id, user.upn, client,
                                        SignInResult::failure, "code_lockout"));
    return stay_locked(*user.code_locked_until);
  }
  auto method = store_.find_method(challenge->method_id);
  if (!method.ok() || method->user_id != user.id) {
    (void)store_.delete_flow(loaded->id_hash);
    return restart(SignInFlow::Notice::interrupted);
  }
  event::CodeOutcome outcome = event::CodeOutcome::wrong;
  if (const auto step = match_totp(method->secret.span(), digits, now, parameters)) {
    const bool had_failures = user.failed_code_attempts != 0 || user.code_locked_until;
    TransitionContext context{now};
    context.stay_prompt_suppressed = user.stay_prompt_suppressed;
    Transition accepted =
        advance(loaded->flow, event::ChallengeCodeChecked{event::CodeOutcome::accepted}, context);
    Result<SignInPage> page = failed_precondition("that code's time step was already used");
    if (std::holds_alternative<step::SignedIn>(accepted.flow.step)) {
      // Signing in now: the replay guard commits with the session, in one transaction.
      const MethodStepGuard guard{method->id, *step};
      page = finish_page(*loaded, std::move(accepted), client, user.id, &guard);
    } else {
      TESSERA_ASSIGN_OR_RETURN(bool fresh, store_.advance_method_step(method->id, *step));
      if (fresh) page = finish_page(*loaded, std::move(accepted), client, user.id);
    }
    if (page.ok() && had_failures) TESSERA_RETURN_IF_ERROR(store_.reset_code_failures(user.id));
    if (page.ok() || page.status().code() != ErrorCode::failed_precondition) return page;
    outcome = event::CodeOutcome::already_used;
  }
  TESSERA_RETURN_IF_ERROR(log_attempt(
      loaded->flow, user.id, user.upn, client, SignInResult::failure,
      outcome == event::CodeOutcome::already_used ? "code_already_used" : "wrong_code"));
  if (outcome == event::CodeOutcome::wrong) {
    TESSERA_ASSIGN_OR_RETURN(int failures, store_.record_code_failure(user.id));
    if (failures >= kMaxWrongCodesPerUser) {
      const Timestamp until = now + kCodeLockoutDuration;
      TESSERA_RETURN_IF_ERROR(store_.reset_code_failures(user.id));
      TESSERA_RETURN_IF_ERROR(store_.set_code_lockout(user.id, until));
      return stay_locked(until);
    }
  }
  return save(*loaded, advance(std::move(loaded->flow), event::ChallengeCodeChecked{outcome},
                               TransitionContext{now}));
}

Result<SignInPage> SignInService::submit_stay(std::string_view flow_id,
                                              std::string_view posted_step, bool stay_signed_in,
                                              bool dont_show_again, const SignInClient& client) {
  TESSERA_ASSIGN_OR_RETURN(auto loaded, load(flow_id, posted_step));
  if (!loaded) return restart(SignInFlow::Notice::interrupted);
  const std::string user_id = std::get<step::StaySignedIn>(loaded->flow.step).user_id;
  if (dont_show_again) {
    TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(user_id));
    user.stay_prompt_suppressed = true;
    TESSERA_RETURN_IF_ERROR(store_.update_user(user, nullptr));
  }
  return finish_page(*loaded,
                     advance(std::move(loaded->flow), event::StayAnswered{stay_signed_in},
                             TransitionContext{clock_.now()}),
                     client, user_id, nullptr, /*log_success=*/false);
}

Result<SignInPage> SignInService::finish_page(Loaded& loaded, Transition transition,
                                              const SignInClient& client,
                                              const std::string& user_id,
                                              const MethodStepGuard* guard, bool log_success) {
  // The moment authentication completes (first arrival at a final step) is the logged success.
  const bool completed_now = !transition.restarted && is_final(transition.flow.step) &&
                             !std::holds_alternative<step::SignedIn>(transition.flow.step);
  const bool signed_in =
      !transition.restarted && std::holds_alternative<step::SignedIn>(transition.flow.step);
  std::optional<SignInLogEntry> entry;
  if (log_success && (completed_now || signed_in)) {
    TESSERA_ASSIGN_OR_RETURN(std::string upn, upn_of(user_id));
    entry = log_entry(transition.flow, user_id, upn, client, SignInResult::success,
                      transition.flow.registered_in_flow ? "registered_app_now_enforced" : "");
  }
  if (!signed_in) {
    if (entry) TESSERA_RETURN_IF_ERROR(store_.append_sign_in(*entry));
    return save(loaded, std::move(transition));
  }

  const auto& done = std::get<step::SignedIn>(transition.flow.step);
  std::optional<Timestamp> mfa_at;
  if (!transition.flow.method_used.empty()) mfa_at = clock_.now();
  SessionRecord record;
  IssuedSession session = sessions_.prepare(done.user_id, done.persistent, mfa_at, record);
  // A complete sign-in (password and, where required, MFA) makes the network familiar.
  const std::string network = network_of(client.ip);
  bool remember = !network.empty();
  if (remember) {
    TESSERA_ASSIGN_OR_RETURN(auto familiar, store_.find_familiar_network(done.user_id, network));
    remember = !familiar || clock_.now() - familiar->last_seen >= kFamiliarNetworkRefresh;
  }
  // Log, session, familiar network and the end of the flow (so it cannot be replayed) in one
  // transaction.
  TESSERA_RETURN_IF_ERROR(store_.finish_sign_in(record, entry ? &*entry : nullptr, loaded.id_hash,
                                                guard, remember ? &network : nullptr));
  SignInPage page;
  page.flow_id = loaded.id;
  page.flow = std::move(transition.flow);
  page.session = std::move(session);
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
  entry.app = client.app.empty() ? "Security info" : client.app;
  entry.result = result;
  entry.failure_reason = std::string(reason);
  entry.mfa_required = flow.mfa_required;
  entry.decided_by = flow.decided_by.empty() ? std::string(reason) : flow.decided_by;
  entry.method = flow.method_used;
  return entry;
}

Result<std::string> SignInService::upn_of(const std::string& user_id) {
  TESSERA_ASSIGN_OR_RETURN(User user, store_.find_user_by_id(user_id));
  return user.upn;
}

}  // namespace tessera
