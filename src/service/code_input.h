// Small helpers around one-time codes (normalise_code() is the methods').
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "base/clock.h"

namespace tessera {

// Whole minutes from `now` until `until`, rounded up and at least 1: what a lockout message says.
inline int minutes_until(Timestamp until, Timestamp now) {
  const std::int64_t seconds = (until - now).count();
  return static_cast<int>(std::max<std::int64_t>(1, (seconds + 59) / 60));
}

}  // namespace tessera
