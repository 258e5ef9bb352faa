#include "oidc/jws.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <span>
#include <variant>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "base/overloaded.h"
#include "crypto/hmac.h"
#include "oidc/base64url.h"

namespace tessera {

void EvpPkeyFree::operator()(evp_pkey_st* key) const {
  EVP_PKEY_free(key);
}

namespace {

template <auto free_function>
struct FreeWith {
  template <typename T>
  void operator()(T* pointer) const {
    free_function(pointer);
  }
};

using Pkey = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, FreeWith<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, FreeWith<EVP_MD_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, FreeWith<BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, FreeWith<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, FreeWith<OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, FreeWith<ECDSA_SIG_free>>;
using Bio = std::unique_ptr<BIO, FreeWith<BIO_free>>;
using EncoderCtx = std::unique_ptr<OSSL_ENCODER_CTX, FreeWith<OSSL_ENCODER_CTX_free>>;
using DecoderCtx = std::unique_ptr<OSSL_DECODER_CTX, FreeWith<OSSL_DECODER_CTX_free>>;

constexpr std::size_t kP256CoordinateBytes = 32;
constexpr std::size_t kEs256SignatureBytes = 2 * kP256CoordinateBytes;
constexpr std::size_t kMaxRsaExponentBytes = 8;  // OpenSSL refuses larger e for large moduli
constexpr int kGeneratedRsaBits = 2048;

// The public numbers of a key as unsigned big-endian bytes.
struct EcPublic {
  std::string x;  // 32 bytes
  std::string y;  // 32 bytes
};
struct RsaPublic {
  std::string n;  // no leading zero octets
  std::string e;  // no leading zero octets
};
using PublicNumbers = std::variant<EcPublic, RsaPublic>;

const unsigned char* uchars(std::string_view bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}

// OpenSSL leaves the reasons for a failure in a per-thread queue; they are not ours to report, and
// left there they would be blamed on whatever OpenSSL call the thread makes next.
Status openssl_failure(Status status) {
  ERR_clear_error();
  return status;
}

boost::json::string json_string(std::string_view text) {
  return boost::json::string(text.data(), text.size());
}

// The string member `name`; nullopt when absent or not a string.
std::optional<std::string_view> string_member(const boost::json::object& object,
                                              std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  const boost::json::string& text = value->get_string();
  return std::string_view(text.data(), text.size());
}

// The JSON object `text` holds; nullopt for anything else (not JSON, invalid UTF-8, an array…).
std::optional<boost::json::object> parse_object(std::string_view text) {
  try {
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(text, error);
    if (error || !value.is_object()) return std::nullopt;
    return std::move(value.get_object());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string bignum_bytes(const BIGNUM* number, int width) {
  std::string out(
      width > 0 ? static_cast<std::size_t>(width) : static_cast<std::size_t>(BN_num_bytes(number)),
      '\0');
  unsigned char* data = reinterpret_cast<unsigned char*>(out.data());
  const int written = width > 0 ? BN_bn2binpad(number, data, width) : BN_bn2bin(number, data);
  if (written < 0) return {};
  out.resize(static_cast<std::size_t>(written));
  return out;
}

Result<Bignum> bignum_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* number = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &number) != 1 || number == nullptr) {
    return openssl_failure(invalid_argument("the key lacks a public number"));
  }
  return Bignum(number);
}

bool is_p256(const EVP_PKEY* key) {
  std::array<char, 64> group{};
  std::size_t length = 0;
  // A key with explicit curve parameters has no group name and is refused with the rest.
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     &length) != 1) {
    ERR_clear_error();
    return false;
  }
  const std::string_view name(group.data(), length);
  return name == SN_X9_62_prime256v1 || name == "P-256";
}

