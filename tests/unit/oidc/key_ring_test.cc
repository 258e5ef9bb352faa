// KeyRing on a real SQLite store with a manual clock: the first keys, signing and verifying,
// rotation by hand and when due, retired keys kept for kRetiredKeyKept, and what another node
// (a second ring on the same store) sees.
#include "oidc/key_ring.h"

#include <set>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "base/ids.h"
#include "oidc/base64url.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

namespace json = boost::json;

class KeyRingTest : public ServiceTest {
 protected:
  std::set<std::string> kids_of(KeyRing& ring) {
    auto jwks = ring.jwks();
    EXPECT_TRUE(jwks.ok()) << jwks.status().message();
    std::set<std::string> kids;
    if (!jwks.ok()) return kids;
    for (const json::value& key : jwks->at("keys").as_array())
      kids.insert(std::string(key.as_object().at("kid").as_string()));
    return kids;
  }

  std::string signed_by(KeyRing& ring, JwsAlg alg) {
    auto token = ring.sign(alg, json::object{{"sub", "someone"}});
    EXPECT_TRUE(token.ok()) << token.status().message();
    return token.ok() ? *token : "";
  }

  static std::string kid_of(std::string_view token) {
    const auto header = base64url_decode(token.substr(0, token.find('.')));
    if (!header) return "";
    return std::string(json::parse(*header).as_object().at("kid").as_string());
  }

  std::size_t stored_keys() {
    return store_->list_signing_keys(clock_.now() - kRetiredKeyKept)->size();
  }
};

TEST_F(KeyRingTest, EnsureKeysMakesAnEs256AndAnRs256Key) {
  KeyRing ring(*store_, clock_);
  ASSERT_TRUE(ring.ensure_keys().ok());
  auto jwks = ring.jwks();
  ASSERT_TRUE(jwks.ok());
  std::multiset<std::string> algs;
  for (const json::value& key : jwks->at("keys").as_array()) {
    const json::object& jwk = key.as_object();
    algs.insert(std::string(jwk.at("alg").as_string()));
    EXPECT_EQ(jwk.at("use").as_string(), "sig");
    // Public halves only.
    EXPECT_EQ(jwk.if_contains("d"), nullptr) << jwk;
  }
  EXPECT_EQ(algs, (std::multiset<std::string>{"ES256", "RS256"}));
  EXPECT_EQ(stored_keys(), 2u);

  // Once there are keys, they are the ones used, here and by another node.
  const std::set<std::string> kids = kids_of(ring);
  ASSERT_TRUE(ring.ensure_keys().ok());
  KeyRing other_node(*store_, clock_);
  ASSERT_TRUE(other_node.ensure_keys().ok());
  EXPECT_EQ(kids_of(ring), kids);
  EXPECT_EQ(kids_of(other_node), kids);
  EXPECT_EQ(stored_keys(), 2u);
}

// Signing only reads (it runs inside store transactions): the first keys come from
// ensure_keys() or rotate_if_due(), never from a signature.
TEST_F(KeyRingTest, SigningBeforeTheFirstKeysIsRefusedAndWritesNothing) {
  KeyRing ring(*store_, clock_);
  EXPECT_EQ(ring.sign(JwsAlg::es256, json::object{{"sub", "alice"}}).status().code(),
            ErrorCode::not_found);
  EXPECT_EQ(stored_keys(), 0u);
}

TEST_F(KeyRingTest, RotateIfDueMakesTheFirstKeys) {
  KeyRing ring(*store_, clock_);
  ASSERT_TRUE(ring.rotate_if_due().ok());
  EXPECT_FALSE(signed_by(ring, JwsAlg::es256).empty());
  EXPECT_EQ(stored_keys(), 2u);
}

TEST_F(KeyRingTest, SignedClaimsVerifyWithEitherAlg) {
  KeyRing ring(*store_, clock_);
  ASSERT_TRUE(ring.ensure_keys().ok());
  for (const JwsAlg alg : {JwsAlg::es256, JwsAlg::rs256}) {
    const json::object claims{{"iss", "https://id.example.com"}, {"sub", "alice"}, {"n", 7}};
    auto token = ring.sign(alg, claims, "at+jwt");
    ASSERT_TRUE(token.ok()) << token.status().message();
    auto verified = ring.verify(*token);
    ASSERT_TRUE(verified.ok()) << verified.status().message();
    EXPECT_EQ(verified->claims, claims);
    EXPECT_EQ(verified->header.at("alg").as_string(), to_string(alg));
    EXPECT_EQ(verified->header.at("typ").as_string(), "at+jwt");
    EXPECT_TRUE(kids_of(ring).contains(kid_of(*token)));
  }
}

