// The user's own Security info page: see, add and delete sign-in methods. Changes need a fresh
// proof — MFA within the last kFreshProofWindow in this session — whenever the user already has a
// method, so a stolen password plus an open session cannot swap in the attacker's own method
// (DESIGN.md section 9). Adding a method goes through a short-lived flow in the store (kind
// `add_method`, never usable by the sign-in pages) that holds the method's state (e.g. a new
// secret) until the method accepts an answer ("verify before saving", DESIGN.md section 4). Codes
// are counted before they are checked; the method is added in the transaction that ends the flow at
// its version and re-checks the user, so parallel confirms add it once.
//
// Thread-safe if Store, Clock and Rng are.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "domain/session.h"
#include "domain/sign_in_flow.h"
#include "domain/user.h"
#include "methods/sign_in_method.h"
#include "service/deliveries.h"
#include "storage/store.h"

namespace tessera {

inline constexpr std::chrono::minutes kFreshProofWindow{10};
inline constexpr std::chrono::minutes kAddMethodLifetime{10};

// What a page shows of a method: never its secret.
struct MethodSummary {
  std::string id;
  MethodKind kind{};
  std::string label;
  bool is_default = false;
  Timestamp created_at{};
  std::string default_label;  // "Phone – text +44 7400 123456", as its method words it
};

// What Security info shows: who is signed in and their methods (oldest first). No secret, no
// password hash: pages get only what they display.
struct SecurityInfo {
  std::string upn;
  std::string display_name;
  std::vector<MethodSummary> methods;
  // The method a sign-in asks for first: the default while the policy allows its kind, else the
  // oldest one it allows; empty when none is allowed (an email that only resets passwords).
  std::string sign_in_method_id;
  // Devices where the user chose "Don't ask again", still vouching; the policy's days (0 = off).
  std::size_t remembered_devices = 0;
  int remember_days = 0;
};

// What checking a code on Security info came to. Refusals are values, not sentences: the pages
// word them.
struct CodeCheck {
  enum class Outcome {
    accepted,
    wrong,             // a wrong code, or one whose time step was used already
    locked,            // too many wrong codes for this user: locked for locked_minutes
    attempts_used_up,  // adding a method: too many wrong codes, the flow is gone
    waiting,           // adding a method: its call is not answered yet (nothing was counted)
  } outcome = Outcome::wrong;
  int locked_minutes = 0;
  explicit operator bool() const { return outcome == Outcome::accepted; }
};

// A short-lived flow of Security info: adding (or changing) a method, at step::Registering (kind
// add_method), or a step-up with a method that sends something, at step::Challenging (kind
// step_up).
struct AddMethodFlow {
  std::string flow_id;  // for the cookie
  SignInFlow flow;
  std::string problem;  // the method refused the form (e.g. no valid phone number): a sentence
  std::optional<SendRefusal> send_refused;  // what the stage reached now asked to send was refused
  std::optional<DeliveryOutcome> delivery;  // what became of the stage's message, when loaded
};
using StepUpFlow = AddMethodFlow;

// One way to prove it is you on Security info: a registered method the policy allows, one of its
// ways (methods/sign_in_method.h, ChallengeOption).
struct StepUpWay {
  std::string method_id;
  std::string way;
  std::string text;    // "Text +XX XXXXXXXX56"
  bool sends = false;  // beginning it sends a code or calls (so only a POST begins it)
};

class SecurityInfoService {
 public:
  // `deliveries` queues what a method sends while it is added (none: such a method's messages are
  // refused); `tenant_name` is who texts and calls say they are from.
  SecurityInfoService(Store& store, const MethodRegistry& methods, const Clock& clock, Rng& rng,
                      const DeliveryQueue* deliveries = nullptr,
                      std::string tenant_name = "tessera")
      : store_(store),
        methods_(methods),
        clock_(clock),
        rng_(rng),
        deliveries_(deliveries),
        tenant_name_(std::move(tenant_name)) {}

  Result<SecurityInfo> overview(const SessionRecord& session);
  // "Revoke MFA sessions": every device where the user chose "Don't ask again" asks again (no
  // fresh proof needed: it only takes trust away). Audited; how many were forgotten.
  Result<std::size_t> revoke_mfa_sessions(const SessionRecord& session);
  // not_found unless the method belongs to the session's user.
  Result<MethodSummary> method_of(const SessionRecord& session, std::string_view method_id);
  // OK when the session may change security info now: the user has no method yet, or proved it is
  // them within kFreshProofWindow; else permission_denied. The changes below check it themselves
  // too; pages declare it as a route guard (SignedInRoutes) so they can say so before anything.
  Status check_fresh_proof(const SessionRecord& session);
  // permission_denied without a fresh proof. Deleting the default makes the oldest remaining
  // method the default; deleting the last one leaves the MFA state as it is, so an Enforced user
  // registers again at the next sign-in. The user's other methods get a notice.
  Status delete_method(const SessionRecord& session, std::string_view method_id);

