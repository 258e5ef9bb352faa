// Small helpers for what people read around one-time codes (normalise_code() is the methods').
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace tessera {

// Whole minutes from `now` until `until`, rounded up and at least 1: what a lockout message says.
inline int minutes_until(Timestamp until, Timestamp now) {
  const std::int64_t seconds = (until - now).count();
  return static_cast<int>(std::max<std::int64_t>(1, (seconds + 59) / 60));
}

// "Too many wrong codes. Your account is locked for N minutes." — the one wording of the per-user
// code lockout, on the sign-in pages and on Security info alike.
inline std::string code_lockout_message(int minutes) {
  return "Too many wrong codes. Your account is locked for " + std::to_string(minutes) +
         (minutes == 1 ? " minute." : " minutes.");
}

}  // namespace tessera
