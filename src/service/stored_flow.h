// Flows kept in the store between requests (docs/architecture.md, "The sign-in flow"): sealed,
// under the SHA-256 of a random id the browser keeps in a cookie, with a version for optimistic
// concurrency and a kind each use case loads alone. What the sign-in, the password reset and
// Security info share of loading and saving them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "domain/sign_in_flow.h"
#include "domain/user.h"
#include "storage/store.h"

namespace tessera {

// Longer presented ids are no flow's: they are not even hashed.
inline constexpr std::size_t kMaxFlowIdLength = 128;

// The user a step is about (its user_id), or nullptr for a step before the user is known.
const std::string* user_id_of(const SignInStep& step);

struct StoredFlow {
  std::string id;            // what the browser holds
  std::string id_hash;       // what the store keys it by
  std::int64_t version = 0;  // 0: not stored yet
  int code_attempts = 0;     // codes tried at this step, counted in the store
  std::string step;          // the step it was loaded (or last written) at
  SignInFlow flow;
  std::optional<User> user;  // the flow's user once known: active and unchanged when loaded
};

// The live flow of `kind` stored under `flow_id`, without its user; nullopt when there is none
// (unknown, expired, sealed under another key, or of another kind).
Result<std::optional<StoredFlow>> find_stored_flow(Store& store, std::string_view flow_id,
                                                   FlowKind kind, Timestamp now);

// find_stored_flow(), at `posted_step` (any step when empty) and with its user re-read. A flow
// answered with another step's form (a replay, a skipped step, a second tab), or whose user was
// deleted, blocked or changed (security_version) since the flow learnt who they are, is ended
// and nullopt returned. An empty user id is no user only for a password reset (a name that is no
// account walks the same pages); elsewhere it ends the flow like a deleted user.
Result<std::optional<StoredFlow>> load_stored_flow(Store& store, std::string_view flow_id,
                                                   FlowKind kind, std::string_view posted_step,
                                                   Timestamp now);

// Saves `flow` in `store` (the store or a transaction) as the next version of `loaded`: in place
// while the step is the one loaded (or the flow is new), else under a fresh id, so whoever held
// the old one (planted it, or saw it) holds nothing. Updates `loaded`'s id, version and step (not
// its flow). failed_precondition: the flow changed meanwhile.
Status write_stored_flow(Store& store, Rng& rng, StoredFlow& loaded, const SignInFlow& flow);

}  // namespace tessera
