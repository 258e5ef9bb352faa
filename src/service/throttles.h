// What tessera counts, and how: every limit on attempts is a throttle (domain/throttle.h,
// storage/throttle_store.h) under one of these keys, counted with one of these rules. Text,
// call and email sends and app passwords add theirs here.
#pragma once

#include <chrono>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "domain/policy.h"
#include "domain/throttle.h"
#include "storage/throttle_store.h"

namespace tessera {

inline constexpr int kMaxWrongCodesPerUser = 10;
inline constexpr std::chrono::minutes kCodeLockoutDuration{15};
inline constexpr std::chrono::hours kMaxPasswordLockout{24};
// Failed passwords from one client network (its /24 or /64), across all accounts, before that
// network is refused for a while — except where the user it signs in as is familiar with it.
inline constexpr int kMaxNetworkPasswordFailures = 50;
inline constexpr std::chrono::minutes kNetworkFailureWindow{15};
inline constexpr std::chrono::minutes kNetworkThrottleDuration{15};
inline constexpr std::chrono::minutes kFlowStartWindow{10};
// Counters of unknown names and of networks that nobody added to for this long are forgotten.
inline constexpr std::chrono::hours kStaleCounterAge{48};
// Texts, calls and emails sent to one user, or to one destination, within kSendWindow (toll
// fraud: a stolen password must not pump texts to premium numbers).
inline constexpr int kMaxSendsPerWindow = 3;
inline constexpr std::chrono::minutes kSendWindow{10};

namespace throttles {

// Passwords tried for an account from anywhere but its familiar networks.
ThrottleKey account_passwords(const std::string& user_id);
// The prefix of every password counter of a user (the account's and each familiar network's), to
// lift them all at once (a password reset).
inline constexpr std::string_view kPasswordThrottlePrefix = "password:";
// Passwords tried for an account from one of its familiar networks (smart lockout).
ThrottleKey familiar_network_passwords(const std::string& user_id, const std::string& network);
// Passwords tried for a name that is no user, under a keyed hash of the name.
ThrottleKey unknown_name_passwords(const std::string& name_hash);
// Wrong passwords from one client network (its /24 or /64) across all accounts.
ThrottleKey network_password_failures(const std::string& network);
// Sign-ins started from one client network.
ThrottleKey network_sign_in_starts(const std::string& network);
// MFA codes tried by a user, across challenges and Security info.
ThrottleKey user_codes(const std::string& user_id);

// Texts, calls and emails sent for a user.
ThrottleKey user_sends(const std::string& user_id);
// Texts, calls and emails sent to one number or address, whoever asked.
ThrottleKey destination_sends(const std::string& destination);

// When the lock of the throttle `key` ends: `now` when no lock holds at `now`.
Result<Timestamp> lock_end(ThrottleStore& store, const std::string& key, Timestamp now);

// The org policy's lockout: `threshold` attempts, then `duration`, doubling, at most a day.
ThrottleRule password_rule(const OrgPolicy& policy);
// The same for unknown names, whose counters are forgotten once idle.
ThrottleRule unknown_name_rule(const OrgPolicy& policy);
// 50 wrong passwords within 15 minutes lock the network for 15 minutes.
ThrottleRule network_password_failure_rule();
// `limit` starts per 10 minutes; it locks nothing (the caller refuses past the limit).
ThrottleRule network_sign_in_start_rule(int limit);
// 10 wrong codes lock a user's codes for 15 minutes.
ThrottleRule code_rule();
// kMaxSendsPerWindow sends per kSendWindow; it locks nothing (the caller refuses past the limit).
ThrottleRule send_rule();

}  // namespace throttles
}  // namespace tessera