// The public numbers of `key`, after checking it is a key `alg` signs with.
Result<PublicNumbers> export_public(const EVP_PKEY* key, JwsAlg alg) {
  switch (alg) {
    case JwsAlg::es256: {
      if (EVP_PKEY_is_a(key, "EC") != 1) return invalid_argument("ES256 needs an EC key");
      if (!is_p256(key)) return invalid_argument("ES256 needs a key on P-256");
      TESSERA_ASSIGN_OR_RETURN(Bignum x, bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X));
      TESSERA_ASSIGN_OR_RETURN(Bignum y, bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y));
      EcPublic numbers{bignum_bytes(x.get(), kP256CoordinateBytes),
                       bignum_bytes(y.get(), kP256CoordinateBytes)};
      if (numbers.x.size() != kP256CoordinateBytes || numbers.y.size() != kP256CoordinateBytes) {
        return invalid_argument("the EC public key is not a P-256 point");
      }
      return PublicNumbers(std::move(numbers));
    }
    case JwsAlg::rs256: {
      // "RSA" only: an RSA-PSS key is restricted to PSS and cannot sign RS256.
      if (EVP_PKEY_is_a(key, "RSA") != 1) return invalid_argument("RS256 needs an RSA key");
      TESSERA_ASSIGN_OR_RETURN(Bignum n, bignum_param(key, OSSL_PKEY_PARAM_RSA_N));
      TESSERA_ASSIGN_OR_RETURN(Bignum e, bignum_param(key, OSSL_PKEY_PARAM_RSA_E));
      const int bits = BN_num_bits(n.get());
      if (bits < kMinRsaBits) return invalid_argument("the RSA key is shorter than 2048 bits");
      if (bits > kMaxRsaBits) return invalid_argument("the RSA key is longer than 8192 bits");
      if (!BN_is_odd(n.get())) return invalid_argument("the RSA modulus is even");
      if (!BN_is_odd(e.get()) || BN_is_one(e.get()) ||
          static_cast<std::size_t>(BN_num_bytes(e.get())) > kMaxRsaExponentBytes) {
        return invalid_argument("the RSA public exponent is not usable");
      }
      return PublicNumbers(RsaPublic{bignum_bytes(n.get(), 0), bignum_bytes(e.get(), 0)});
    }
  }
  return invalid_argument("unknown JWS algorithm");
}

JwsAlg alg_of(const PublicNumbers& numbers) {
  return std::holds_alternative<EcPublic>(numbers) ? JwsAlg::es256 : JwsAlg::rs256;
}

// kty and the public numbers in JWK spelling, in the order a JWKS shows them.
boost::json::object jwk_members(const PublicNumbers& numbers) {
  boost::json::object members;
  std::visit(Overloaded{[&](const EcPublic& ec) {
                          members["kty"] = "EC";
                          members["crv"] = "P-256";
                          members["x"] = json_string(base64url_encode(ec.x));
                          members["y"] = json_string(base64url_encode(ec.y));
                        },
                        [&](const RsaPublic& rsa) {
                          members["kty"] = "RSA";
                          members["n"] = json_string(base64url_encode(rsa.n));
                          members["e"] = json_string(base64url_encode(rsa.e));
                        }},
             numbers);
  return members;
}

// RFC 7638 §3: SHA-256 of the required members only, in lexicographic order, without whitespace.
// The values are base64url, which needs no JSON escaping.
std::string thumbprint_of(const PublicNumbers& numbers) {
  const std::string canonical =
      std::visit(Overloaded{[](const EcPublic& ec) {
                              return R"({"crv":"P-256","kty":"EC","x":")" + base64url_encode(ec.x) +
                                     R"(","y":")" + base64url_encode(ec.y) + R"("})";
                            },
                            [](const RsaPublic& rsa) {
                              return R"({"e":")" + base64url_encode(rsa.e) +
                                     R"(","kty":"RSA","n":")" + base64url_encode(rsa.n) + R"("})";
                            }},
                 numbers);
  const auto digest = sha256(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(canonical.data()), canonical.size()));
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

