// SignInFlow ⇄ bytes (JSON), for keeping flows in the store. The bytes can hold a method's state
// (e.g. a secret being registered), so they travel as SecretBytes and the store seals them.
#pragma once

#include "base/result.h"
#include "base/secret_bytes.h"
#include "domain/sign_in_flow.h"

namespace tessera {

SecretBytes encode_flow(const SignInFlow& flow);
// data_loss when the bytes are not a flow this version wrote.
Result<SignInFlow> decode_flow(const SecretBytes& bytes);

}  // namespace tessera
