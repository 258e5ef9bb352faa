// A sign-in method as a plugin (docs/architecture.md, "Sign-in methods"). Everything particular
// to a method lives in its folder under src/methods/ and behind this interface: what registering
// it generates and shows, how an answer is checked, its pages (templates it carries itself), its
// names for the policy, the sign-in log and RFC 8176 `amr`. The flow, the services and the pages
// only know this interface and the registry, which the composition root fills with one line per
// method (src/app/runtime.cc).
//
// A method is stateless and thread-safe: what it remembers between requests travels in the
// MethodStage it returns, which the flow seals and stores. What is common to every method is done
// once, around these calls, by the services: counting answers before they are checked, the
// per-challenge and per-user limits, the replay guard's commit, the sign-in log row, the default
// method, the step-up rule of Security info.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "domain/delivery.h"
#include "domain/policy.h"
#include "domain/sign_in_flow.h"
#include "methods/method.h"

namespace tessera {

// A message a method asks to have sent on arriving at a stage (a text with a code, a call). The
// services queue it with the step that reached the stage, in one transaction, within the send
// limits; the delivery layer sends it.
struct Outgoing {
  DeliveryChannel channel = DeliveryChannel::text;
  std::string to;       // E.164 number or email address
  std::string subject;  // email
  SecretBytes text;     // a text's body, an email's text part, what a call says
  SecretBytes html;     // an email's HTML part
  // The message carries MethodContext::report_url ("This wasn't me"): the caller records the link.
  bool carries_report_link = false;
  // A call whose 0# reports fraud (a sign-in's); a registration's call only declines with it.
  bool reports_fraud = false;
};

// Where a method's registration or challenge stands: the method's own stage (the page it shows,
// and the step name its form posts), its opaque state (e.g. a new secret, a sent code's hash),
// and what to send on arriving there.
struct MethodStage {
  std::string name;
  SecretBytes state;
  std::optional<Outgoing> send;
};

// What became of the message the current stage sent.
struct DeliveryOutcome {
  DeliveryStatus status = DeliveryStatus::queued;
  CallAnswer answer = CallAnswer::none;

  // Still on its way to the gateway.
  bool pending() const {
    return status == DeliveryStatus::queued || status == DeliveryStatus::sending;
  }
  // Its end is known: it could not be sent, or its call was answered.
  bool settled() const {
    return status == DeliveryStatus::failed ||
           (status == DeliveryStatus::sent && answer != CallAnswer::none);
  }
};

// What the page of a stage shows: one of the method's templates, the page title, and the values
// the template uses (the page layer adds the form's action, step and CSRF token).
struct MethodView {
  std::string template_name;
  std::string title;
  std::vector<std::pair<std::string, std::string>> values;
};

// Who the page is for, for what a view shows (the account name in an authenticator app).
struct ViewContext {
  std::string_view upn;
  std::string_view tenant;
  // The challenge proves a self-service password reset, not a sign-in: its message and page say
  // so ("…to reset your password").
  bool password_reset = false;
};

using FormValues = std::map<std::string, std::string>;

// What a method may use besides the form: randomness, the time, who it is for, and what became
// of the current stage's message (nullopt when it sent none or the outcome is unknown).
struct MethodContext {
  Rng& rng;
  Timestamp now;
  ViewContext who;
  std::optional<DeliveryOutcome> delivery;
  // begin_challenge: the way chosen under "Sign in another way" (a ChallengeOption's `way`);
  // empty = the method's usual way.
  std::string way;
  // The organisation's policy where a method's choice depends on it (which of its ways are
  // allowed, the organisation's own email domains): given to begin_registration,
  // answer_registration and begin_challenge; null = the defaults.
  const OrgPolicy* policy = nullptr;
  // begin_challenge at sign-in: a "This wasn't me" link a message may carry (set
  // Outgoing::carries_report_link when it does); empty = none.
  std::string report_url;
};

// The policy a method reads from a context: the context's, or the defaults.
const OrgPolicy& policy_of(const MethodContext& context);

// One line of "Sign in another way" for a registered method ("Text +XX XXXXXXXX56").
struct ChallengeOption {
  std::string way;  // passed back in MethodContext::way; empty for a method with one way
  std::string text;
};

// One way of "Forgot my password" to prove it is you with a method of this kind: the person types
// the method's destination again in full (so the page reveals nothing about the account).
struct ResetWay {
  std::string way;   // passed back in MethodContext::way to begin_challenge
  std::string text;  // "Text a code to my authentication phone"
};

// The method's verdict on a registration form.
struct RegistrationAnswer {
  // invalid: the form cannot be used (e.g. no valid phone number); the stage is shown again with
  // `problem`, a sentence for the person.
  enum class Outcome { next_stage, wrong, accepted, invalid } outcome = Outcome::wrong;
  MethodStage next;  // next_stage: where the registration goes on
  std::string problem;
  // accepted: what the new Method row holds (the caller adds ids, default and time).
  SecretBytes secret;
  std::string label;
  std::string detail;
  std::optional<std::int64_t> used_step;  // the replay guard starts past the proving answer
};

// The method's verdict on a challenge form.
struct ChallengeAnswer {
  event::CodeOutcome outcome = event::CodeOutcome::wrong;
  // accepted: the replay guard's step, committed by the caller with the flow (a step at or
  // below the method's last_used_step is then already_used).
  std::optional<std::int64_t> used_step;
};

class SignInMethod {
 public:
  virtual ~SignInMethod() = default;

