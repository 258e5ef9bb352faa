// The interactive sign-in as a state machine (DESIGN.md section 3): a flow is a step plus what
// every step shares. Steps are data, each holding exactly what it needs; transitions are pure
// functions from (flow, event, now) to the next flow, so the whole journey is testable without a
// server.
//
// Services check credentials (Argon2, TOTP, the store) and feed the outcome in as an event; the
// flow only decides where that leads. Anything a step does not expect restarts at EnterUsername:
// a browser can never skip ahead.
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
// The authenticator app secret is generated when this step starts, kept (sealed) with the flow
// and shown only while registering.
struct SetUpAuthenticatorApp {
  std::string user_id;
  SecretBytes secret;
};
struct VerifyAuthenticatorApp {
  std::string user_id;
  SecretBytes secret;
};
struct EnterCode {
  std::string user_id;
  std::string method_id;
};
struct StaySignedIn {
  std::string user_id;
};
struct SignedIn {
  std::string user_id;
  bool persistent = false;
};
}  // namespace step

using SignInStep =
    std::variant<step::EnterUsername, step::EnterPassword, step::UpdatePassword,
                 step::MoreInformationRequired, step::ChooseMethod, step::SetUpAuthenticatorApp,
                 step::VerifyAuthenticatorApp, step::EnterCode, step::StaySignedIn, step::SignedIn>;

// Stable names, used in forms (each POST names the step it answers) and in storage.
std::string_view step_name(const SignInStep& step);

inline constexpr std::chrono::minutes kFlowLifetime{15};
inline constexpr int kMaxWrongCodesPerChallenge = 5;

// What a stored flow is for. Each use case loads only flows of its own kind: an "add a method"
// flow on Security info must never be driven through the sign-in pages (it would end signed in
// without a password).
enum class FlowKind { sign_in, add_method };

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
  std::string method_used;          // "authenticator_app" once MFA succeeded
  bool registered_in_flow = false;  // a first method was registered (state becomes Enforced)
  // The user's security_version when the flow learnt who they are: if it moves on (password
  // changed, blocked, an admin's MFA change), the flow ends at its next step.
  std::int64_t security_version = 0;
};

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
struct RegistrationSkipped {};   // "Skip for now"
struct AuthenticatorAppChosen {
  SecretBytes secret;  // freshly generated
};
struct AppScanned {};  // "Next" on the QR page
enum class CodeOutcome { accepted, wrong, already_used };
struct RegistrationCodeChecked {
  CodeOutcome outcome;
};
struct ChallengeCodeChecked {
  CodeOutcome outcome;
};
struct StayAnswered {
  bool stay_signed_in = false;
};
}  // namespace event

using SignInEvent =
    std::variant<event::UsernameEntered, event::PasswordChecked, event::PasswordChanged,
                 event::RegistrationAccepted, event::RegistrationSkipped,
                 event::AuthenticatorAppChosen, event::AppScanned, event::RegistrationCodeChecked,
                 event::ChallengeCodeChecked, event::StayAnswered>;

// What the page should say after a transition that stayed on the same step.
enum class StepMessage {
  none,
  wrong_password,  // deny: unknown user, wrong password, no password
  account_locked,
  account_blocked,
  wrong_code,
  code_already_used,
  network_throttled,  // too many failed passwords from the client's network, across accounts
  too_many_sign_ins,  // too many sign-ins started from the client's network: try again later
};

struct Transition {
  SignInFlow flow;
  StepMessage message = StepMessage::none;
  bool restarted = false;  // the event did not fit the step: back to EnterUsername
};

// `method_for_challenge` is the method to challenge when the decision says challenge_mfa (the
// user's default usable method); `stay_prompt_suppressed` skips "Stay signed in?" for users who
// ticked "Don't show this again".
struct TransitionContext {
  Timestamp now{};
  std::string method_for_challenge;
  bool stay_prompt_suppressed = false;
};

Transition advance(SignInFlow flow, SignInEvent event, const TransitionContext& context);

}  // namespace tessera
