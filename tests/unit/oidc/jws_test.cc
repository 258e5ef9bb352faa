#include "oidc/jws.h"

#include <span>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "crypto/hmac.h"
#include "oidc/base64url.h"

namespace tessera {
namespace {

boost::json::object json_object(std::string_view text) {
  return boost::json::parse(text).as_object();
}

// RFC 7638 §3.1 (the RSA key of RFC 7517 Appendix A.1).
constexpr std::string_view kRfc7638Jwk = R"({
  "kty": "RSA",
  "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
  "e": "AQAB",
  "alg": "RS256",
  "kid": "2011-04-29"
})";
constexpr std::string_view kRfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

// RFC 7515 Appendix A.3: the ES256 example, its public key (the "d" of the RFC's JWK left out).
constexpr std::string_view kA3Jwk = R"({
  "kty": "EC",
  "crv": "P-256",
  "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
})";
constexpr std::string_view kA3PrivateScalar = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
constexpr std::string_view kA3Token =
    "eyJhbGciOiJFUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// Keys are made once per test binary: an RSA key takes a while to generate.
const SigningKey& es256_key() {
  static const SigningKey key = SigningKey::generate(JwsAlg::es256).value();
  return key;
}
const SigningKey& other_es256_key() {
  static const SigningKey key = SigningKey::generate(JwsAlg::es256).value();
  return key;
}
const SigningKey& rs256_key() {
  static const SigningKey key = SigningKey::generate(JwsAlg::rs256).value();
  return key;
}
const SigningKey& other_rs256_key() {
  static const SigningKey key = SigningKey::generate(JwsAlg::rs256).value();
  return key;
}

const boost::json::object& sample_claims() {
  static const boost::json::object claims =
      json_object(R"({"iss":"https://id.example.com","sub":"alice","aud":"app","exp":1700000000})");
  return claims;
}

// A find_key that answers `key` for `kid` alone.
auto only(const VerifyKey& key, std::string kid) {
  return [&key, kid = std::move(kid)](std::string_view asked) -> const VerifyKey* {
    return asked == kid ? &key : nullptr;
  };
}

// A find_key that answers `key` whatever the kid.
auto always(const VerifyKey& key) {
  return [&key](std::string_view) -> const VerifyKey* { return &key; };
}

std::vector<std::string> parts_of(std::string_view token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot = token.find('.'); dot != std::string_view::npos;
       start = dot + 1, dot = token.find('.', start)) {
    parts.emplace_back(token.substr(start, dot - start));
  }
  parts.emplace_back(token.substr(start));
  return parts;
}

std::string token_of(std::string_view header_json, std::string_view payload_json,
                     std::string_view signature) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json) + "." +
         base64url_encode(signature);
}

// A JSON string member as text ("" for anything else), for comparisons.
std::string_view str(const boost::json::value& value) {
  return value.is_string() ? std::string_view(value.get_string()) : std::string_view();
}

ErrorCode code_of(const Result<VerifiedJws>& result) {
  return result.status().code();
}

// --- algorithm names

TEST(JwsAlg, NamesAreExactAndCaseSensitive) {
  EXPECT_EQ(to_string(JwsAlg::es256), "ES256");
  EXPECT_EQ(to_string(JwsAlg::rs256), "RS256");
  EXPECT_EQ(jws_alg_from("ES256"), JwsAlg::es256);
  EXPECT_EQ(jws_alg_from("RS256"), JwsAlg::rs256);
  for (std::string_view name :
       {"es256", "rs256", "none", "None", "HS256", "PS256", "ES384", "ES256 ", " RS256", ""}) {
    EXPECT_EQ(jws_alg_from(name), std::nullopt) << name;
  }
}

// --- JWK thumbprints and public keys

TEST(VerifyKey, ThumbprintIsRfc7638ExampleThumbprint) {
  auto key = VerifyKey::from_jwk(json_object(kRfc7638Jwk));
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  EXPECT_EQ(key->thumbprint(), kRfc7638Thumbprint);
  EXPECT_EQ(key->alg(), JwsAlg::rs256);
  // The publisher's kid names the key in its tokens; the thumbprint stays what it is.
  EXPECT_EQ(key->kid(), "2011-04-29");
}

