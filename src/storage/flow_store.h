// Sign-in flows (and every other flow: adding a method, later OIDC and password reset), sealed by
// the store with associated data "sign_in_flows:<id_hash>". Part of the Store (storage/store.h),
// whose contracts apply, except that outside a transaction flow writes survive a crash of tessera
// but, unlike every other write, may be lost by a power cut: a lost flow only means signing in
// again, and skipping the disk wait keeps sign-ins fast.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"

namespace tessera {

struct FlowRecord {
  std::string id_hash;  // hex SHA-256 of the flow id in the cookie
  SecretBytes state;    // the serialised flow
  std::int64_t version = 0;
  Timestamp expires_at{};
  std::string user_id;    // the user the flow is about, once known (empty before), so ending a
                          // user's access can end their flows
  int code_attempts = 0;  // codes tried at the current step (count_flow_attempt); read only
};

class FlowStore {
 public:
  virtual ~FlowStore() = default;

  // Inserts when flow.version is 0 and otherwise updates only if the stored version still equals
  // flow.version (failed_precondition if another request changed or ended it meanwhile); returns
  // the new version. With `new_id_hash` the flow moves to that key in the same write (the old id
  // stops working) and its code attempts start again from 0.
  virtual Result<std::int64_t> save_flow(const FlowRecord& flow,
                                         const std::string* new_id_hash = nullptr) = 0;
  // not_found when missing or expired at `now`.
  virtual Result<FlowRecord> find_flow(const std::string& id_hash, Timestamp now) = 0;
  virtual Status delete_flow(const std::string& id_hash) = 0;  // ok when already gone
  // Deletes the flow only if it is still at `version`; failed_precondition otherwise, so of
  // several requests finishing one flow exactly one succeeds.
  virtual Status delete_flow_at_version(const std::string& id_hash, std::int64_t version) = 0;
  // Counts a code tried at the flow's current step before it is checked: the new count, or
  // nullopt (not counted) when `limit` codes were tried already or the flow is gone. (A count
  // that lives and dies with its flow, so it is the flow's, not a throttle.)
  virtual Result<std::optional<int>> count_flow_attempt(const std::string& id_hash, int limit) = 0;
  // Ends every flow of the user except `except_id_hash` (may be empty).
  virtual Status delete_user_flows(const std::string& user_id,
                                   const std::string& except_id_hash) = 0;
  // Flows expired at `now`; their number.
  virtual Result<std::int64_t> delete_expired_flows(Timestamp now) = 0;
};

}  // namespace tessera
