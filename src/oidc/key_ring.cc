#include "oidc/key_ring.h"

#include <boost/json/array.hpp>

namespace tessera {

Status KeyRing::make_new_keys(const AuditLogEntry* audit) {
  const Timestamp now = clock_.now();
  std::vector<OidcSigningKey> fresh;
  for (const JwsAlg alg : {JwsAlg::es256, JwsAlg::rs256}) {
    TESSERA_ASSIGN_OR_RETURN(SigningKey key, SigningKey::generate(alg));
    fresh.push_back(OidcSigningKey{key.kid(), std::string(to_string(alg)), key.private_der(), now,
                                   std::nullopt});
  }
  return store_.rotate_signing_keys(fresh, now, audit);
}

Result<std::shared_ptr<const KeyRing::Loaded>> KeyRing::load() {
  const Timestamp now = clock_.now();
  TESSERA_ASSIGN_OR_RETURN(std::vector<OidcSigningKey> stored,
                           store_.list_signing_keys(now - kRetiredKeyKept));
  auto loaded = std::make_shared<Loaded>();
  loaded->loaded_at = now;
  bool has_es256 = false;
  bool has_rs256 = false;
  for (const OidcSigningKey& row : stored) {
    const std::optional<JwsAlg> alg = jws_alg_from(row.alg);
    if (!alg) return data_loss("signing key " + row.kid + " has an unknown alg " + row.alg);
    TESSERA_ASSIGN_OR_RETURN(SigningKey key, SigningKey::from_private_der(*alg, row.private_key));
    loaded->verifying.push_back(VerifyKey::of(key));
    bool& has = *alg == JwsAlg::es256 ? has_es256 : has_rs256;
    // Newest first: the first unretired key of an alg is the one that signs.
    if (!row.retired_at && !has) {
      has = true;
      if (loaded->signing.empty() || row.created_at < loaded->current_since) {
        loaded->current_since = row.created_at;
      }
      loaded->signing.push_back(std::move(key));
    }
  }
  if (!has_es256 || !has_rs256) return not_found("no signing keys");
  return std::shared_ptr<const Loaded>(std::move(loaded));
}

Status KeyRing::ensure_keys() {
  std::lock_guard lock(mutex_);
  auto loaded = load();
  if (!loaded.ok() && loaded.status().code() != ErrorCode::not_found) return loaded.status();
  const bool due =
      loaded.ok() && rotation_.count() > 0 && (*loaded)->current_since + rotation_ <= clock_.now();
  if (!loaded.ok() || due) {
    TESSERA_RETURN_IF_ERROR(make_new_keys(nullptr));
    TESSERA_ASSIGN_OR_RETURN(loaded, load());
  }
  loaded_ = std::move(loaded).value();
  return Status();
}

Status KeyRing::rotate(const AuditLogEntry* audit) {
  std::lock_guard lock(mutex_);
  TESSERA_RETURN_IF_ERROR(make_new_keys(audit));
  TESSERA_ASSIGN_OR_RETURN(loaded_, load());
  return Status();
}

Status KeyRing::rotate_if_due() {
  std::shared_ptr<const Loaded> loaded;
  {
    std::lock_guard lock(mutex_);
    loaded = loaded_;
  }
  if (loaded && (rotation_.count() == 0 || loaded->current_since + rotation_ > clock_.now())) {
    return Status();
  }
  return ensure_keys();
}

// Only reads: sign() and verify() may run inside a store transaction, where a write on another
// connection would wait for the transaction itself (rotate_if_due() writes, outside one).
Result<std::shared_ptr<const KeyRing::Loaded>> KeyRing::keys() {
  std::lock_guard lock(mutex_);
  const Timestamp now = clock_.now();
  if (loaded_ && now - loaded_->loaded_at < kKeyReload && now >= loaded_->loaded_at) {
    return loaded_;
  }
  auto reloaded = load();
  if (!reloaded.ok()) {
    // A store that cannot be read now leaves the keys in use as they were.
    if (loaded_ && reloaded.status().code() != ErrorCode::not_found) return loaded_;
    return reloaded.status();
  }
  loaded_ = std::move(reloaded).value();
  return loaded_;
}

Result<std::string> KeyRing::sign(JwsAlg alg, const boost::json::object& claims,
                                  std::string_view typ) {
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<const Loaded> loaded, keys());
  for (const SigningKey& key : loaded->signing) {
    if (key.alg() == alg) return key.sign(claims, typ);
  }
  return internal_error("no signing key for " + std::string(to_string(alg)));
}

Result<VerifiedJws> KeyRing::verify(std::string_view token) {
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<const Loaded> loaded, keys());
  bool unknown_kid = false;
  auto check = [&](const Loaded& ring) {
    unknown_kid = false;
    return verify_jws(token, [&](std::string_view kid) -> const VerifyKey* {
      for (const VerifyKey& key : ring.verifying) {
        if (key.kid() == kid) return &key;
      }
      unknown_kid = true;
      return nullptr;
    });
  };
  auto verified = check(*loaded);
  // A key another node made since this one last read them: read again (at most every
  // kUnknownKidReload, so tokens under made-up kids cannot make every request read the store).
  if (!verified.ok() && unknown_kid && clock_.now() - loaded->loaded_at >= kUnknownKidReload) {
    {
      std::lock_guard lock(mutex_);
      TESSERA_ASSIGN_OR_RETURN(loaded_, load());
      loaded = loaded_;
    }
    verified = check(*loaded);
  }
  return verified;
}

Result<boost::json::object> KeyRing::jwks() {
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<const Loaded> loaded, keys());
  boost::json::array keys;
  for (const VerifyKey& key : loaded->verifying)
    keys.push_back(key.public_jwk());
  return boost::json::object{{"keys", std::move(keys)}};
}

}  // namespace tessera
