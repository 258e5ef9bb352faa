#include "methods/sign_in_method.h"

#include <algorithm>

namespace tessera {

void MethodRegistry::add(std::unique_ptr<SignInMethod> method) {
  methods_.push_back(std::move(method));
}

const SignInMethod* MethodRegistry::find(MethodKind kind) const {
  for (const auto& method : methods_) {
    if (method->kind() == kind) return method.get();
  }
  return nullptr;
}

const SignInMethod* MethodRegistry::find(std::string_view kind_name) const {
  const auto kind = parse_method_kind(kind_name);
  return kind ? find(*kind) : nullptr;
}

std::vector<const SignInMethod*> MethodRegistry::allowed(const AllowedMethods& allowed) const {
  std::vector<const SignInMethod*> out;
  for (const auto& method : methods_) {
    if (method->allowed_by(allowed)) out.push_back(method.get());
  }
  return out;
}

std::vector<const SignInMethod*> MethodRegistry::registrable(const AllowedMethods& allowed) const {
  std::vector<const SignInMethod*> out;
  for (const auto& method : methods_) {
    if (method->registrable_by(allowed)) out.push_back(method.get());
  }
  return out;
}

std::vector<const SignInMethod*> MethodRegistry::password_resetting(
    const AllowedMethods& allowed) const {
  std::vector<const SignInMethod*> out;
  for (const auto& method : methods_) {
    if (method->serves_password_reset() && method->registrable_by(allowed) &&
        !method->reset_ways(allowed).empty()) {
      out.push_back(method.get());
    }
  }
  return out;
}

int reset_methods_required(const MethodRegistry& methods, const OrgPolicy& policy) {
  const int kinds = static_cast<int>(methods.password_resetting(policy.allowed_methods).size());
  return std::min(policy.sspr_methods_required, kinds);
}

const OrgPolicy& policy_of(const MethodContext& context) {
  static const OrgPolicy defaults;
  return context.policy != nullptr ? *context.policy : defaults;
}

std::vector<const SignInMethod*> MethodRegistry::all() const {
  std::vector<const SignInMethod*> out;
  for (const auto& method : methods_)
    out.push_back(method.get());
  return out;
}

Method registered_method(std::string id, std::string user_id, const SignInMethod& method,
                         RegistrationAnswer accepted, const std::vector<Method>& existing,
                         Timestamp now) {
  Method added;
  added.id = std::move(id);
  added.user_id = std::move(user_id);
  added.kind = method.kind();
  added.label = std::move(accepted.label);
  added.detail = std::move(accepted.detail);
  added.secret = std::move(accepted.secret);
  added.is_default = std::none_of(existing.begin(), existing.end(),
                                  [](const Method& other) { return other.is_default; });
  added.created_at = now;
  added.last_used_step = accepted.used_step;
  return added;
}

std::string normalise_code(std::string_view code) {
  std::string digits;
  for (const char c : code.substr(0, 32)) {
    if (c != ' ' && c != '-') digits.push_back(c);
  }
  return digits;
}

}  // namespace tessera