boost::json::object public_jwk_of(const boost::json::object& members, JwsAlg alg,
                                  const std::string& kid) {
  boost::json::object jwk = members;
  jwk["alg"] = json_string(to_string(alg));
  jwk["use"] = "sig";
  jwk["kid"] = json_string(kid);
  return jwk;
}

Result<Pkey> key_from_params(const char* key_type, const OSSL_PARAM_BLD* builder) {
  Params params(OSSL_PARAM_BLD_to_param(const_cast<OSSL_PARAM_BLD*>(builder)));
  PkeyCtx context(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1) {
    return openssl_failure(internal_error("cannot set up a public key import"));
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 ||
      key == nullptr) {
    return openssl_failure(invalid_argument("the public key is not valid"));
  }
  return Pkey(key);
}

Result<Pkey> import_public(const PublicNumbers& numbers) {
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!builder) return openssl_failure(internal_error("out of memory"));
  if (const auto* ec = std::get_if<EcPublic>(&numbers)) {
    const std::string point = '\x04' + ec->x + ec->y;  // SEC 1 §2.3.3, uncompressed
    if (OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                        SN_X9_62_prime256v1, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
      return openssl_failure(internal_error("cannot build an EC public key"));
    }
    TESSERA_ASSIGN_OR_RETURN(Pkey key, key_from_params("EC", builder.get()));
    // Not on the curve, or the point at infinity: an invalid-curve attack's key.
    PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
      return openssl_failure(invalid_argument("the EC public key is not a point on P-256"));
    }
    return key;
  }
  const auto& rsa = std::get<RsaPublic>(numbers);
  Bignum n(BN_bin2bn(uchars(rsa.n), static_cast<int>(rsa.n.size()), nullptr));
  Bignum e(BN_bin2bn(uchars(rsa.e), static_cast<int>(rsa.e.size()), nullptr));
  if (!n || !e || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return openssl_failure(internal_error("cannot build an RSA public key"));
  }
  return key_from_params("RSA", builder.get());
}

// An unsigned big-endian JWK number, without the leading zero octets some publishers add.
std::optional<std::string> rsa_number_member(const boost::json::object& jwk,
                                             std::string_view name) {
  const auto text = string_member(jwk, name);
  if (!text) return std::nullopt;
  auto bytes = base64url_decode(*text);
  if (!bytes) return std::nullopt;
  bytes->erase(0, bytes->find_first_not_of('\0'));
  if (bytes->empty()) return std::nullopt;
  return bytes;
}

Result<PublicNumbers> public_numbers_from_jwk(const boost::json::object& jwk,
                                              std::string_view kty) {
  if (kty == "EC") {
    if (string_member(jwk, "crv") != "P-256") return invalid_argument("the EC JWK is not P-256");
    const auto x = string_member(jwk, "x");
    const auto y = string_member(jwk, "y");
    auto x_bytes = x ? base64url_decode(*x) : std::nullopt;
    auto y_bytes = y ? base64url_decode(*y) : std::nullopt;
    // RFC 7518 §6.2.1.2: each coordinate at its full length.
    if (!x_bytes || !y_bytes || x_bytes->size() != kP256CoordinateBytes ||
        y_bytes->size() != kP256CoordinateBytes) {
      return invalid_argument("the EC JWK's x and y are not 32-byte base64url numbers");
    }
    return PublicNumbers(EcPublic{std::move(*x_bytes), std::move(*y_bytes)});
  }
  if (kty == "RSA") {
    auto n = rsa_number_member(jwk, "n");
    auto e = rsa_number_member(jwk, "e");
    // Bounded before OpenSSL sees them; the exact checks follow the import.
    if (!n || !e || n->size() > static_cast<std::size_t>(kMaxRsaBits / 8) ||
        e->size() > kMaxRsaExponentBytes) {
      return invalid_argument("the RSA JWK's n and e are not usable base64url numbers");
    }
    return PublicNumbers(RsaPublic{std::move(*n), std::move(*e)});
  }
  return invalid_argument("the JWK's kty is neither EC nor RSA");
}