TEST_F(KeyRingTest, TamperedTokenOrAnotherKeysTokenDoesNotVerify) {
  KeyRing ring(*store_, clock_);
  ASSERT_TRUE(ring.ensure_keys().ok());
  const std::string token = signed_by(ring, JwsAlg::es256);
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = token.find('.', first_dot + 1);
  const std::string forged_payload = base64url_encode(R"({"sub":"mallory"})");
  const std::string tampered =
      token.substr(0, first_dot + 1) + forged_payload + token.substr(second_dot);
  EXPECT_EQ(ring.verify(tampered).status().code(), ErrorCode::unauthenticated);

  auto stranger = SigningKey::generate(JwsAlg::es256);
  ASSERT_TRUE(stranger.ok());
  const std::string foreign = *stranger->sign(json::object{{"sub", "someone"}});
  EXPECT_EQ(ring.verify(foreign).status().code(), ErrorCode::unauthenticated);
  EXPECT_EQ(ring.verify("not.a-token").status().code(), ErrorCode::invalid_argument);
}

TEST_F(KeyRingTest, RotateMakesNewKeysThatSignWhileTheOldOnesStillVerify) {
  KeyRing ring(*store_, clock_);
  ASSERT_TRUE(ring.ensure_keys().ok());
  const std::set<std::string> before = kids_of(ring);
  const std::string old_es256 = signed_by(ring, JwsAlg::es256);
  const std::string old_rs256 = signed_by(ring, JwsAlg::rs256);

  clock_.advance(std::chrono::seconds(5));
  const AuditLogEntry audit{new_id(rng_), clock_.now(), "cli", "keys.rotate", "", ""};
  ASSERT_TRUE(ring.rotate(&audit).ok());
  EXPECT_EQ(store_->list_audit(5)->front().action, "keys.rotate");

  const std::string new_es256 = signed_by(ring, JwsAlg::es256);
  const std::string new_rs256 = signed_by(ring, JwsAlg::rs256);
  EXPECT_FALSE(before.contains(kid_of(new_es256)));
  EXPECT_FALSE(before.contains(kid_of(new_rs256)));
  EXPECT_NE(kid_of(new_es256), kid_of(new_rs256));

  const std::set<std::string> after = kids_of(ring);
  EXPECT_EQ(after.size(), 4u);
  for (const std::string& kid : before)
    EXPECT_TRUE(after.contains(kid)) << kid;
  for (const std::string& token : {old_es256, old_rs256, new_es256, new_rs256})
    EXPECT_TRUE(ring.verify(token).ok()) << kid_of(token);
}

TEST_F(KeyRingTest, RetiredKeysStayInTheJwksUntilKRetiredKeyKeptHasPassed) {
  KeyRing ring(*store_, clock_);
  ASSERT_TRUE(ring.ensure_keys().ok());
  const std::set<std::string> old_kids = kids_of(ring);
  const std::string old_token = signed_by(ring, JwsAlg::rs256);
  ASSERT_TRUE(ring.rotate(nullptr).ok());
  const std::string new_token = signed_by(ring, JwsAlg::rs256);

  clock_.advance(kRetiredKeyKept - std::chrono::minutes(1));
  EXPECT_EQ(kids_of(ring).size(), 4u);
  EXPECT_TRUE(ring.verify(old_token).ok());

  clock_.advance(std::chrono::minutes(1) + kKeyReload + std::chrono::seconds(1));
  const std::set<std::string> kept = kids_of(ring);
  EXPECT_EQ(kept.size(), 2u);
  for (const std::string& kid : old_kids)
    EXPECT_FALSE(kept.contains(kid)) << kid;
  EXPECT_EQ(ring.verify(old_token).status().code(), ErrorCode::unauthenticated);
  EXPECT_TRUE(ring.verify(new_token).ok());
}