  // The methods that can be the default: the user's that the policy allows for sign-in.
  Result<std::vector<MethodSummary>> default_choices(const SessionRecord& session);
  // Makes `method_id` the default (permission_denied without a fresh proof; invalid_argument
  // unless it is one of default_choices()); the other methods get a notice.
  Status set_default(const SessionRecord& session, std::string_view method_id);

  // Security info's "Change": a new registration of the method's kind that replaces it (keeping
  // whether it is the default) only once verified; until then the old one stays. As begin_add.
  Result<AddMethodFlow> begin_change(const SessionRecord& session, std::string_view method_id);

  // The ways the user can prove it is them now, the default method's first.
  Result<std::vector<StepUpWay>> step_up_ways(const SessionRecord& session);
  // Begins a step-up with a method that sends (a text, a call, an email): its message is queued
  // with the flow. invalid_argument unless `method_id`/`way` is one of step_up_ways().
  Result<StepUpFlow> begin_step_up(const SessionRecord& session, std::string_view method_id,
                                   std::string_view way);
  // The step-up flow of this session's user; not_found when unknown, expired or someone else's.
  Result<StepUpFlow> step_up_flow(const SessionRecord& session, std::string_view flow_id);
  // Checks an answer to it as prove_with_code does (counted per user and per flow): `accepted`
  // proves it is them (the flow is then gone), `waiting` for a call not answered yet,
  // `attempts_used_up` when the flow took its limit of answers.
  Result<CodeCheck> answer_step_up(const SessionRecord& session, std::string_view flow_id,
                                   std::string_view code);

  // A step-up: a code from one of the user's methods proves it is them again, so changes are
  // allowed for the next kFreshProofWindow. Every code counts toward the per-user limit
  // (kMaxWrongCodesPerUser) before it is checked, and a right one clears the count; while locked,
  // `locked` with the minutes left.
  Result<CodeCheck> prove_with_code(const SessionRecord& session, std::string_view code);

  // The kinds of method that can be added: those the registry has and the policy allows.
  Result<std::vector<std::string>> addable_kinds();
  // Starts adding a method of `kind` (invalid_argument unless the registry has it and the policy
  // allows it; permission_denied without a fresh proof).
  Result<AddMethodFlow> begin_add(const SessionRecord& session, std::string_view kind);
  // The add flow of this session's user; not_found when unknown, expired or someone else's.
  Result<AddMethodFlow> add_flow(const SessionRecord& session, std::string_view flow_id);
  // A form at a stage that checks nothing (e.g. "Next" after scanning): the method's next stage.
  Result<AddMethodFlow> add_step_on(const SessionRecord& session, std::string_view flow_id,
                                    const FormValues& form);
  // `accepted` when the method took the code and was saved (the flow is then gone); `wrong` (a
  // call answered with anything but #: the stage then waits for nothing); `waiting` at a stage
  // answered by a call not answered yet;
  // `attempts_used_up` after too many wrong codes (the flow is then gone). not_found when another
  // request finished the flow first or the user changed meanwhile.
  Result<CodeCheck> confirm_add(const SessionRecord& session, std::string_view flow_id,
                                std::string_view code);

 private:
  Status require_fresh_proof(const SessionRecord& session, const std::vector<Method>& methods);
  Result<Method> own_method(const SessionRecord& session, std::string_view method_id);
  // Writes the add flow, queueing `send` (what its new stage sends) in the same transaction and
  // recording it at the step.
  // The refusal, when `send` was refused (the flow is saved all the same).
  Result<std::optional<SendRefusal>> save(const std::string& id_hash, std::int64_t version,
                                          SignInFlow& flow, const std::optional<Outgoing>& send);
  // In `tx`: queues `text` as a notice to each of `to` that can carry one.
  Status queue_notices(Store& tx, const User& user, const std::vector<Method>& to,
                       std::string_view text);
  Result<AddMethodFlow> begin_registration(const SessionRecord& session, const SignInMethod& method,
                                           std::string replaces);
  MethodContext method_context(std::string_view upn,
                               std::optional<DeliveryOutcome> delivery = std::nullopt);
  // The add flow with what saving it back needs (its key and version), read once.
  struct LoadedAdd {
    AddMethodFlow added;
    std::string id_hash;
    std::int64_t version = 0;
  };
  Result<LoadedAdd> load_add(const SessionRecord& session, std::string_view flow_id,
                             FlowKind kind = FlowKind::add_method);

  const SignInMethod* method_of_flow(const AddMethodFlow& added) const;

  Store& store_;
  const MethodRegistry& methods_;
  const Clock& clock_;
  Rng& rng_;
  const DeliveryQueue* deliveries_;
  const std::string tenant_name_;
};

}  // namespace tessera
