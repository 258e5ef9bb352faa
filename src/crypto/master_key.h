// The master key: 32 random bytes, stored as 64 hex characters in a key file of mode 0600 created
// by `tessera init`, or given in the environment variable TESSERA_MASTER_KEY (64 hex characters).
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"

namespace tessera {

inline constexpr const char* kMasterKeyEnvironmentVariable = "TESSERA_MASTER_KEY";

// Creates a new key file atomically (write to a temporary file with mode 0600, fsync, rename).
// already_exists if the file exists: a key is never overwritten, since that would make every
// sealed secret unreadable.
Status create_master_key_file(const std::filesystem::path& path, Rng& rng);

// The key from TESSERA_MASTER_KEY if set, else from the file. Errors: not_found (no file),
// permission_denied (file readable by group or others), invalid_argument (not 64 hex characters).
Result<SecretBytes> load_master_key(const std::filesystem::path& path);

}  // namespace tessera
