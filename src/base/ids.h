// Identifiers for stored rows: 128 random bits as 32 lower-case hex characters. Ids are not secrets
// (they appear in URLs and logs); tokens that grant access are made by crypto/token.h instead.
#pragma once

#include <string>
#include <string_view>

#include "base/rng.h"

namespace tessera {

std::string new_id(Rng& rng);
bool looks_like_id(std::string_view text);

}  // namespace tessera
