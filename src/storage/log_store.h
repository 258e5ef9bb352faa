// The sign-in log and the audit log, append-only, listed newest first. Part of the Store
// (storage/store.h), whose contracts apply.
#pragma once

#include <cstddef>
#include <vector>

#include "base/result.h"
#include "domain/log_records.h"

namespace tessera {

class LogStore {
 public:
  virtual ~LogStore() = default;

  virtual Status append_sign_in(const SignInLogEntry& entry) = 0;
  virtual Result<std::vector<SignInLogEntry>> list_sign_ins(std::size_t limit) = 0;
  virtual Status append_audit(const AuditLogEntry& entry) = 0;
  virtual Result<std::vector<AuditLogEntry>> list_audit(std::size_t limit) = 0;
};

}  // namespace tessera
