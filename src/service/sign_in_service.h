// The interactive sign-in (DESIGN.md section 3) as use cases, one per form a person submits. From
// the username on, the flow lives in the store under the hash of a random flow id (the browser
// holds the id in a cookie); at "Sign in" it holds nothing and is not stored. Each call loads the
// flow, checks the form answers the step the flow is at, checks the credentials, feeds the outcome
// to the domain state machine (domain/sign_in_flow.h), saves the result and writes the sign-in log.
// Anything unexpected — an unknown or expired flow id, a form for another step, a replayed POST, a
// concurrent request — starts a new flow at "Sign in".
//
// Every step re-reads the flow's user: a user who was blocked, deleted or changed (password, an
// admin's MFA change: User::security_version) since the flow learnt who they are is sent back to
// "Sign in". Whatever a step decides is committed in one store transaction that also checks the
// flow's version and the user again, so of requests racing on one flow exactly one takes effect,
// and nothing is issued to a user blocked meanwhile. The flow gets a new id (cookie) at every step
// it moves on (after the password, after MFA…), so an id planted in a browser never goes further
// than the step it was planted at. Attempts (passwords, codes) are counted before they are
// checked, atomically, so parallel requests cannot check more than the limits allow; unknown
// usernames are counted and locked exactly like accounts.
//
// Thread-safe if Store, PasswordHashing, Clock and Rng are. submit_password and
// submit_new_password wait for Argon2id (PasswordHashing decides where it runs).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "domain/password_rules.h"
#include "domain/sign_in_flow.h"
#include "methods/sign_in_method.h"
#include "service/deliveries.h"
#include "service/password_hashing.h"
#include "service/session_service.h"
#include "service/stored_flow.h"
#include "service/throttles.h"
#include "storage/store.h"

