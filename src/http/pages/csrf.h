// CSRF tokens bound to the cookie a form belongs to (the flow id or the session token): an HMAC
// under a server key, so another site can neither read nor forge one.
#pragma once

#include <string>
#include <string_view>

#include "base/secret_bytes.h"

namespace tessera {

std::string csrf_token(const SecretBytes& key, std::string_view binding);
// Constant-time; false when `binding` is empty.
bool csrf_valid(const SecretBytes& key, std::string_view binding, std::string_view presented);

}  // namespace tessera
