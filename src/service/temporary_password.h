// Temporary passwords an admin hands to a user ("tessera user add --temporary-password", "reset
// password"): 16 characters in four groups ("Kx7m-Qp3w-Zr9b-Hn4c"), ~90 bits, from an alphabet
// without look-alike characters (0/O, 1/l/I) so they survive being read out over the phone.
#pragma once

#include "base/rng.h"
#include "base/secret_bytes.h"

namespace tessera {

SecretBytes generate_temporary_password(Rng& rng);

}  // namespace tessera
