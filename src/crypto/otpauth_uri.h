// otpauth:// URIs (the Key Uri Format of authenticator apps):
// otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
#pragma once

#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "crypto/otp.h"

namespace tessera {

// Issuer and account are percent-encoded; the secret is unpadded base32. The result contains the
// secret: treat it as one (SecretBytes), never log it.
SecretBytes totp_uri(std::string_view issuer, std::string_view account, const SecretBytes& secret,
                     const TotpParameters& parameters);

}  // namespace tessera