namespace tessera {

inline constexpr std::chrono::seconds kFlowSweepInterval{60};
// A familiar network's last_seen is refreshed at most this often.
inline constexpr std::chrono::hours kFamiliarNetworkRefresh{24};
// Sign-ins started from one client network (its /24 or /64) within kFlowStartWindow, before "Try
// again later": each start stores a flow, and one network must not fill the store. Generous, since
// a whole office may sign in from behind one address.
inline constexpr int kDefaultMaxFlowStartsPerNetwork = 1000;

// The familiar-network key of a client address ("203.0.113.0/24"); empty when it is not an IP.
std::string network_of(std::string_view client_ip);

// Why "Update your password" refused the new password; the pages word it.
struct PasswordProblem {
  enum class Kind { current_password_wrong, confirmation_differs, same_as_current, breaks_a_rule };
  Kind kind = Kind::breaks_a_rule;
  PasswordRefusal rule{};  // which, for breaks_a_rule (else the first value)
  friend bool operator==(const PasswordProblem&, const PasswordProblem&) = default;
};

// What the page after a request shows. `flow.step` says which page.
struct SignInPage {
  std::string flow_id;  // the cookie value (new when the flow was restarted)
  SignInFlow flow;
  StepMessage message = StepMessage::none;
  std::optional<PasswordProblem> password_problem;  // Update your password refused the new one
  int locked_minutes = 0;    // account_locked / code lockout: whole minutes left (≥ 1)
  bool code_locked = false;  // too many wrong codes for this user
  std::string upn;           // shown above the heading; the QR's account name
  // At ChooseMethod: the kinds of method the registry has and the policy allows, in order.
  std::vector<std::string> method_choices;
  std::optional<IssuedSession> session;  // set once, when the flow reaches SignedIn
  // Set with the session when "Don't ask again for N days" was ticked: the device cookie's
  // token and when it stops vouching.
  std::optional<IssuedSession> remembered_device;
  // At "Stay signed in?": the "Don't ask again for N days" checkbox, with N (0: not offered).
  int remember_days = 0;
  // The user reported a sign-in they didn't start (since their last sign-in): when, and whether
  // the report blocked them. Shown once, on the page after the password.
  std::optional<FraudReport> fraud_report;
  // Refused before anything was stored (too many sign-ins from the network): answer 429 with
  // Retry-After of this many seconds.
  int retry_after_seconds = 0;
  // At a method's stage that sent a message: what became of it (nullopt when none was sent, or
  // it was not queued: `send_refused` says why).
  std::optional<DeliveryOutcome> delivery;
  std::optional<SendRefusal> send_refused;
  // The page refreshes itself: its message is on the way, or a call waits for its answer.
  bool waiting_for_delivery = false;
  // The method refused the form (e.g. not a valid phone number): a sentence for the person.
  std::string method_problem;
  // At "Keep your account secure": each kind of method that can reset a password and may be
  // registered, with the user's registered one's label (empty when none), and how many are needed.
  struct ResetInfoItem {
    std::string kind;
    std::string name;   // "Phone", "Email"
    std::string label;  // the registered method's label, or empty
  };
  std::vector<ResetInfoItem> reset_info;
  int reset_info_required = 0;
  int reset_info_registered = 0;
};

// One line of "Sign in another way".
struct OtherWay {
  std::string method_id;
  std::string way;
  std::string text;
};

// Limits an operator may set ([server] in the configuration).
struct SignInSettings {
  int max_flow_starts_per_network =
      kDefaultMaxFlowStartsPerNetwork;  // per kFlowStartWindow; 0 = none
  std::string tenant_name = "tessera";  // what texts and calls say they are from
  // Where methods' messages are queued; none: a method that sends is told "We couldn't send".
  const DeliveryQueue* deliveries = nullptr;
  // The server's public URL (no trailing slash), under which emails' "This wasn't me" links
  // point; empty = no links.
  std::string public_url;
};

struct SignInClient {
  std::string ip;            // as seen by the server (or a trusted proxy)
  std::string app;           // "Security info" until OIDC clients arrive
  std::string device_token;  // the remembered-device cookie, if the browser sent one
};

// A sign-in an app asked for (an OpenID Connect authorization): where the browser returns once
// signed in, opaque to the sign-in (SignInFlow::continuation), the app's name for the log, and
// whether it demands MFA.
struct AppSignIn {
  std::string continuation;
  std::string app;
  bool mfa_demanded = false;
  std::string login_hint;  // the username to start with; empty = ask
};

class SignInService {
 public:
  // `name_key` keys the hash under which attempts on unknown usernames are counted (derived from
  // the master key, so every node counts under the same hash); it must outlive the service.
  SignInService(Store& store, const MethodRegistry& methods, PasswordHashing& hasher,
                SessionService& sessions, const Clock& clock, Rng& rng, const SecretBytes& name_key,
                SignInSettings limits = {})
      : store_(store),
        methods_(methods),
        hasher_(hasher),
        sessions_(sessions),
        clock_(clock),
        rng_(rng),
        name_key_(name_key),
        limits_(limits) {}

  // A new flow at "Sign in".
  Result<SignInPage> start(SignInFlow::Notice notice = SignInFlow::Notice::none);
  // A flow for `app`, stored at "Sign in" (or at "Enter password" for a login_hint); the page
  // at SignedIn then carries app.continuation in its flow.
  Result<SignInPage> start_for_app(const AppSignIn& app, const SignInClient& client);
  // The page the flow is at (GET after a redirect); a new flow when `flow_id` is unknown. A stage
  // that waits for its call's answer moves on here once the answer is known.
  Result<SignInPage> current(std::string_view flow_id, const SignInClient& client = {});

