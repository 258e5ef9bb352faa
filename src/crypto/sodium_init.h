// libsodium must be initialised once per process before any crypto call. Safe to call many times
// and from many threads; returns false only if the library cannot work on this machine.
#pragma once

namespace tessera {

bool init_crypto_library();

}  // namespace tessera
