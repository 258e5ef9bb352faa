// Reading and changing the org policy (`tessera policy …`, later the admin Policy page and API).
// Thread-safe if the Store is. Concurrent set() calls on different keys may race (last write
// wins per whole policy); admins change policy rarely and the audit log records each change.
#pragma once

#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "domain/policy.h"
#include "service/actor.h"
#include "storage/store.h"

namespace tessera {

class PolicyService {
 public:
  PolicyService(Store& store, const Clock& clock, Rng& rng)
      : store_(store), clock_(clock), rng_(rng) {}

  Result<OrgPolicy> show();
  // Validates and saves one setting (see set_policy_value in domain/policy.h for the keys).
  Result<OrgPolicy> set(std::string_view key, std::string_view value, const Actor& actor);

 private:
  Store& store_;
  const Clock& clock_;
  Rng& rng_;
};

}  // namespace tessera
