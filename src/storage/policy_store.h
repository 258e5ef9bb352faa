// The org policy. Part of the Store (storage/store.h), whose contracts apply.
#pragma once

#include "base/result.h"
#include "domain/log_records.h"
#include "domain/policy.h"

namespace tessera {

class PolicyStore {
 public:
  virtual ~PolicyStore() = default;

  // A fresh database has the default OrgPolicy{}. A stored value that does not parse is logged
  // once (with its key) and its default used, so one bad row does not stop every sign-in.
  virtual Result<OrgPolicy> load_policy() = 0;
  virtual Status save_policy(const OrgPolicy& policy, const AuditLogEntry* audit) = 0;
};

}  // namespace tessera
