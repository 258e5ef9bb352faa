// Small helpers for what people type and read around one-time codes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace tessera {

// The code without the spaces and dashes people type inside it ("123 456"); at most 32
// characters are looked at, so hostile input stays small.
inline std::string normalise_code(std::string_view code) {
  std::string digits;
  for (const char c : code.substr(0, 32)) {
    if (c != ' ' && c != '-') digits.push_back(c);
  }
  return digits;
}

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