Result<std::string> sign_bytes(EVP_PKEY* key, JwsAlg alg, std::string_view signing_input) {
  MdCtx context(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, uchars(signing_input),
                     signing_input.size()) != 1) {
    return openssl_failure(internal_error("cannot start a signature"));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     uchars(signing_input), signing_input.size()) != 1) {
    return openssl_failure(internal_error("cannot sign"));
  }
  signature.resize(length);
  if (alg == JwsAlg::rs256) return signature;

  // OpenSSL gives ECDSA signatures as DER; JWS wants r and s, each padded to 32 bytes.
  const unsigned char* der = uchars(signature);
  EcdsaSig parsed(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())));
  if (!parsed) return openssl_failure(internal_error("cannot read the ECDSA signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(parsed.get(), &r, &s);
  std::string raw = bignum_bytes(r, kP256CoordinateBytes) + bignum_bytes(s, kP256CoordinateBytes);
  if (raw.size() != kEs256SignatureBytes) return internal_error("ECDSA r or s is too long");
  return raw;
}

// The DER form OpenSSL verifies of a JWS r||s signature.
std::optional<std::vector<unsigned char>> ecdsa_der(std::string_view raw) {
  if (raw.size() != kEs256SignatureBytes) return std::nullopt;
  Bignum r(BN_bin2bn(uchars(raw), kP256CoordinateBytes, nullptr));
  Bignum s(BN_bin2bn(uchars(raw.substr(kP256CoordinateBytes)), kP256CoordinateBytes, nullptr));
  EcdsaSig signature(ECDSA_SIG_new());
  if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    return std::nullopt;
  }
  r.release();  // owned by `signature` now
  s.release();
  const int length = i2d_ECDSA_SIG(signature.get(), nullptr);
  if (length <= 0) return std::nullopt;
  std::vector<unsigned char> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(signature.get(), &out) != length) return std::nullopt;
  return der;
}

}  // namespace

std::string_view to_string(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::es256:
      return "ES256";
    case JwsAlg::rs256:
      return "RS256";
  }
  return "";
}

std::optional<JwsAlg> jws_alg_from(std::string_view name) {
  if (name == "ES256") return JwsAlg::es256;
  if (name == "RS256") return JwsAlg::rs256;
  return std::nullopt;
}

// SigningKey

SigningKey::SigningKey(JwsAlg alg, std::unique_ptr<evp_pkey_st, EvpPkeyFree> key,
                       boost::json::object public_members, std::string kid)
    : alg_(alg),
      key_(std::move(key)),
      public_members_(std::move(public_members)),
      kid_(std::move(kid)) {}

SigningKey::~SigningKey() = default;

Result<SigningKey> SigningKey::adopt(JwsAlg alg, std::unique_ptr<evp_pkey_st, EvpPkeyFree> key) {
  TESSERA_ASSIGN_OR_RETURN(PublicNumbers numbers, export_public(key.get(), alg));
  boost::json::object members = jwk_members(numbers);
  std::string kid = thumbprint_of(numbers);
  return SigningKey(alg, std::move(key), std::move(members), std::move(kid));
}

Result<SigningKey> SigningKey::generate(JwsAlg alg) {
  EVP_PKEY* key =
      alg == JwsAlg::es256
          ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", SN_X9_62_prime256v1)
          : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kGeneratedRsaBits));
  if (key == nullptr) return openssl_failure(internal_error("cannot generate a signing key"));
  return adopt(alg, Pkey(key));
}

SecretBytes SigningKey::private_der() const {
  if (!key_) return {};
  EncoderCtx encoder(OSSL_ENCODER_CTX_new_for_pkey(key_.get(), EVP_PKEY_KEYPAIR, "DER",
                                                   "PrivateKeyInfo", nullptr));
  // A secure-memory BIO cleanses its buffer as it grows and when it is freed.
  Bio out(BIO_new(BIO_s_secmem()));
  if (!encoder || OSSL_ENCODER_CTX_get_num_encoders(encoder.get()) == 0 || !out ||
      OSSL_ENCODER_to_bio(encoder.get(), out.get()) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  if (size <= 0 || data == nullptr) return {};
  return SecretBytes(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data),
                                                   static_cast<std::size_t>(size)));
}

