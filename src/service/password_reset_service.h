// "Forgot my password" (self-service password reset, DESIGN.md sections 1 and 3): a person names
// their account, proves the policy's number of its methods that can reset a password (one code
// per method, to a destination they type again in full), then sets a new password under the rules
// of "Update your password". The reset ends every session, sign-in and remembered device of the
// user, lifts their password lockout, and tells them on every method that carries notices.
//
// No enumeration: a name that is no active user gets the same pages in the same order. What they
// type "matches" nothing, so nothing is sent and every code is wrong; the ways offered are the
// policy's, never the account's.
//
// The flow is stored like a sign-in's (FlowKind::password_reset, its own cookie), re-checks its
// user at every step (a block or a password change meanwhile ends it), gets a new id at every
// step it moves on, and counts codes before they are checked: per flow (kMaxWrongCodesPerChallenge)
// and per user (the sign-in's code throttle). Sends are queued with the step, in one transaction,
// within the delivery limits.
//
// Thread-safe if Store, PasswordHashing, Clock and Rng are. submit_new_password waits for
// Argon2id.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "domain/sign_in_flow.h"
#include "methods/sign_in_method.h"
#include "service/deliveries.h"
#include "service/password_hashing.h"
#include "service/sign_in_service.h"
#include "service/stored_flow.h"
#include "storage/store.h"

namespace tessera {

struct PasswordResetSettings {
  std::string tenant_name = "tessera";
  const DeliveryQueue* deliveries = nullptr;  // none: nothing can be sent, nothing proved
  int max_flow_starts_per_network = kDefaultMaxFlowStartsPerNetwork;  // 0 = none
};

// One choice of "Verify your identity": a method kind's reset way.
struct ResetChoice {
  std::string choice;  // "kind:way", what the form posts
  std::string text;
};

// What the page after a request shows. `flow.step` says which page.
struct ResetPage {
  std::string flow_id;
  SignInFlow flow;
  bool not_enabled = false;  // self-service password reset is off: "contact your administrator"
  std::string upn;
  std::vector<ResetChoice> choices;  // at ResetChooseProof
  int proof_number = 1;              // "Verification step N of M"
  int proofs_required = 1;
  std::string problem;  // a sentence for the person (a wrong code, a destination not understood)
  std::optional<PasswordProblem> password_problem;
  // What became of the proof's message: for logs and tests only, since showing it would tell a
  // real destination from a stand-in.
  std::optional<DeliveryOutcome> delivery;
  std::optional<SendRefusal> send_refused;
  bool waiting_for_delivery = false;
  bool code_locked = false;
  int locked_minutes = 0;
  int retry_after_seconds = 0;  // 429: too many resets started from the network
};

class PasswordResetService {
 public:
  PasswordResetService(Store& store, const MethodRegistry& methods, PasswordHashing& hasher,
                       const Clock& clock, Rng& rng, PasswordResetSettings settings = {})
      : store_(store),
        methods_(methods),
        hasher_(hasher),
        clock_(clock),
        rng_(rng),
        settings_(std::move(settings)) {}

  // "Get back into your account": a new flow id (nothing stored until the username).
  Result<ResetPage> start();
  // The page the flow is at; a new start when `flow_id` is unknown.
  Result<ResetPage> current(std::string_view flow_id);
  Result<ResetPage> submit_username(std::string_view flow_id, std::string_view posted_step,
                                    std::string_view username, std::string_view client_ip);
  // A reset way (`choice` "kind:way" of the page's choices) and the destination typed for it.
  Result<ResetPage> submit_way(std::string_view flow_id, std::string_view posted_step,
                               std::string_view choice, std::string_view typed);
  // The code sent for the proof under way.
  Result<ResetPage> submit_code(std::string_view flow_id, std::string_view posted_step,
                                const FormValues& form);
  Result<ResetPage> submit_new_password(std::string_view flow_id, std::string_view posted_step,
                                        const SecretBytes& fresh, const SecretBytes& confirm);

 private:
  using Loaded = StoredFlow;
  Result<std::optional<Loaded>> load(std::string_view flow_id, std::string_view posted_step);
  // Saves `flow` (in `store`, the store or a transaction) as the next version of `loaded`, under
  // a new id when its step changed.
  Status write(Store& store, Loaded& loaded, const SignInFlow& flow);
  Result<ResetPage> page_for(const Loaded& loaded, const OrgPolicy& policy);
  Result<ResetPage> restart();
  std::vector<ResetChoice> choices(const SignInFlow& flow, const OrgPolicy& policy) const;

  Store& store_;
  const MethodRegistry& methods_;
  PasswordHashing& hasher_;
  const Clock& clock_;
  Rng& rng_;
  const PasswordResetSettings settings_;
};

}  // namespace tessera
