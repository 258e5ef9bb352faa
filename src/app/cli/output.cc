#include "app/cli/output.h"

#include <cstdio>

#include "app/cli/text_table.h"
#include "base/time_format.h"

namespace tessera {

void print_user_table(const std::vector<User>& users) {
  std::vector<std::vector<std::string>> rows = {{"UPN", "DISPLAY NAME", "STATUS", "MFA"}};
  for (const User& user : users) {
    rows.push_back({user.upn, user.display_name, std::string(to_string(user.status)),
                    std::string(to_string(user.mfa_state))});
  }
  std::fputs(format_table(rows).c_str(), stdout);
  std::printf("%zu user%s\n", users.size(), users.size() == 1 ? "" : "s");
}

void print_user_details(const UserDetails& details) {
  const User& user = details.user;
  std::printf("upn                 %s\n", user.upn.c_str());
  std::printf("display name        %s\n", table_cell(user.display_name).c_str());
  std::printf("id                  %s\n", user.id.c_str());
  std::printf("status              %s\n", std::string(to_string(user.status)).c_str());
  std::printf("role                %s\n", std::string(to_string(user.role)).c_str());
  std::printf("mfa state           %s", std::string(to_string(user.mfa_state)).c_str());
  if (details.effective_mfa_state != user.mfa_state) {
    std::printf(" (%s by the org policy)",
                std::string(to_string(details.effective_mfa_state)).c_str());
  }
  std::printf("\n");
  std::printf("temporary password  %s\n", user.password_temporary ? "yes" : "no");
  std::printf("created             %s\n", format_timestamp(user.created_at).c_str());
  std::printf("password changed    %s\n", format_timestamp(user.password_changed_at).c_str());
  if (details.locked_until) {
    std::printf("locked until        %s\n", format_timestamp(*details.locked_until).c_str());
  }
  std::printf("methods             %zu\n", details.methods.size());
  for (const Method& method : details.methods) {
    std::printf("  - %s%s %s\n", std::string(to_string(method.kind)).c_str(),
                method.is_default ? " (default)" : "", table_cell(method.label).c_str());
  }
}

void print_policy(const OrgPolicy& policy) {
  for (const auto& [key, value] : describe_policy(policy)) {
    std::printf("%-26s %s\n", key.c_str(), value.c_str());
  }
}

}  // namespace tessera