Result<SigningKey> SigningKey::from_private_der(JwsAlg alg, const SecretBytes& der) {
  EVP_PKEY* key = nullptr;
  DecoderCtx decoder(OSSL_DECODER_CTX_new_for_pkey(&key, "DER", "PrivateKeyInfo",
                                                   alg == JwsAlg::es256 ? "EC" : "RSA",
                                                   EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!decoder || OSSL_DECODER_CTX_get_num_decoders(decoder.get()) == 0) {
    return openssl_failure(internal_error("cannot set up a private key decoder"));
  }
  const unsigned char* data = der.data();
  std::size_t remaining = der.size();
  const bool decoded =
      !der.empty() && OSSL_DECODER_from_data(decoder.get(), &data, &remaining) == 1;
  Pkey owned(key);
  if (!decoded || !owned) {
    return openssl_failure(invalid_argument("not a PKCS#8 private key of the type " +
                                            std::string(to_string(alg)) + " needs"));
  }
  if (remaining != 0) return invalid_argument("bytes follow the PKCS#8 private key");
  return adopt(alg, std::move(owned));
}

boost::json::object SigningKey::public_jwk() const {
  return public_jwk_of(public_members_, alg_, kid_);
}

Result<std::string> SigningKey::sign(const boost::json::object& claims,
                                     std::string_view typ) const {
  if (!key_) return failed_precondition("the signing key was moved from");
  boost::json::object header;
  header["alg"] = json_string(to_string(alg_));
  header["kid"] = json_string(kid_);
  if (!typ.empty()) header["typ"] = json_string(typ);
  std::string token = base64url_encode(boost::json::serialize(header));
  token += '.';
  token += base64url_encode(boost::json::serialize(claims));
  TESSERA_ASSIGN_OR_RETURN(std::string signature, sign_bytes(key_.get(), alg_, token));
  token += '.';
  token += base64url_encode(signature);
  return token;
}

// VerifyKey

VerifyKey::VerifyKey(JwsAlg alg, std::shared_ptr<evp_pkey_st> key,
                     boost::json::object public_members, std::string kid, std::string thumbprint)
    : alg_(alg),
      key_(std::move(key)),
      public_members_(std::move(public_members)),
      kid_(std::move(kid)),
      thumbprint_(std::move(thumbprint)) {}

Result<VerifyKey> VerifyKey::from_jwk(const boost::json::object& jwk) {
  for (std::string_view private_member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.contains(private_member)) return invalid_argument("the JWK holds a private key");
  }
  const auto kty = string_member(jwk, "kty");
  if (!kty) return invalid_argument("the JWK has no kty");
  TESSERA_ASSIGN_OR_RETURN(PublicNumbers numbers, public_numbers_from_jwk(jwk, *kty));
  const JwsAlg alg = alg_of(numbers);

  if (jwk.contains("alg") && string_member(jwk, "alg") != to_string(alg)) {
    return invalid_argument("the JWK's alg is not the one its key type signs with");
  }
  if (jwk.contains("use") && string_member(jwk, "use") != "sig") {
    return invalid_argument("the JWK is not for signatures");
  }
  if (const boost::json::value* key_ops = jwk.if_contains("key_ops")) {
    bool verify_listed = false;
    if (const boost::json::array* operations = key_ops->if_array()) {
      for (const boost::json::value& operation : *operations) {
        if (operation.is_string() && operation.get_string() == "verify") verify_listed = true;
      }
    }
    if (!verify_listed) return invalid_argument("the JWK's key_ops do not include verify");
  }
  const auto kid_member = string_member(jwk, "kid");
  if (jwk.contains("kid") && !kid_member) return invalid_argument("the JWK's kid is not a string");

  TESSERA_ASSIGN_OR_RETURN(Pkey key, import_public(numbers));
  // The numbers as OpenSSL holds them: the same checks as a SigningKey's, and canonical spelling.
  TESSERA_ASSIGN_OR_RETURN(PublicNumbers checked, export_public(key.get(), alg));
  std::string thumbprint = thumbprint_of(checked);
  std::string kid = kid_member ? std::string(*kid_member) : thumbprint;
  return VerifyKey(alg, std::shared_ptr<evp_pkey_st>(key.release(), EvpPkeyFree{}),
                   jwk_members(checked), std::move(kid), std::move(thumbprint));
}

