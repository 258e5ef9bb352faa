#include "service/policy_service.h"

#include "base/ids.h"

namespace tessera {

Result<OrgPolicy> PolicyService::show() {
  return store_.load_policy();
}

Result<OrgPolicy> PolicyService::set(std::string_view key, std::string_view value,
                                     const Actor& actor) {
  TESSERA_ASSIGN_OR_RETURN(OrgPolicy policy, store_.load_policy());
  TESSERA_RETURN_IF_ERROR(set_policy_value(policy, key, value));
  const std::string shown_key(shown_policy_key(key));
  std::string shown;
  for (const auto& [name, text] : describe_policy(policy)) {
    if (name == shown_key) shown = text;
  }
  const AuditLogEntry entry{new_id(rng_), clock_.now(), actor.name,
                            "policy.set", shown_key,    shown_key + " = " + shown};
  TESSERA_RETURN_IF_ERROR(store_.save_policy(policy, &entry));
  return policy;
}

}  // namespace tessera