TEST(VerifyKey, KidIsTheThumbprintWhenTheJwkHasNone) {
  auto jwk = json_object(kRfc7638Jwk);
  jwk.erase("kid");
  jwk.erase("alg");
  auto key = VerifyKey::from_jwk(jwk);
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  EXPECT_EQ(key->kid(), kRfc7638Thumbprint);
  EXPECT_EQ(key->alg(), JwsAlg::rs256);  // taken from the key type
}

TEST(VerifyKey, OfSigningKeyHasItsAlgKidAndThumbprint) {
  for (const SigningKey* signing : {&es256_key(), &rs256_key()}) {
    const VerifyKey key = VerifyKey::of(*signing);
    EXPECT_EQ(key.alg(), signing->alg());
    EXPECT_EQ(key.kid(), signing->kid());
    EXPECT_EQ(key.thumbprint(), signing->kid());
    EXPECT_EQ(key.public_jwk(), signing->public_jwk());
  }
}

TEST(SigningKey, KidIsTheThumbprintOfItsPublicJwk) {
  for (const SigningKey* signing : {&es256_key(), &rs256_key()}) {
    auto jwk = signing->public_jwk();
    jwk.erase("kid");
    auto key = VerifyKey::from_jwk(jwk);
    ASSERT_TRUE(key.ok()) << key.status().to_string();
    EXPECT_EQ(key->thumbprint(), signing->kid());
    EXPECT_EQ(signing->kid().size(), 43u);
  }
}

TEST(SigningKey, Es256PublicJwkHasTheP256Members) {
  const auto jwk = es256_key().public_jwk();
  EXPECT_EQ(str(jwk.at("kty")), "EC");
  EXPECT_EQ(str(jwk.at("crv")), "P-256");
  EXPECT_EQ(jwk.at("x").as_string().size(), 43u);
  EXPECT_EQ(jwk.at("y").as_string().size(), 43u);
  EXPECT_EQ(str(jwk.at("alg")), "ES256");
  EXPECT_EQ(str(jwk.at("use")), "sig");
  EXPECT_EQ(str(jwk.at("kid")), es256_key().kid());
  EXPECT_EQ(jwk.size(), 7u);
}

TEST(SigningKey, Rs256PublicJwkHasA2048BitModulusAndExponent65537) {
  const auto jwk = rs256_key().public_jwk();
  EXPECT_EQ(str(jwk.at("kty")), "RSA");
  EXPECT_EQ(base64url_decode(jwk.at("n").as_string())->size(), 256u);
  EXPECT_EQ(str(jwk.at("e")), "AQAB");
  EXPECT_EQ(str(jwk.at("alg")), "RS256");
  EXPECT_EQ(str(jwk.at("use")), "sig");
  EXPECT_EQ(str(jwk.at("kid")), rs256_key().kid());
  EXPECT_EQ(jwk.size(), 6u);
}

TEST(VerifyKey, RefusesAPrivateJwk) {
  auto jwk = json_object(kA3Jwk);
  jwk["d"] = kA3PrivateScalar;
  EXPECT_EQ(VerifyKey::from_jwk(jwk).status().code(), ErrorCode::invalid_argument);
}

TEST(VerifyKey, RefusesEcKeysNotOnP256) {
  auto other_curve = json_object(kA3Jwk);
  other_curve["crv"] = "P-384";
  EXPECT_FALSE(VerifyKey::from_jwk(other_curve).ok());

  auto short_x = json_object(kA3Jwk);
  short_x["x"] = base64url_encode(std::string(31, '\x01'));
  EXPECT_FALSE(VerifyKey::from_jwk(short_x).ok());

  // A.3's x with another y: not a point on the curve.
  auto off_curve = json_object(kA3Jwk);
  std::string y = *base64url_decode(off_curve["y"].as_string());
  y.back() ^= 1;
  off_curve["y"] = base64url_encode(y);
  EXPECT_EQ(VerifyKey::from_jwk(off_curve).status().code(), ErrorCode::invalid_argument);
}

