// Familiar networks (smart lockout, DESIGN.md section 9): where each user signed in before. A
// familiar network's password attempts are a throttle of their own (service/throttles.h). Part of
// the Store (storage/store.h), whose contracts apply.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace tessera {

inline constexpr std::size_t kMaxFamiliarNetworks = 5;

struct FamiliarNetwork {
  std::string network;  // "203.0.113.0/24", "2001:db8:1:2::/64"
  Timestamp last_seen{};
};

class FamiliarNetworkStore {
 public:
  virtual ~FamiliarNetworkStore() = default;

  virtual Result<std::optional<FamiliarNetwork>> find_familiar_network(
      const std::string& user_id, const std::string& network) = 0;
  // Records a successful sign-in from `network` and keeps only the kMaxFamiliarNetworks most
  // recent of the user's.
  virtual Status remember_network(const std::string& user_id, const std::string& network,
                                  Timestamp now) = 0;
};

}  // namespace tessera