  // Every submit names the step its form answers (`posted_step`, from the form).
  Result<SignInPage> submit_username(std::string_view flow_id, std::string_view posted_step,
                                     std::string_view username, const SignInClient& client);
  Result<SignInPage> submit_password(std::string_view flow_id, std::string_view posted_step,
                                     const SecretBytes& password, const SignInClient& client);
  Result<SignInPage> submit_new_password(std::string_view flow_id, std::string_view posted_step,
                                         const SecretBytes& current, const SecretBytes& fresh,
                                         const SecretBytes& confirm, const SignInClient& client);
  Result<SignInPage> submit_more_information(std::string_view flow_id, std::string_view posted_step,
                                             bool skip, const SignInClient& client);
  // "Keep your account secure": the kind of method to register (one the registry has and the
  // policy allows).
  Result<SignInPage> submit_method_choice(std::string_view flow_id, std::string_view posted_step,
                                          std::string_view kind);
  // "Keep your account secure": `action` is "finish", "skip" or the kind of method to register
  // (one that can reset a password and may be registered under the policy).
  Result<SignInPage> submit_reset_info(std::string_view flow_id, std::string_view posted_step,
                                       std::string_view action, const SignInClient& client);
  // A form at a method's stage, registering or challenging: the method decides what it means
  // (a step on, or an answer, which is counted before it is checked).
  Result<SignInPage> submit_method_answer(std::string_view flow_id, std::string_view posted_step,
                                          const FormValues& form, const SignInClient& client);
  // "Sign in another way" at a challenge: every way of every method of the flow's user the policy
  // allows, the default method's first (empty at other steps). Read only when that page is shown.
  Result<std::vector<OtherWay>> other_ways(const SignInPage& page);
  // "Sign in another way": the challenge starts again with `method_id` (one of the user's, allowed
  // by the policy) in its `way` (a ChallengeOption's); anything else restarts the flow.
  Result<SignInPage> submit_other_way(std::string_view flow_id, std::string_view posted_step,
                                      std::string_view method_id, std::string_view way);
  // submit_method_answer() with the form {"code": code}.
  Result<SignInPage> submit_code(std::string_view flow_id, std::string_view posted_step,
                                 std::string_view code, const SignInClient& client);
  // "Stay signed in?"; `remember_device` is "Don't ask again for N days", kept only where it was
  // offered (a challenge passed while the policy remembers devices).
  Result<SignInPage> submit_stay(std::string_view flow_id, std::string_view posted_step,
                                 bool stay_signed_in, bool dont_show_again,
                                 const SignInClient& client, bool remember_device = false);

 private:
  struct Loaded : StoredFlow {
    // What the stage the flow moves to asks to send; queued with the flow's next write.
    std::optional<Outgoing> send;
    std::optional<SendRefusal> send_refused;  // set when that send was refused
    // Written instead of the new flow when that send is refused: "Sign in another way" keeps the
    // challenge whose message did go out, so its code still works.
    std::optional<SignInFlow> kept_if_refused;
    // The hash of the "This wasn't me" link `send` carries; recorded when it is queued.
    std::string report_link_hash;
  };
  // Changes a step commits together with its flow (inside the same store transaction, before the
  // flow is written, which they may update — e.g. with the user's new security version).
  using Effects = std::function<Status(Store& tx, SignInFlow& flow)>;