VerifyKey VerifyKey::of(const SigningKey& key) {
  auto verify_key = from_jwk(key.public_jwk());
  // The public numbers of a SigningKey passed these same checks when it was made; only a
  // moved-from key (or no memory) can fail here.
  if (!verify_key.ok()) std::abort();
  return std::move(verify_key).value();
}

boost::json::object VerifyKey::public_jwk() const {
  return public_jwk_of(public_members_, alg_, kid_);
}

bool VerifyKey::verifies(std::string_view signing_input, std::string_view signature) const {
  if (!key_) return false;
  std::vector<unsigned char> openssl_signature;
  if (alg_ == JwsAlg::es256) {
    auto der = ecdsa_der(signature);
    if (!der) {
      ERR_clear_error();
      return false;
    }
    openssl_signature = std::move(*der);
  } else {
    // RSASSA-PKCS1-v1_5 signatures are exactly as long as the modulus (RFC 8017 §8.2.2).
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key_.get()))) return false;
    openssl_signature.assign(signature.begin(), signature.end());
  }
  MdCtx context(EVP_MD_CTX_new());
  const bool valid =
      context &&
      EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(context.get(), openssl_signature.data(), openssl_signature.size(),
                       uchars(signing_input), signing_input.size()) == 1;
  if (!valid) ERR_clear_error();
  return valid;
}

// verify_jws

Result<VerifiedJws> verify_jws(
    std::string_view token, const std::function<const VerifyKey*(std::string_view kid)>& find_key) {
  if (token.size() > kMaxJwsBytes) return invalid_argument("the JWS is longer than 16 KiB");
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return invalid_argument("a compact JWS has exactly three parts");
  }
  const auto header_json = base64url_decode(token.substr(0, first_dot));
  const auto payload_json =
      base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  const auto signature = base64url_decode(token.substr(second_dot + 1));
  if (!header_json || !payload_json || !signature) {
    return invalid_argument("a JWS part is not unpadded base64url");
  }

  auto header = parse_object(*header_json);
  if (!header) return invalid_argument("the JWS header is not a JSON object");
  const auto alg_name = string_member(*header, "alg");
  const auto alg = alg_name ? jws_alg_from(*alg_name) : std::nullopt;
  if (!alg) return invalid_argument("the JWS alg is not ES256 or RS256");
  // RFC 7515 §4.1.11: an extension the recipient must understand; we understand none.
  if (header->contains("crit")) return invalid_argument("the JWS has critical extensions");
  const auto kid = string_member(*header, "kid");
  if (header->contains("kid") && !kid) return invalid_argument("the JWS kid is not a string");
  // Everything malformed is refused before a key is looked up.
  auto claims = parse_object(*payload_json);
  if (!claims) return invalid_argument("the JWS payload is not a JSON object");

  const VerifyKey* key = find_key(kid.value_or(""));
  if (key == nullptr) return unauthenticated("no key for the JWS kid");
  if (key->alg() != *alg) return unauthenticated("the JWS alg is not its key's");
  if (!key->verifies(token.substr(0, second_dot), *signature)) {
    return unauthenticated("the JWS signature is not valid");
  }
  return VerifiedJws{std::move(*header), std::move(*claims)};
}

}  // namespace tessera
