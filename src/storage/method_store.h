// Sign-in methods a user registered. Part of the Store (storage/store.h), whose contracts apply:
// a method's secret is sealed before it is written and opened on read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "domain/log_records.h"
#include "methods/method.h"

namespace tessera {

struct MethodStepGuard {
  std::string method_id;
  std::int64_t step = 0;
};

class MethodStore {
 public:
  virtual ~MethodStore() = default;

  // At most one default per user: adding or updating one with is_default clears the others.
  virtual Status add_method(const Method& method, const AuditLogEntry* audit) = 0;
  virtual Result<std::vector<Method>> list_methods(const std::string& user_id) = 0;
  virtual Result<Method> find_method(const std::string& method_id) = 0;
  virtual Status delete_method(const std::string& method_id, const AuditLogEntry* audit) = 0;
  virtual Status set_default_method(const std::string& user_id, const std::string& method_id) = 0;
  // Replay guard of time-step codes: sets last_used_step to `step` only if it is greater than the
  // stored one. Returns true if this call advanced it (the code may be accepted), false if the step
  // was already used — atomic across nodes.
  virtual Result<bool> advance_method_step(const std::string& method_id, std::int64_t step) = 0;
};

}  // namespace tessera
