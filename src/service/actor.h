// Who asks for a change, for the audit log: "cli" for the command line, an admin's UPN for the
// admin pages and API, "system" for automatic changes.
#pragma once

#include <string>

namespace tessera {

struct Actor {
  std::string name;
  static Actor cli() { return {"cli"}; }
  static Actor system() { return {"system"}; }
};

}  // namespace tessera
