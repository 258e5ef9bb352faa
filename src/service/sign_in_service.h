// The interactive sign-in (DESIGN.md section 3) as use cases, one per form a person submits. From
// the username on, the flow lives in the store under the hash of a random flow id (the browser
// holds the id in a cookie); at "Sign in" it holds nothing and is not stored. Each call loads the
// flow, checks the form answers the step the flow is at, checks the credentials, feeds the outcome
// to the domain state machine (domain/sign_in_flow.h), saves the result and writes the sign-in log.
// Anything unexpected — an unknown or expired flow id, a form for another step, a replayed POST, a
// concurrent request — starts a new flow at "Sign in".
//
// Thread-safe if Store, PasswordHashing, Clock and Rng are. submit_password and
// submit_new_password wait for Argon2id (PasswordHashing decides where it runs).
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "crypto/otp.h"
#include "domain/sign_in_flow.h"
#include "service/password_hashing.h"
#include "service/session_service.h"
#include "storage/store.h"

namespace tessera {

inline constexpr int kMaxWrongCodesPerUser = 10;
inline constexpr std::chrono::minutes kCodeLockoutDuration{15};
inline constexpr std::chrono::hours kMaxPasswordLockout{24};
inline constexpr std::chrono::seconds kFlowSweepInterval{60};
// Failed passwords from one client network (its /24 or /64), across all accounts, before that
// network is refused for a while — except where the user it signs in as is familiar with it.
inline constexpr int kMaxNetworkPasswordFailures = 50;
inline constexpr std::chrono::minutes kNetworkFailureWindow{15};
inline constexpr std::chrono::minutes kNetworkThrottleDuration{15};
// A familiar network's last_seen is refreshed at most this often.
inline constexpr std::chrono::hours kFamiliarNetworkRefresh{24};

// The familiar-network key of a client address ("203.0.113.0/24"); empty when it is not an IP.
std::string network_of(std::string_view client_ip);

// What the page after a request shows. `flow.step` says which page.
struct SignInPage {
  std::string flow_id;  // the cookie value (new when the flow was restarted)
  SignInFlow flow;
  StepMessage message = StepMessage::none;
  std::string password_problem;  // Update your password: the sentence of the failed rule
  int locked_minutes = 0;        // account_locked / code lockout: whole minutes left (≥ 1)
  bool code_locked = false;      // too many wrong codes for this user
  std::string upn;               // shown above the heading; the QR's account name
  std::optional<IssuedSession> session;  // set once, when the flow reaches SignedIn
};

struct SignInClient {
  std::string ip;   // as seen by the server (or a trusted proxy)
  std::string app;  // "Security info" until OIDC clients arrive
};

class SignInService {
 public:
  SignInService(Store& store, PasswordHashing& hasher, SessionService& sessions, const Clock& clock,
                Rng& rng)
      : store_(store), hasher_(hasher), sessions_(sessions), clock_(clock), rng_(rng) {}

  // A new flow at "Sign in".
  Result<SignInPage> start(SignInFlow::Notice notice = SignInFlow::Notice::none);
  // The page the flow is at (GET after a redirect); a new flow when `flow_id` is unknown.
  Result<SignInPage> current(std::string_view flow_id);

  // Every submit names the step its form answers (`posted_step`, from the form).
  Result<SignInPage> submit_username(std::string_view flow_id, std::string_view posted_step,
                                     std::string_view username);
  Result<SignInPage> submit_password(std::string_view flow_id, std::string_view posted_step,
                                     const SecretBytes& password, const SignInClient& client);
  Result<SignInPage> submit_new_password(std::string_view flow_id, std::string_view posted_step,
                                         const SecretBytes& current, const SecretBytes& fresh,
                                         const SecretBytes& confirm, const SignInClient& client);
  Result<SignInPage> submit_more_information(std::string_view flow_id, std::string_view posted_step,
                                             bool skip, const SignInClient& client);
  Result<SignInPage> submit_method_choice(std::string_view flow_id, std::string_view posted_step,
                                          std::string_view method);
  Result<SignInPage> submit_app_scanned(std::string_view flow_id, std::string_view posted_step);
  Result<SignInPage> submit_code(std::string_view flow_id, std::string_view posted_step,
                                 std::string_view code, const SignInClient& client);
  Result<SignInPage> submit_stay(std::string_view flow_id, std::string_view posted_step,
                                 bool stay_signed_in, bool dont_show_again,
                                 const SignInClient& client);

  static TotpParameters totp_parameters() { return TotpParameters{}; }

 private:
  struct Loaded {
    std::string id;
    std::string id_hash;
    std::int64_t version = 0;
    SignInFlow flow;
  };
  // The flow for `flow_id` if it exists, is live and is at `posted_step`; else nullopt.
  Result<std::optional<Loaded>> load(std::string_view flow_id, std::string_view posted_step);
  Result<SignInPage> restart(SignInFlow::Notice notice);
  Result<SignInPage> save(Loaded& loaded, Transition transition);
  // `guard`: the TOTP step to mark used in the same transaction when the flow ends signed in;
  // failed_precondition when it was already used (then nothing was written). The success is
  // logged when authentication completes here (not again after "Stay signed in?").
  Result<SignInPage> finish_page(Loaded& loaded, Transition transition, const SignInClient& client,
                                 const std::string& user_id, const MethodStepGuard* guard = nullptr,
                                 bool log_success = true);
  // The lockout that applies to a password attempt from `network`: the familiar network's own,
  // or the account's for everywhere else.
  // Counts a failed password against the client's network (unless empty); throttles it at the
  // limit.
  Status record_network_failure(const std::string& network, Timestamp now);
  // The page for a password attempt refused because its network is throttled until `until`.
  Result<SignInPage> refuse_throttled(Loaded& loaded, const std::string& user_id,
                                      std::string_view upn, const SignInClient& client,
                                      Timestamp until, Timestamp now);
  Status record_wrong_password(const User& user, const std::optional<FamiliarNetwork>& familiar,
                               const std::string& network, const OrgPolicy& policy, Timestamp now,
                               int& locked_minutes);
  struct Decided {
    SignInDecision decision;
    TransitionContext context;
  };
  // The decision once the password is right, and the context to advance the flow with (the
  // method to challenge); reads the user's methods once for both.
  Result<Decided> decide_after_password(const User& user, const OrgPolicy& policy,
                                        const SignInClient& client);
  SignInLogEntry log_entry(const SignInFlow& flow, const std::string& user_id, std::string_view upn,
                           const SignInClient& client, SignInResult result,
                           std::string_view reason);
  Status log_attempt(const SignInFlow& flow, const std::string& user_id, std::string_view upn,
                     const SignInClient& client, SignInResult result, std::string_view reason);
  void sweep_expired_flows(Timestamp now);
  Result<std::string> upn_of(const std::string& user_id);

  Store& store_;
  PasswordHashing& hasher_;
  SessionService& sessions_;
  const Clock& clock_;
  Rng& rng_;
  std::atomic<std::int64_t> last_sweep_{0};  // unix seconds of the last expired-flow sweep
};

}  // namespace tessera
