// Printing users, methods and policy for the command line. Free text (display names, method
// labels) is printed through table_cell (text_table.h), so it cannot pass for other columns.
#pragma once

#include <vector>

#include "domain/policy.h"
#include "domain/user.h"
#include "service/user_admin_service.h"

namespace tessera {

void print_user_table(const std::vector<User>& users);
void print_user_details(const UserDetails& details);
void print_policy(const OrgPolicy& policy);

}  // namespace tessera