  // The flow for `flow_id` if it exists, is a sign-in flow, is live, is at `posted_step` (any step
  // when empty) and its user (once known) is still active and unchanged; else nullopt (and a flow
  // answered with the wrong step, or whose user changed, is ended).
  Result<std::optional<Loaded>> load(std::string_view flow_id, std::string_view posted_step);
  Result<SignInPage> restart(SignInFlow::Notice notice);
  // `flow` (at "Sign in", an app's) stored under a new id, so the username carries the app on.
  Result<SignInPage> store_at_sign_in(SignInFlow flow);
  // Saves the flow after `transition` (under a new id when the step changed) and returns its page;
  // a restart or a concurrent change of the flow gives a new flow at "Sign in".
  Result<SignInPage> save(Loaded& loaded, Transition transition);
  // Saves `flow` in `store` (the store or a transaction) as the next version of `loaded`, under a
  // new id when its step differs from the one loaded; updates `loaded` to match.
  Status write_flow(Store& store, Loaded& loaded, const SignInFlow& flow);
  SignInPage page_for(const Loaded& loaded, SignInFlow flow, StepMessage message);
  // Where a step may complete authentication: logs the success when it completes here (unless
  // `log_success` is false), and commits `effects`, the flow (saved, or ended when the transition
  // reached SignedIn, with the new session) and a re-check of the user in one transaction.
  // Errors from `effects` other than failed_precondition are returned as they are;
  // failed_precondition (the flow or the user changed meanwhile) restarts at "Sign in".
  Result<SignInPage> finish_page(Loaded& loaded, Transition transition, const SignInClient& client,
                                 const Effects& effects = nullptr, bool log_success = true);
  // Counts a failed password against the client's network (unless empty); throttles it at the
  // limit.
  Status record_network_failure(const std::string& network, Timestamp now);
  // The page for a password attempt refused because its network is throttled until `until`.
  Result<SignInPage> refuse_throttled(Loaded& loaded, const std::string& user_id,
                                      std::string_view upn, const SignInClient& client,
                                      Timestamp until, Timestamp now);
  // The password step for a name that is no user: counted and locked under a keyed hash of the
  // name, with the same Argon2id work, pages and messages as an account.
  Result<SignInPage> submit_password_unknown(Loaded& loaded, const std::string& upn,
                                             const SecretBytes& password,
                                             const SignInClient& client, const OrgPolicy& policy,
                                             const std::string& network, Timestamp now);
  // The page for a password attempt refused because the account (or name) is locked until
  // `until`: the same Argon2id work as a checked password, then the lockout message.
  Result<SignInPage> refuse_locked(Loaded& loaded, const std::string& user_id, std::string_view upn,
                                   const SecretBytes& password, const SignInClient& client,
                                   Timestamp until, Timestamp now);
  struct Decided {
    SignInDecision decision;
    TransitionContext context;
    std::optional<Outgoing> send;  // what the challenge's first stage sends
    std::string report_link_hash;  // the "This wasn't me" link it carries, if any
  };
  // Begins the challenge of `method` (`plugin`'s) in `way`, with a "This wasn't me" link for
  // its message to carry; the link's hash goes to `report_link_hash` when the message carries it.
  MethodStage begin_challenge(const SignInMethod& plugin, const Method& method, const User& user,
                              const OrgPolicy& policy, std::string way, Timestamp now,
                              std::string& report_link_hash);
  MethodContext method_context(std::string_view upn, Timestamp now,
                               std::optional<DeliveryOutcome> delivery = std::nullopt);
  // In `tx`: queues `loaded.send` for the step `flow` is at and records it there (or records why
  // not in `loaded.send_refused`); clears the step's old message when it moved to another stage.
  Status queue_send(Store& tx, Loaded& loaded, SignInFlow& flow);
  // The decision once the password is right, and the context to advance the flow with (the
  // method to challenge); reads the user's methods once for both.
  // `app_requires_mfa`: the flow's app demands MFA (SignInFlow::mfa_demanded).
  Result<Decided> decide_after_password(const User& user, const OrgPolicy& policy,
                                        const SignInClient& client, bool app_requires_mfa);
  SignInLogEntry log_entry(const SignInFlow& flow, const std::string& user_id, std::string_view upn,
                           const SignInClient& client, SignInResult result,
                           std::string_view reason);
  Status log_attempt(const SignInFlow& flow, const std::string& user_id, std::string_view upn,
                     const SignInClient& client, SignInResult result, std::string_view reason);
  // Whether the browser's remembered-device token vouches for `user` under `policy` at `now`:
  // recorded for them, not expired, made after their password was last set and within the
  // policy's days.
  Result<bool> device_vouches(const User& user, const OrgPolicy& policy,
                              std::string_view device_token, Timestamp now);
  // How many of `methods` can reset a password under `policy`.
  int reset_methods_of(const std::vector<Method>& methods, const OrgPolicy& policy) const;
  void sweep_expired_flows(Timestamp now);
  std::string name_hash(std::string_view upn) const;

  Store& store_;
  const MethodRegistry& methods_;
  PasswordHashing& hasher_;
  SessionService& sessions_;
  const Clock& clock_;
  Rng& rng_;
  const SecretBytes& name_key_;
  const SignInSettings limits_;              // the operator's limits and settings
  std::atomic<std::int64_t> last_sweep_{0};  // unix seconds of the last expired-flow sweep
};

}  // namespace tessera