TEST(VerifyKey, RefusesRsaKeysUnder2048Bits) {
  std::string modulus(128, '\0');  // 1024 bits, odd
  modulus.front() = '\xc0';
  modulus.back() = '\x01';
  auto jwk = json_object(R"({"kty":"RSA","e":"AQAB"})");
  jwk["n"] = base64url_encode(modulus);
  EXPECT_EQ(VerifyKey::from_jwk(jwk).status().code(), ErrorCode::invalid_argument);
}

TEST(VerifyKey, RefusesAlgUseAndKeyOpsThatDoNotFitTheKey) {
  auto wrong_alg = json_object(kA3Jwk);
  wrong_alg["alg"] = "RS256";
  EXPECT_FALSE(VerifyKey::from_jwk(wrong_alg).ok());

  auto hmac_alg = json_object(kRfc7638Jwk);
  hmac_alg["alg"] = "HS256";
  EXPECT_FALSE(VerifyKey::from_jwk(hmac_alg).ok());

  auto encryption = json_object(kA3Jwk);
  encryption["use"] = "enc";
  EXPECT_FALSE(VerifyKey::from_jwk(encryption).ok());

  auto sign_only = json_object(kA3Jwk);
  sign_only["key_ops"] = boost::json::array{"sign"};
  EXPECT_FALSE(VerifyKey::from_jwk(sign_only).ok());

  auto verify = json_object(kA3Jwk);
  verify["key_ops"] = boost::json::array{"verify"};
  verify["use"] = "sig";
  EXPECT_TRUE(VerifyKey::from_jwk(verify).ok());

  auto numeric_kid = json_object(kA3Jwk);
  numeric_kid["kid"] = 7;
  EXPECT_FALSE(VerifyKey::from_jwk(numeric_kid).ok());

  EXPECT_FALSE(VerifyKey::from_jwk(json_object(R"({"kty":"oct","k":"c2VjcmV0"})")).ok());
  EXPECT_FALSE(VerifyKey::from_jwk(json_object(R"({"kty":"OKP","crv":"Ed25519","x":"AA"})")).ok());
}

// --- RFC 7515 Appendix A.3

