// Remembered devices ("Don't ask again for N days", DESIGN.md section 3): browsers whose user may
// skip the MFA challenge until a time, by the hash of the device cookie's token. Part of the Store
// (storage/store.h), whose contracts apply.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace tessera {

// Remembered devices one user may have; the oldest are forgotten beyond it.
inline constexpr std::size_t kMaxRememberedDevices = 20;

struct RememberedDevice {
  std::string token_hash;
  std::string user_id;
  Timestamp created_at{};
  Timestamp expires_at{};
};

class RememberedDeviceStore {
 public:
  virtual ~RememberedDeviceStore() = default;

  // Records the device and forgets all but the user's kMaxRememberedDevices newest.
  virtual Status remember_device(const RememberedDevice& device) = 0;
  // The device for `token_hash` if it is recorded and has not expired at `now`.
  virtual Result<std::optional<RememberedDevice>> find_remembered_device(
      const std::string& token_hash, Timestamp now) = 0;
  // Forgets every device of the user ("Revoke MFA sessions", a password reset); how many.
  virtual Result<std::size_t> forget_remembered_devices(const std::string& user_id) = 0;
  virtual Result<std::size_t> count_remembered_devices(const std::string& user_id,
                                                       Timestamp now) = 0;
};

}  // namespace tessera
