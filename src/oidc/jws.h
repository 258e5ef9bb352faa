// JSON Web Signatures in the compact serialization (RFC 7515), with the two algorithms the OpenID
// Connect provider signs and accepts: ES256 (ECDSA P-256 with SHA-256) and RS256 (RSASSA-PKCS1-v1_5
// with SHA-256), RFC 7518 §3. Keys are OpenSSL 3 EVP_PKEYs; none of OpenSSL shows in this header.
//
// Thread-safety: SigningKey and VerifyKey are immutable once made; sign(), verifies() and
// verify_jws() may run on many threads at once over the same key.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "base/result.h"
#include "base/secret_bytes.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace tessera {

enum class JwsAlg { es256, rs256 };

std::string_view to_string(JwsAlg alg);  // "ES256", "RS256"
// Exact and case-sensitive: "ES256" or "RS256"; every other name ("none", "HS256", "es256") is
// nullopt.
std::optional<JwsAlg> jws_alg_from(std::string_view name);

// The longest compact JWS verify_jws reads.
inline constexpr std::size_t kMaxJwsBytes = 16 * 1024;

// RSA moduli outside these bounds are refused: under 2048 bits is too weak (RFC 7518 §3.3), over
// 8192 bits only makes every verification slow.
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

struct EvpPkeyFree {
  void operator()(evp_pkey_st* key) const;
};

// A private signing key. Movable, not copyable; the key is freed (and its memory cleansed by
// OpenSSL) in the destructor. A moved-from key may only be destroyed or assigned to.
class SigningKey {
 public:
  // ES256: a new P-256 key; RS256: a new 2048-bit RSA key with e = 65537. internal on an OpenSSL
  // failure.
  static Result<SigningKey> generate(JwsAlg alg);

  // The private key as PKCS#8 DER (PrivateKeyInfo), for the caller to seal at rest; empty only if
  // OpenSSL fails (out of memory).
  SecretBytes private_der() const;
  // The key back from private_der(). invalid_argument when `der` is not exactly one PKCS#8 key of
  // the type `alg` needs (a P-256 EC key for ES256; an RSA key of kMinRsaBits..kMaxRsaBits for
  // RS256).
  static Result<SigningKey> from_private_der(JwsAlg alg, const SecretBytes& der);

  JwsAlg alg() const { return alg_; }
  // The RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key: stable across restarts and
  // derived from the key alone.
  const std::string& kid() const { return kid_; }
  // The public key as a JWK for a JWKS document: {"kty":"EC","crv":"P-256","x","y"} or
  // {"kty":"RSA","n","e"}, then "alg", "use":"sig" and "kid".
  boost::json::object public_jwk() const;

  // header.payload.signature, base64url each, with the protected header {"alg","kid","typ":typ}
  // ("typ" left out when `typ` is empty) and boost::json::serialize(claims) as the payload. ES256
  // signatures are raw r||s, 64 bytes (RFC 7518 §3.4), not DER. internal on an OpenSSL failure.
  Result<std::string> sign(const boost::json::object& claims, std::string_view typ = "JWT") const;

  SigningKey(SigningKey&&) noexcept = default;
  SigningKey& operator=(SigningKey&&) = default;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

 private:
  // Takes `key` after checking it is one `alg` signs with.
  static Result<SigningKey> adopt(JwsAlg alg, std::unique_ptr<evp_pkey_st, EvpPkeyFree> key);
  SigningKey(JwsAlg alg, std::unique_ptr<evp_pkey_st, EvpPkeyFree> key,
             boost::json::object public_members, std::string kid);

  JwsAlg alg_;
  std::unique_ptr<evp_pkey_st, EvpPkeyFree> key_;
  boost::json::object public_members_;  // kty and the public numbers, in JWK spelling
  std::string kid_;
};

// A public key for checking signatures. Copies share the one immutable OpenSSL key.
class VerifyKey {
 public:
  // From a public JWK (RFC 7517/7518): "kty" "EC" with "crv" "P-256" and 32-byte "x" and "y" on the
  // curve, or "kty" "RSA" with "n" of kMinRsaBits..kMaxRsaBits and an odd "e" >= 3 (leading zero
  // octets are tolerated). "alg", when present, must be the one the key type signs with (ES256 for
  // EC, RS256 for RSA) and otherwise is taken from it; "use", when present, must be "sig";
  // "key_ops", when present, must list "verify"; "kid", when present, must be a string. A JWK with
  // private members ("d", "p", …) is refused, so a private key is never taken where a public one
  // belongs. invalid_argument for all of these.
  static Result<VerifyKey> from_jwk(const boost::json::object& jwk);
  // The public half of `key`, with the same alg and kid.
  static VerifyKey of(const SigningKey& key);

  JwsAlg alg() const { return alg_; }
  // The JWK's "kid" when it has one (a key set's publisher chooses its kids), else the thumbprint.
  const std::string& kid() const { return kid_; }
  // The RFC 7638 JWK thumbprint (SHA-256, base64url) of the key, whatever its "kid".
  const std::string& thumbprint() const { return thumbprint_; }
  // Like SigningKey::public_jwk(), with this key's kid.
  boost::json::object public_jwk() const;

  // Whether `signature` (in JWS form: raw r||s of 64 bytes for ES256, the modulus's length for
  // RS256) is this key's signature over `signing_input` with alg().
  bool verifies(std::string_view signing_input, std::string_view signature) const;

 private:
  VerifyKey(JwsAlg alg, std::shared_ptr<evp_pkey_st> key, boost::json::object public_members,
            std::string kid, std::string thumbprint);

  JwsAlg alg_;
  std::shared_ptr<evp_pkey_st> key_;
  boost::json::object public_members_;
  std::string kid_;
  std::string thumbprint_;
};

// The verified parts of a compact JWS.
struct VerifiedJws {
  boost::json::object header;
  boost::json::object claims;
};

// Verifies `token`: at most kMaxJwsBytes; exactly three parts of strict unpadded base64url; the
// header a JSON object with "alg" ES256 or RS256 ("none" and everything else refused), no "crit"
// (no extension is understood), and "kid" a string naming a key `find_key` returns (a header
// without "kid" asks `find_key` for ""); the key's alg equal to the header's; the signature that
// key's over the first two parts; the payload a JSON object. Duplicate member names keep the last
// (RFC 7515 §4). Header members that carry or point to keys ("jwk", "jku", "x5c", "x5u") are never
// used. Returns invalid_argument when the token is malformed (checked first: `find_key` is not
// called for a malformed token), unauthenticated when no key is found for the kid, the key's alg
// differs or the signature is wrong. `find_key` is called at most once, and its pointer is not
// kept.
Result<VerifiedJws> verify_jws(
    std::string_view token, const std::function<const VerifyKey*(std::string_view kid)>& find_key);

}  // namespace tessera
