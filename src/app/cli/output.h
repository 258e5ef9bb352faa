// Printing users, methods and policy for the command line.
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
