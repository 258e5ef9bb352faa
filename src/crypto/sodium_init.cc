#include "crypto/sodium_init.h"

#include <sodium.h>

namespace tessera {

bool init_crypto_library() {
  // sodium_init is itself thread-safe and idempotent (returns 1 when already initialised).
  return sodium_init() >= 0;
}

}  // namespace tessera