TEST_F(KeyRingTest, RotationIsDueOnceTheKeysAreOlderThanTheRotationPeriod) {
  const std::chrono::seconds rotation = std::chrono::days(7);
  KeyRing ring(*store_, clock_, rotation);
  ASSERT_TRUE(ring.ensure_keys().ok());
  const std::set<std::string> first = kids_of(ring);
  const std::string first_token = signed_by(ring, JwsAlg::es256);

  clock_.advance(rotation - std::chrono::seconds(1));
  ASSERT_TRUE(ring.ensure_keys().ok());
  EXPECT_EQ(kids_of(ring), first);

  clock_.advance(std::chrono::seconds(1));
  ASSERT_TRUE(ring.ensure_keys().ok());
  const std::set<std::string> rotated = kids_of(ring);
  EXPECT_EQ(rotated.size(), 4u);
  const std::string token = signed_by(ring, JwsAlg::es256);
  EXPECT_FALSE(first.contains(kid_of(token)));
  EXPECT_TRUE(ring.verify(first_token).ok());
}

TEST_F(KeyRingTest, RotateIfDueRotatesOnceTheKeysAreOlderThanThePeriod) {
  const std::chrono::seconds rotation = std::chrono::days(7);
  KeyRing ring(*store_, clock_, rotation);
  ASSERT_TRUE(ring.rotate_if_due().ok());
  const std::string first_token = signed_by(ring, JwsAlg::es256);
  clock_.advance(rotation - std::chrono::seconds(1));
  ASSERT_TRUE(ring.rotate_if_due().ok());
  EXPECT_EQ(stored_keys(), 2u);
  clock_.advance(std::chrono::seconds(1));
  ASSERT_TRUE(ring.rotate_if_due().ok());
  const std::string token = signed_by(ring, JwsAlg::es256);
  EXPECT_NE(kid_of(token), kid_of(first_token));
  EXPECT_EQ(stored_keys(), 4u);
}

TEST_F(KeyRingTest, ZeroRotationPeriodNeverRotates) {
  KeyRing ring(*store_, clock_, std::chrono::seconds(0));
  ASSERT_TRUE(ring.rotate_if_due().ok());
  const std::string first_token = signed_by(ring, JwsAlg::es256);
  clock_.advance(std::chrono::days(1000));
  ASSERT_TRUE(ring.rotate_if_due().ok());
  const std::string token = signed_by(ring, JwsAlg::es256);
  EXPECT_EQ(kid_of(token), kid_of(first_token));
  EXPECT_EQ(stored_keys(), 2u);
}

TEST_F(KeyRingTest, AnotherNodesRotationIsUsedForSigningAfterKKeyReload) {
  KeyRing this_node(*store_, clock_);
  KeyRing other_node(*store_, clock_);
  ASSERT_TRUE(this_node.ensure_keys().ok());
  ASSERT_TRUE(other_node.ensure_keys().ok());
  const std::string before = kid_of(signed_by(this_node, JwsAlg::es256));
  ASSERT_TRUE(other_node.rotate(nullptr).ok());
  const std::string rotated_to = kid_of(signed_by(other_node, JwsAlg::es256));
  ASSERT_NE(rotated_to, before);

  clock_.advance(kKeyReload);
  EXPECT_EQ(kid_of(signed_by(this_node, JwsAlg::es256)), rotated_to);
  EXPECT_EQ(kids_of(this_node), kids_of(other_node));
}

// A token signed with the key another node has just made (a rotation there, or `tessera keys
// rotate`) must verify here too, and this node's JWKS must offer that key: a relying party behind
// a load balancer otherwise gets an ID token it cannot verify, and this node refuses the access
// token at userinfo and introspection, for up to kKeyReload.
TEST_F(KeyRingTest, ATokenSignedByAKeyAnotherNodeJustMadeVerifiesHere) {
  KeyRing this_node(*store_, clock_);
  KeyRing other_node(*store_, clock_);
  ASSERT_TRUE(this_node.ensure_keys().ok());
  ASSERT_TRUE(other_node.ensure_keys().ok());
  clock_.advance(std::chrono::seconds(1));
  ASSERT_TRUE(other_node.rotate(nullptr).ok());
  const std::string token = signed_by(other_node, JwsAlg::es256);

  auto verified = this_node.verify(token);
  EXPECT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_TRUE(kids_of(this_node).contains(kid_of(token)));
}

}  // namespace
}  // namespace tessera
