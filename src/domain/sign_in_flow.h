// The interactive sign-in as a state machine (DESIGN.md section 3): a flow is a step plus what
// every step shares. Steps are data, each holding exactly what it needs; transitions are pure
// functions from (flow, event, now) to the next flow, so the whole journey is testable without a
// server.
//
// Services check credentials (Argon2, a method's answer, the store) and feed the outcome in as an
// event; the flow only decides where that leads. Which events each step accepts is listed
// (accepts()); anything else is refused and restarts at EnterUsername: a browser can never skip
// ahead. The flow knows no particular sign-in method: registering and challenging are generic
// steps that carry the method's kind, its own stage (the page it shows) and its opaque state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "domain/sign_in_decision.h"

namespace tessera {

namespace step {
struct EnterUsername {};
struct EnterPassword {
  std::string upn;  // canonical when valid, else as typed (bounded); the user may not exist
};
struct UpdatePassword {
  std::string user_id;
};
struct MoreInformationRequired {
  std::string user_id;
  bool skippable = false;
};
struct ChooseMethod {
  std::string user_id;
};
// Registering a first method of `kind` (a method kind's name). `stage` is the method's own
// step (the page it shows, the name its form posts); `state` is what the method keeps between its
// stages (e.g. the new secret), sealed with the flow.
struct Registering {
  std::string user_id;
  std::string kind;
  std::string stage;
  SecretBytes state;
  std::string delivery_id;  // the message the stage sent (service/deliveries.h), or empty
};
// Proving it is them with the registered method `method_id` (of `kind`), at the method's `stage`.
struct Challenging {
  std::string user_id;
  std::string method_id;
  std::string kind;
  std::string stage;
  SecretBytes state;
  std::string delivery_id;  // the message the stage sent (service/deliveries.h), or empty
};
// "Keep your account secure" (DESIGN.md section 3, step 7): self-service password reset is on and
// the user has fewer methods that can reset a password than the policy requires. They register
// them (Registering with SignInFlow::registering_reset_info), then Finish; "Skip for now" while
// `skippable`.
struct KeepAccountSecure {
  std::string user_id;
  bool skippable = false;
};
struct StaySignedIn {
  std::string user_id;
};
struct SignedIn {
  std::string user_id;
  bool persistent = false;
  bool remember_device = false;  // "Don't ask again for N days" was ticked where it was offered
};
// Self-service password reset (FlowKind::password_reset; service/password_reset_service.h):
// choosing how to prove it is you, for the next of the policy's proofs. `user_id` is empty for a
// name that is no (active) user: the same pages follow, and nothing can be proved. The proof
// itself is a Challenging step (its method_id empty when what was typed matched nothing).
struct ResetChooseProof {
  std::string upn;
  std::string user_id;
};
struct ResetNewPassword {
  std::string user_id;
};
struct ResetDone {};
}  // namespace step

using SignInStep =
    std::variant<step::EnterUsername, step::EnterPassword, step::UpdatePassword,
                 step::MoreInformationRequired, step::ChooseMethod, step::Registering,
                 step::Challenging, step::KeepAccountSecure, step::StaySignedIn, step::SignedIn,
                 step::ResetChooseProof, step::ResetNewPassword, step::ResetDone>;

// The name each form posts to say which step it answers: stable names for the common steps, the
// method's stage for Registering and Challenging.
std::string_view step_name(const SignInStep& step);

// The message a method's stage sent (Registering, Challenging), or nullptr at other steps.
const std::string* delivery_of(const SignInStep& step);
// Records the message the stage of a Registering or Challenging step sent ("" for none).
void set_delivery(SignInStep& step, std::string delivery_id);

inline constexpr std::chrono::minutes kFlowLifetime{15};
inline constexpr int kMaxWrongCodesPerChallenge = 5;

// What a stored flow is for. Each use case loads only flows of its own kind: an "add a method"
// flow on Security info must never be driven through the sign-in pages (it would end signed in
// without a password).
// sign_in: the sign-in pages' flow. add_method: Security info adding (or changing) a method.
// step_up: Security info's proof that it is you, with a method that sends a code or calls.
// password_reset: "Forgot my password".
enum class FlowKind { sign_in, add_method, step_up, password_reset };

struct SignInFlow {
  FlowKind kind = FlowKind::sign_in;
  SignInStep step;
  Timestamp started_at{};
  Timestamp expires_at{};
  // Why the flow was restarted, shown on the Sign in page once.
  enum class Notice { none, interrupted, too_many_attempts } notice = Notice::none;
  int wrong_codes = 0;              // in the current challenge or verification
  bool mfa_required = false;        // from the decision after the password
  std::string decided_by;           // the DecisionRule that decided, for the sign-in log
  std::string method_used;          // the method's kind once MFA succeeded
  std::string method_amr;           // and its RFC 8176 value (SignInMethod::amr), for tokens
  bool registered_in_flow = false;  // a first method was registered (state becomes Enforced)
  // The user's security_version when the flow learnt who they are: if it moves on (password
  // changed, blocked, an admin's MFA change), the flow ends at its next step.
  std::int64_t security_version = 0;
  // add_method: the method the new one replaces once it is verified (Security info's "Change").
  std::string replaces;
  // The policy's remember_mfa_days when the challenge began (0: not offered): after a challenge
  // passed, "Stay signed in?" offers "Don't ask again for N days".
  int remember_days = 0;
  // "Keep your account secure" comes after MFA (decided after the password): needed, skippable,
  // and done once registered or skipped; a Registering step for it returns there.
  bool reset_info_needed = false;
  bool reset_info_skippable = false;
  bool reset_info_done = false;
  bool registering_reset_info = false;
  // password_reset: how many proofs the policy asks for, the ways proved so far ("kind:way",
  // comma-separated) and the methods they proved, and the way of the proof under way.
  int reset_required = 1;
  std::string reset_proved_ways;
  std::string reset_proved_methods;
  std::string reset_way;
  // Where the browser goes once signed in: an app's sign-in request (an OpenID Connect
  // authorization, kept by the oidc layer as opaque text), and the app's name for the sign-in
  // log; empty = Security info. An app that demands MFA sets mfa_demanded
  // (SignInFacts::app_requires_mfa).
  std::string continuation;
  std::string app;
  bool mfa_demanded = false;
};

// Whether "Don't ask again for N days" is offered: a challenge (not a first registration) passed
// while the policy remembered devices.
bool offers_remember_device(const SignInFlow& flow);

SignInFlow start_flow(Timestamp now);
bool expired(const SignInFlow& flow, Timestamp now);

// Events, named after what happened.
namespace event {
struct UsernameEntered {
  std::string upn;
};
// The password was checked; `decision` is decide_sign_in() for the facts at that moment.
struct PasswordChecked {
  SignInDecision decision;
  std::string user_id;  // empty for an unknown user
};
// The password was changed; `decision` is decide_sign_in() with the new facts.
struct PasswordChanged {
  SignInDecision decision;
};
struct RegistrationAccepted {};  // "Next" on More information required
struct RegistrationSkipped {};   // "Skip for now" (More information required, Keep your account
                                 // secure)
struct ResetInfoFinished {};     // "Finish" on Keep your account secure, with enough registered
// A method was chosen to register; `stage` and `state` are where its registration begins.
struct MethodChosen {
  std::string kind;
  std::string stage;
  SecretBytes state;
};
// The method moved its registration or challenge to another of its stages (e.g. "Next" after
// scanning a QR code).
struct MethodStageReached {
  std::string stage;
  SecretBytes state;
};
enum class CodeOutcome { accepted, wrong, already_used };
// The method checked an answer to its registration (a code from the new app).
struct RegistrationAnswered {
  CodeOutcome outcome;
};
// The method checked an answer to its challenge.
struct ChallengeAnswered {
  CodeOutcome outcome;
};
struct StayAnswered {
  bool stay_signed_in = false;
  bool remember_device = false;  // "Don't ask again for N days" (kept only where it was offered)
};
// "Sign in another way": the challenge starts again with another of the user's methods (or
// another way of the same one, e.g. a call instead of a text).
struct ChallengeSwitched {
  std::string method_id;
  std::string kind;
  std::string stage;
  SecretBytes state;
};
}  // namespace event

using SignInEvent =
    std::variant<event::UsernameEntered, event::PasswordChecked, event::PasswordChanged,
                 event::RegistrationAccepted, event::RegistrationSkipped, event::MethodChosen,
                 event::MethodStageReached, event::RegistrationAnswered, event::ChallengeAnswered,
                 event::StayAnswered, event::ChallengeSwitched, event::ResetInfoFinished>;

// Whether `step` has a transition for `event`: the table advance() follows. Every other pair is
// refused.
bool accepts(const SignInStep& step, const SignInEvent& event);

// What the page should say after a transition that stayed on the same step.
enum class StepMessage {
  none,
  wrong_password,  // deny: unknown user, wrong password, no password
  account_locked,
  account_blocked,
  wrong_code,
  code_already_used,
  call_not_approved,  // the call was not answered with #, or could not be placed
  network_throttled,  // too many failed passwords from the client's network, across accounts
  too_many_sign_ins,  // too many sign-ins started from the client's network: try again later
};

struct Transition {
  SignInFlow flow;
  StepMessage message = StepMessage::none;
  // Back to EnterUsername (refused, expired, or too many attempts); an app's sign-in keeps its
  // continuation, app and mfa_demanded, so it still returns to the app.
  bool restarted = false;
  bool refused = false;  // the step has no transition for the event (see accepts())
};

// Where a challenge begins: the user's method to challenge and the first stage its method shows.
struct ChallengeStart {
  std::string method_id;
  std::string kind;
  std::string stage;
  SecretBytes state;
};

// `challenge` is where to begin when the decision says challenge_mfa (the user's default usable
// method); `stay_prompt_suppressed` skips "Stay signed in?" for users who ticked "Don't show this
// again" (unless "Don't ask again" is offered there); `remember_days` is the policy's
// remember_mfa_days, kept by a challenge that begins; `reset_info_needed` and
// `reset_info_skippable` (after the password) say whether "Keep your account secure" follows MFA.
struct TransitionContext {
  Timestamp now{};
  std::optional<ChallengeStart> challenge;
  bool stay_prompt_suppressed = false;
  int remember_days = 0;
  bool reset_info_needed = false;
  bool reset_info_skippable = false;
};

Transition advance(SignInFlow flow, SignInEvent event, const TransitionContext& context);

}  // namespace tessera