  virtual MethodKind kind() const = 0;
  std::string_view kind_name() const { return to_string(kind()); }
  virtual std::string_view display_name() const = 0;   // "Authenticator app"
  virtual std::string_view default_label() const = 0;  // "Authenticator app – code"
  // Security info's "Default sign-in method: …" for one registered method ("Phone – call +44 …").
  virtual std::string default_label_of(const Method&) const { return std::string(default_label()); }
  // RFC 8176's value for what proving this method at `at` (the stage whose answer was accepted)
  // showed, e.g. "otp"; a phone's "sms" or "tel" depends on the way.
  virtual std::string_view amr(const MethodStage& at) const = 0;
  // "Sign in another way" lists this ("Use a verification code from my authenticator app").
  virtual std::string_view other_way_text() const = 0;
  // Security info's link to prove it is you with this method before a change.
  virtual std::string_view step_up_text() const = 0;
  // Whether the organisation's policy lets people sign in (and step up) with this method.
  virtual bool allowed_by(const AllowedMethods& allowed) const = 0;
  // Whether people may register it on Security info: an email that serves password reset only
  // is registered even where it does not serve MFA.
  virtual bool registrable_by(const AllowedMethods& allowed) const { return allowed_by(allowed); }
  // The notice a change of the user's security info sends through this registered method
  // ("A sign-in method was added to your account…"); nullopt for a method that cannot carry one.
  virtual std::optional<Outgoing> notice(const Method&, std::string_view,
                                         const ViewContext&) const {
    return std::nullopt;
  }

  // Self-service password reset: whether a registered method of this kind can reset a password
  // (and is asked for by "Keep your account secure"), the ways `allowed` allows for "Forgot my
  // password", and what a person typed there as this kind stores its destination
  // (Method::detail), or nullopt when it cannot be one.
  virtual bool serves_password_reset() const { return false; }
  virtual std::vector<ResetWay> reset_ways(const AllowedMethods&) const { return {}; }
  virtual std::optional<std::string> reset_destination(std::string_view) const {
    return std::nullopt;
  }

  // Whether a form at this stage is an answer to check (counted against the limits before it is
  // checked), rather than a step on to the next stage.
  virtual bool checks_answer(const MethodStage& at) const = 0;
  // Whether this stage is answered by its message's outcome (what was pressed on a call) rather
  // than by a form: its page refreshes itself, and the services answer it with an empty form once
  // the outcome is known.
  virtual bool waits_for_delivery(const MethodStage&) const { return false; }

  // Registration: where it begins, what a form at one of its stages leads to, and each stage's
  // page. Unknown stages are the caller's bug and answer `wrong`.
  virtual MethodStage begin_registration(const MethodContext& context) const = 0;
  virtual RegistrationAnswer answer_registration(const MethodStage& at, const FormValues& form,
                                                 const MethodContext& context) const = 0;
  virtual MethodView registration_view(const MethodStage& at, const ViewContext& who) const = 0;

  // Challenge at sign-in (and the step-up of Security info): where it begins (e.g. after sending
  // a text), what an answer proves, and its page. challenge_sends(): whether beginning one sends
  // a message (so a page must not begin it on a mere GET).
  virtual bool challenge_sends() const { return false; }
  virtual MethodStage begin_challenge(const Method& method, const MethodContext& context) const = 0;
  // The ways `method` can be challenged that `allowed` allows, for "Sign in another way".
  virtual std::vector<ChallengeOption> challenge_options(const Method&,
                                                         const AllowedMethods&) const {
    return {ChallengeOption{"", std::string(other_way_text())}};
  }
  virtual ChallengeAnswer answer_challenge(const MethodStage& at, const Method& method,
                                           const FormValues& form,
                                           const MethodContext& context) const = 0;
  virtual MethodView challenge_view(const MethodStage& at, const ViewContext& who) const = 0;

  // The templates this method's views name, and their text (embedded with the method).
  virtual std::vector<std::string_view> template_names() const = 0;
  virtual std::string_view template_text(std::string_view name) const = 0;
};

// The methods this server offers, in the order people see them. Filled once at start, then only
// read (thread-safe).
class MethodRegistry {
 public:
  void add(std::unique_ptr<SignInMethod> method);
  const SignInMethod* find(MethodKind kind) const;
  const SignInMethod* find(std::string_view kind_name) const;
  // The registered methods the policy allows, in order.
  std::vector<const SignInMethod*> allowed(const AllowedMethods& allowed) const;
  // The registered methods people may add on Security info, in order.
  std::vector<const SignInMethod*> registrable(const AllowedMethods& allowed) const;
  std::vector<const SignInMethod*> all() const;
  // The registered methods that can reset a password under `allowed` and may be registered.
  std::vector<const SignInMethod*> password_resetting(const AllowedMethods& allowed) const;

 private:
  std::vector<std::unique_ptr<SignInMethod>> methods_;
};

// How many methods self-service password reset asks for: the policy's sspr_methods_required, but
// never more than there are kinds of method that can reset a password under the policy (else
// nobody could ever finish "Keep your account secure" or a reset).
int reset_methods_required(const MethodRegistry& methods, const OrgPolicy& policy);

// A new Method row from an accepted registration: the default when none of `existing` is.
Method registered_method(std::string id, std::string user_id, const SignInMethod& method,
                         RegistrationAnswer accepted, const std::vector<Method>& existing,
                         Timestamp now);

// The code without the spaces and dashes people type inside it ("123 456"); at most 32
// characters are looked at, so hostile input stays small.
std::string normalise_code(std::string_view code);

}  // namespace tessera