TEST(VerifyJws, AcceptsTheRfc7515A3Es256Example) {
  auto key = VerifyKey::from_jwk(json_object(kA3Jwk));
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  EXPECT_EQ(key->alg(), JwsAlg::es256);
  // A.3's header has no kid: find_key is asked for "".
  auto verified = verify_jws(kA3Token, only(*key, ""));
  ASSERT_TRUE(verified.ok()) << verified.status().to_string();
  EXPECT_EQ(verified->header, json_object(R"({"alg":"ES256"})"));
  EXPECT_EQ(verified->claims,
            json_object(R"({"iss":"joe","exp":1300819380,"http://example.com/is_root":true})"));
}

TEST(VerifyJws, RefusesTheRfc7515A3ExampleWithAFlippedByte) {
  auto key = VerifyKey::from_jwk(json_object(kA3Jwk));
  ASSERT_TRUE(key.ok());
  const auto parts = parts_of(kA3Token);
  const std::string header = *base64url_decode(parts[0]);
  const std::string payload = *base64url_decode(parts[1]);
  const std::string signature = *base64url_decode(parts[2]);
  for (std::size_t at = 0; at < signature.size(); at += 7) {
    std::string flipped = signature;
    flipped[at] ^= 0x01;
    EXPECT_EQ(code_of(verify_jws(token_of(header, payload, flipped), always(*key))),
              ErrorCode::unauthenticated)
        << at;
  }
  std::string flipped_payload = payload;
  flipped_payload[8] ^= 0x01;  // "joe" becomes "koe"
  EXPECT_EQ(code_of(verify_jws(token_of(header, flipped_payload, signature), always(*key))),
            ErrorCode::unauthenticated);
}

// --- sign → verify

TEST(SigningKey, SignedTokensVerifyForBothAlgorithms) {
  for (const SigningKey* signing : {&es256_key(), &rs256_key()}) {
    auto token = signing->sign(sample_claims());
    ASSERT_TRUE(token.ok()) << token.status().to_string();
    const VerifyKey key = VerifyKey::of(*signing);
    auto verified = verify_jws(*token, only(key, signing->kid()));
    ASSERT_TRUE(verified.ok()) << verified.status().to_string();
    EXPECT_EQ(verified->claims, sample_claims());
    EXPECT_EQ(str(verified->header.at("alg")), to_string(signing->alg()));
    EXPECT_EQ(str(verified->header.at("kid")), signing->kid());
    EXPECT_EQ(str(verified->header.at("typ")), "JWT");
    EXPECT_EQ(verified->header.size(), 3u);
  }
}

TEST(SigningKey, TokenIsTheSerializedHeaderAndClaims) {
  auto token = es256_key().sign(sample_claims(), "at+jwt");
  ASSERT_TRUE(token.ok());
  const auto parts = parts_of(*token);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(*base64url_decode(parts[0]),
            R"({"alg":"ES256","kid":")" + es256_key().kid() + R"(","typ":"at+jwt"})");
  EXPECT_EQ(*base64url_decode(parts[1]), boost::json::serialize(sample_claims()));
}

TEST(SigningKey, EmptyTypLeavesTypOut) {
  auto token = rs256_key().sign(sample_claims(), "");
  ASSERT_TRUE(token.ok());
  auto verified = verify_jws(*token, always(VerifyKey::of(rs256_key())));
  ASSERT_TRUE(verified.ok()) << verified.status().to_string();
  EXPECT_FALSE(verified->header.contains("typ"));
}

TEST(SigningKey, Es256SignaturesAreRawRAndSOf64Bytes) {
  for (int attempt = 0; attempt < 20; ++attempt) {  // r or s with leading zeros still fill 32
    auto token = es256_key().sign(sample_claims());
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(base64url_decode(parts_of(*token)[2])->size(), 64u);
  }
}

TEST(SigningKey, Rs256SignaturesAreAsLongAsTheModulus) {
  auto token = rs256_key().sign(sample_claims());
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(base64url_decode(parts_of(*token)[2])->size(), 256u);
}

TEST(VerifyJws, RefusesASignatureByAnotherKeyWithTheSameKid) {
  const std::pair<const SigningKey*, const SigningKey*> pairs[] = {
      {&es256_key(), &other_es256_key()}, {&rs256_key(), &other_rs256_key()}};
  for (const auto& [expected, impostor] : pairs) {
    const VerifyKey key = VerifyKey::of(*expected);
    auto token = impostor->sign(sample_claims());
    ASSERT_TRUE(token.ok());
    auto verified = verify_jws(*token, always(key));
    EXPECT_EQ(code_of(verified), ErrorCode::unauthenticated);
  }
}

TEST(VerifyJws, RefusesAnUnknownKid) {
  const VerifyKey key = VerifyKey::of(es256_key());
  auto token = es256_key().sign(sample_claims());
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(code_of(verify_jws(*token, only(key, "another kid"))), ErrorCode::unauthenticated);
}

// --- algorithm confusion

TEST(VerifyJws, RefusesAlgNone) {
  const VerifyKey key = VerifyKey::of(es256_key());
  const std::string payload = boost::json::serialize(sample_claims());
  const std::string kid = es256_key().kid();
  for (std::string header :
       {std::string(R"({"alg":"none"})"), R"({"alg":"none","kid":")" + kid + R"("})"}) {
    const std::string unsigned_token = base64url_encode(header) + "." + base64url_encode(payload);
    EXPECT_EQ(code_of(verify_jws(unsigned_token + ".", always(key))), ErrorCode::invalid_argument);
    // Not even with a signature that verifies under the key.
    auto signed_token = es256_key().sign(sample_claims());
    ASSERT_TRUE(signed_token.ok());
    EXPECT_EQ(code_of(verify_jws(unsigned_token + "." + parts_of(*signed_token)[2], always(key))),
              ErrorCode::invalid_argument);
  }
}

TEST(VerifyJws, RefusesHs256MadeWithThePublicKeyAsSecret) {
  for (const SigningKey* signing : {&es256_key(), &rs256_key()}) {
    const VerifyKey key = VerifyKey::of(*signing);
    const std::string header = R"({"alg":"HS256","kid":")" + signing->kid() + R"(","typ":"JWT"})";
    const std::string signing_input =
        base64url_encode(header) + "." + base64url_encode(boost::json::serialize(sample_claims()));
    const std::string secret = boost::json::serialize(signing->public_jwk());
    const auto mac =
        hmac_sha256(std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()),
                    std::span(reinterpret_cast<const std::uint8_t*>(signing_input.data()),
                              signing_input.size()));
    const std::string token =
        signing_input + "." +
        base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    EXPECT_EQ(code_of(verify_jws(token, always(key))), ErrorCode::invalid_argument);
  }
}

TEST(VerifyJws, RefusesAHeaderAlgThatIsNotTheKeysAlg) {
  // Both signatures are genuine; each names the other algorithm's key.
  const VerifyKey ec_key = VerifyKey::of(es256_key());
  const VerifyKey rsa_key = VerifyKey::of(rs256_key());
  auto rs256_token = rs256_key().sign(sample_claims());
  auto es256_token = es256_key().sign(sample_claims());
  ASSERT_TRUE(rs256_token.ok() && es256_token.ok());
  EXPECT_EQ(code_of(verify_jws(*rs256_token, always(ec_key))), ErrorCode::unauthenticated);
  EXPECT_EQ(code_of(verify_jws(*es256_token, always(rsa_key))), ErrorCode::unauthenticated);
}

TEST(VerifyJws, RefusesAlgOtherThanAStringAndCriticalExtensions) {
  const VerifyKey key = VerifyKey::of(es256_key());
  const std::string payload = boost::json::serialize(sample_claims());
  for (std::string_view header :
       {R"({"kid":"k"})", R"({"alg":256,"kid":"k"})", R"({"alg":"es256","kid":"k"})",
        R"({"alg":"ES256","kid":7})", R"({"alg":"ES256","kid":"k","crit":["exp"],"exp":1})",
        R"({"alg":"ES256","kid":"k","b64":false,"crit":["b64"]})"}) {
    EXPECT_EQ(code_of(verify_jws(token_of(header, payload, std::string(64, '\x01')), always(key))),
              ErrorCode::invalid_argument)
        << header;
  }
}

// --- malformed tokens

TEST(VerifyJws, RefusesAnythingButThreeParts) {
  const VerifyKey key = VerifyKey::of(es256_key());
  auto token = es256_key().sign(sample_claims());
  ASSERT_TRUE(token.ok());
  const auto parts = parts_of(*token);
  for (const std::string& malformed :
       {*token + ".", *token + "." + parts[2], parts[0] + "." + parts[1], parts[0], std::string(),
        std::string(".."), std::string("..."), parts[0] + ".." + parts[1] + "." + parts[2]}) {
    EXPECT_EQ(code_of(verify_jws(malformed, always(key))), ErrorCode::invalid_argument)
        << malformed;
  }
}

TEST(VerifyJws, RefusesPaddedOrNonBase64urlParts) {
  const VerifyKey key = VerifyKey::of(rs256_key());
  auto token = rs256_key().sign(sample_claims());
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(verify_jws(*token, always(key)).ok());
  const auto parts = parts_of(*token);
  // The RSA signature is 256 bytes: 342 characters, "==" when padded; the header gets "=" too.
  const std::string header_padded = parts[0] + std::string((4 - parts[0].size() % 4) % 4, '=');
  for (const std::string& malformed :
       {parts[0] + "." + parts[1] + "." + parts[2] + "==",
        header_padded + (header_padded == parts[0] ? "====" : "") + "." + parts[1] + "." + parts[2],
        parts[0] + "." + parts[1] + " ." + parts[2],
        parts[0] + "." + parts[1] + "." + parts[2] + "\n",
        parts[0] + "+." + parts[1] + "." + parts[2]}) {
    EXPECT_EQ(code_of(verify_jws(malformed, always(key))), ErrorCode::invalid_argument)
        << malformed;
  }
}

TEST(VerifyJws, RefusesTokensOver16KiB) {
  const VerifyKey key = VerifyKey::of(es256_key());
  std::string longest_accepted;
  std::string shortest_refused;
  for (std::size_t filler = 12000; shortest_refused.empty(); ++filler) {
    auto claims = sample_claims();
    claims["filler"] = std::string(filler, 'a');
    auto token = es256_key().sign(claims);
    ASSERT_TRUE(token.ok());
    if (token->size() <= kMaxJwsBytes) {
      longest_accepted = *token;
    } else {
      shortest_refused = *token;
    }
  }
  EXPECT_GE(longest_accepted.size(), kMaxJwsBytes - 2);
  EXPECT_TRUE(verify_jws(longest_accepted, always(key)).ok());
  EXPECT_EQ(code_of(verify_jws(shortest_refused, always(key))), ErrorCode::invalid_argument);
}

TEST(VerifyJws, RefusesPayloadsThatAreNotJsonObjects) {
  const VerifyKey key = VerifyKey::of(es256_key());
  const std::string header = R"({"alg":"ES256","kid":")" + es256_key().kid() + R"("})";
  bool asked = false;
  auto find_key = [&](std::string_view) -> const VerifyKey* {
    asked = true;
    return &key;
  };
  for (std::string_view payload :
       {R"(["iss","joe"])", R"("a string")", "42", "null", "true", "", R"({"iss":"joe")",
        R"({"iss":"joe"} trailing)", "{\"iss\":\"\xff\"}"}) {
    EXPECT_EQ(code_of(verify_jws(token_of(header, payload, std::string(64, '\x01')), find_key)),
              ErrorCode::invalid_argument)
        << payload;
  }
  EXPECT_FALSE(asked);  // refused before any key was looked up
}

TEST(VerifyJws, RefusesHeadersThatAreNotJsonObjects) {
  const VerifyKey key = VerifyKey::of(es256_key());
  const std::string payload = boost::json::serialize(sample_claims());
  for (std::string_view header : {R"(["alg","ES256"])", "\"ES256\"", "", R"({"alg":"ES256",})"}) {
    EXPECT_EQ(code_of(verify_jws(token_of(header, payload, std::string(64, '\x01')), always(key))),
              ErrorCode::invalid_argument)
        << header;
  }
}

// --- private keys at rest

TEST(SigningKey, PrivateDerRoundTripKeepsTheKidAndSignsVerifiably) {
  for (const SigningKey* original : {&es256_key(), &rs256_key()}) {
    const SecretBytes der = original->private_der();
    ASSERT_FALSE(der.empty());
    EXPECT_EQ(der.data()[0], 0x30);  // a DER SEQUENCE (PKCS#8 PrivateKeyInfo)
    auto restored = SigningKey::from_private_der(original->alg(), der);
    ASSERT_TRUE(restored.ok()) << restored.status().to_string();
    EXPECT_EQ(restored->alg(), original->alg());
    EXPECT_EQ(restored->kid(), original->kid());
    EXPECT_EQ(restored->public_jwk(), original->public_jwk());
    auto token = restored->sign(sample_claims());
    ASSERT_TRUE(token.ok());
    const VerifyKey key = VerifyKey::of(*original);
    EXPECT_TRUE(verify_jws(*token, only(key, original->kid())).ok());
  }
}

TEST(SigningKey, FromPrivateDerRefusesTheWrongAlg) {
  EXPECT_EQ(SigningKey::from_private_der(JwsAlg::rs256, es256_key().private_der()).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(SigningKey::from_private_der(JwsAlg::es256, rs256_key().private_der()).status().code(),
            ErrorCode::invalid_argument);
}

TEST(SigningKey, FromPrivateDerRefusesDamagedDer) {
  const SecretBytes der = es256_key().private_der();
  EXPECT_FALSE(SigningKey::from_private_der(JwsAlg::es256, SecretBytes()).ok());
  EXPECT_FALSE(
      SigningKey::from_private_der(JwsAlg::es256, SecretBytes(der.span().first(der.size() - 1)))
          .ok());
  SecretBytes trailing(der.size() + 1);
  std::copy(der.span().begin(), der.span().end(), trailing.data());
  EXPECT_FALSE(SigningKey::from_private_der(JwsAlg::es256, trailing).ok());
  EXPECT_FALSE(
      SigningKey::from_private_der(JwsAlg::es256, SecretBytes::from_string("not a key")).ok());
}

TEST(SigningKey, GeneratedKeysDiffer) {
  EXPECT_NE(es256_key().kid(), other_es256_key().kid());
  EXPECT_NE(rs256_key().kid(), other_rs256_key().kid());
}

}  // namespace
}  // namespace tessera
