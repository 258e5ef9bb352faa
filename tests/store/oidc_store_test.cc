// The OpenID Connect provider's tables (storage/oidc_store.h), run like the rest of the store
// suite against SQLite and a throwaway PostgreSQL.
#include <atomic>
#include <ostream>
#include <thread>
#include <vector>

#include "store/store_fixture.h"

namespace tessera {

// So that a failed expectation names the outcome rather than dumping its bytes.
static void PrintTo(Redemption redemption, std::ostream* out) {
  switch (redemption) {
    case Redemption::redeemed:
      *out << "redeemed";
      return;
    case Redemption::unknown:
      *out << "unknown";
      return;
    case Redemption::expired:
      *out << "expired";
      return;
    case Redemption::already_used:
      *out << "already_used";
      return;
  }
  *out << "Redemption(" << static_cast<int>(redemption) << ")";
}

namespace testing {
namespace {

using namespace std::chrono_literals;

constexpr int kRacingThreads = 8;

class OidcStoreTest : public StoreTest {
 protected:
  User add_user(const std::string& upn) {
    User user = make_user(upn);
    EXPECT_TRUE(store_->create_user(user, nullptr).ok());
    return user;
  }

  OidcClient make_client(const std::string& id, const std::string& name) {
    OidcClient client;
    client.id = id;
    client.name = name;
    client.secret_hash = std::string(64, 'a');
    client.redirect_uris = {"https://" + id + ".example/callback"};
    client.grants = {"authorization_code", "refresh_token"};
    client.created_at = now_;
    return client;
  }

  OidcClient add_client(const std::string& id, const std::string& name) {
    OidcClient client = make_client(id, name);
    EXPECT_TRUE(store_->add_oidc_client(client, nullptr).ok());
    return client;
  }

  OidcGrant make_grant(const std::string& id, const User& user, const OidcClient& client,
                       const std::string& session_hash = "session-hash") {
    OidcGrant grant;
    grant.id = id;
    grant.client_id = client.id;
    grant.user_id = user.id;
    grant.scope = "openid profile email";
    grant.amr = "pwd otp mfa";
    grant.acr = "urn:tessera:mfa";
    grant.auth_time = now_ - 5min;
    grant.nonce = "nonce-" + id;
    grant.security_version = 3;
    grant.session_hash = session_hash;
    grant.created_at = now_;
    grant.expires_at = now_ + std::chrono::days(30);
    return grant;
  }

  OidcCode make_code(const std::string& code_hash, const OidcClient& client) {
    OidcCode code;
    code.code_hash = code_hash;
    code.redirect_uri = client.redirect_uris.front();
    code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    code.auth_time_asked = true;
    code.expires_at = now_ + 1min;
    return code;
  }

  // A grant with a code "code-<grant id>".
  OidcGrant add_grant(const std::string& id, const User& user, const OidcClient& client,
                      const std::string& session_hash = "session-hash") {
    const OidcGrant grant = make_grant(id, user, client, session_hash);
    EXPECT_TRUE(store_->add_oidc_grant(grant, make_code("code-" + id, client)).ok());
    return grant;
  }

  OidcRefreshToken add_refresh_token(const std::string& token_hash, const OidcGrant& grant,
                                     Timestamp expires_at) {
    const OidcRefreshToken token{token_hash, grant.id, now_, expires_at, std::nullopt};
    EXPECT_TRUE(store_->add_refresh_token(token).ok());
    return token;
  }

  OidcSigningKey make_key(const std::string& kid, Timestamp created_at) {
    OidcSigningKey key;
    key.kid = kid;
    key.alg = "ES256";
    key.private_key = SecretBytes::from_string("PKCS8-DER-private-key-of-" + kid);
    key.created_at = created_at;
    return key;
  }

  // Reads rows on a connection of its own, past the store, to see what the database holds.
  Result<SqlResult> raw_query(const std::string& sql) {
    auto connection = config_.kind == StoreConfig::Kind::sqlite
                          ? open_sqlite_connection(config_.sqlite_path, std::chrono::seconds(5))
                          : open_postgres_connection(config_.postgres_url);
    if (!connection.ok()) return connection.status();
    return (*connection)->execute(sql, {});
  }

  const Timestamp now_ = from_unix_seconds(1'700'000'000);
};

std::vector<std::string> kids_of(const std::vector<OidcSigningKey>& keys) {
  std::vector<std::string> kids;
  for (const OidcSigningKey& key : keys)
    kids.push_back(key.kid);
  return kids;
}

// --- Connections ---

TEST_P(OidcStoreTest, AnEphemeralTransactionCommitsAndLeavesLaterOnesDurable) {
  const bool sqlite = config_.kind == StoreConfig::Kind::sqlite;
  auto opened = sqlite ? open_sqlite_connection(config_.sqlite_path, std::chrono::seconds(5))
                       : open_postgres_connection(config_.postgres_url);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  SqlConnection& connection = **opened;
  const std::string setting = sqlite ? "PRAGMA synchronous" : "SHOW synchronous_commit";
  // SQLite's FULL (2); the test PostgreSQL server's own setting (it may run with it off).
  const std::string durable = connection.execute(setting, {})->rows.at(0).text(0);
  if (sqlite) {
    EXPECT_EQ(durable, "2");
  }
  for (const bool commit : {true, false}) {
    SCOPED_TRACE(commit ? "commit" : "rollback");
    ASSERT_TRUE(connection.begin_ephemeral().ok());
    ASSERT_TRUE(connection.execute("CREATE TABLE IF NOT EXISTS scratch (n BIGINT)", {}).ok());
    ASSERT_TRUE(connection.execute("INSERT INTO scratch (n) VALUES (1)", {}).ok());
    EXPECT_EQ(connection.execute(setting, {})->rows.at(0).text(0), sqlite ? "1" : "off");
    if (commit) {
      ASSERT_TRUE(connection.commit().ok());
    } else {
      connection.rollback();
    }
    EXPECT_EQ(connection.execute(setting, {})->rows.at(0).text(0), durable);
  }
  EXPECT_EQ(connection.execute("SELECT COUNT(*) FROM scratch", {})->rows.at(0).text(0), "1");
}

// --- Clients ---

TEST_P(OidcStoreTest, AClientRoundTripsEveryField) {
  OidcClient client = make_client("wiki", "Team wiki");
  // Not in sorted order: the order given is the order kept.
  client.redirect_uris = {"https://wiki.example/z-callback", "https://wiki.example/a-callback",
                          "http://127.0.0.1:8080/callback"};
  client.post_logout_redirect_uris = {"https://wiki.example/signed-out",
                                      "https://wiki.example/bye"};
  client.grants = {"authorization_code", "refresh_token", "client_credentials"};
  client.require_mfa = true;
  client.id_token_alg = "RS256";
  ASSERT_TRUE(store_->add_oidc_client(client, nullptr).ok());

  auto found = store_->find_oidc_client("wiki");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->id, client.id);
  EXPECT_EQ(found->name, client.name);
  EXPECT_EQ(found->secret_hash, client.secret_hash);
  EXPECT_FALSE(found->is_public());
  EXPECT_EQ(found->redirect_uris, client.redirect_uris);
  EXPECT_EQ(found->post_logout_redirect_uris, client.post_logout_redirect_uris);
  EXPECT_EQ(found->grants, client.grants);
  EXPECT_TRUE(found->require_mfa);
  EXPECT_EQ(found->id_token_alg, "RS256");
  EXPECT_EQ(found->created_at, client.created_at);
}

TEST_P(OidcStoreTest, APublicClientWithoutSecretStaysPublic) {
  OidcClient client = make_client("spa", "Single-page app");
  client.secret_hash.clear();
  client.grants = {"authorization_code"};
  ASSERT_TRUE(client.is_public());
  ASSERT_TRUE(store_->add_oidc_client(client, nullptr).ok());

  auto found = store_->find_oidc_client("spa");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_TRUE(found->is_public());
  EXPECT_EQ(found->secret_hash, "");
  EXPECT_TRUE(found->post_logout_redirect_uris.empty());
  EXPECT_EQ(found->grants, std::vector<std::string>{"authorization_code"});
  EXPECT_FALSE(found->require_mfa);
  EXPECT_EQ(found->id_token_alg, "ES256");
}

TEST_P(OidcStoreTest, ATakenClientIdIsAlreadyExistsAndWritesNoAudit) {
  const AuditLogEntry first = audit("oidc_client.add", "wiki");
  ASSERT_TRUE(store_->add_oidc_client(make_client("wiki", "Team wiki"), &first).ok());
  const AuditLogEntry second = audit("oidc_client.add", "wiki");
  const Status taken = store_->add_oidc_client(make_client("wiki", "Another wiki"), &second);
  EXPECT_EQ(taken.code(), ErrorCode::already_exists);
  EXPECT_EQ(store_->find_oidc_client("wiki")->name, "Team wiki");
  auto entries = store_->list_audit(10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].id, first.id);
}

TEST_P(OidcStoreTest, AnUnknownClientIsNotFound) {
  EXPECT_EQ(store_->find_oidc_client("nobody").status().code(), ErrorCode::not_found);
}

TEST_P(OidcStoreTest, ClientsAreListedByName) {
  add_client("c1", "Calendar");
  add_client("a1", "Analytics");
  add_client("b2", "Billing");
  add_client("b1", "Billing");  // same name: the id decides
  auto clients = store_->list_oidc_clients();
  ASSERT_TRUE(clients.ok()) << clients.status().message();
  std::vector<std::string> ids;
  for (const OidcClient& client : *clients)
    ids.push_back(client.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a1", "b1", "b2", "c1"}));
  EXPECT_EQ((*clients)[0].name, "Analytics");
}

TEST_P(OidcStoreTest, DeletingAClientDeletesItsGrantsCodesAndRefreshTokensAndAudits) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcClient mail = add_client("mail", "Mail");
  const OidcGrant doomed = add_grant("grant-wiki", alice, wiki);
  add_refresh_token("refresh-wiki", doomed, now_ + std::chrono::days(1));
  const OidcGrant kept = add_grant("grant-mail", alice, mail);
  add_refresh_token("refresh-mail", kept, now_ + std::chrono::days(1));

  const AuditLogEntry entry = audit("oidc_client.delete", "wiki");
  ASSERT_TRUE(store_->delete_oidc_client("wiki", &entry).ok());
  EXPECT_EQ(store_->find_oidc_client("wiki").status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_oidc_grant(doomed.id).status().code(), ErrorCode::not_found);
  OidcCode code;
  EXPECT_EQ(*store_->redeem_oidc_code("code-grant-wiki", now_, code), Redemption::unknown);
  EXPECT_FALSE(store_->find_refresh_token("refresh-wiki")->has_value());
  auto entries = store_->list_audit(10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].id, entry.id);
  EXPECT_EQ((*entries)[0].action, "oidc_client.delete");

  // Another client's grant is untouched.
  EXPECT_TRUE(store_->find_oidc_client("mail").ok());
  EXPECT_TRUE(store_->find_oidc_grant(kept.id).ok());
  EXPECT_TRUE(store_->find_refresh_token("refresh-mail")->has_value());
  EXPECT_EQ(*store_->redeem_oidc_code("code-grant-mail", now_, code), Redemption::redeemed);
}

TEST_P(OidcStoreTest, DeletingAnUnknownClientIsNotFoundAndWritesNoAudit) {
  const AuditLogEntry entry = audit("oidc_client.delete", "nobody");
  EXPECT_EQ(store_->delete_oidc_client("nobody", &entry).code(), ErrorCode::not_found);
  EXPECT_TRUE(store_->list_audit(10)->empty());
}

// --- Signing keys ---

TEST_P(OidcStoreTest, RotatedInKeysAreTheOnlyOnesThatSign) {
  EXPECT_TRUE(store_->list_signing_keys(now_)->empty());
  const AuditLogEntry entry = audit("oidc_keys.rotate", "");
  OidcSigningKey rsa = make_key("kid-rsa", now_);
  rsa.alg = "RS256";
  ASSERT_TRUE(store_->rotate_signing_keys({make_key("kid-ec", now_ + 1s), rsa}, now_, &entry).ok());

  auto keys = store_->list_signing_keys(now_);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(kids_of(*keys), (std::vector<std::string>{"kid-ec", "kid-rsa"})) << "newest first";
  for (const OidcSigningKey& key : *keys)
    EXPECT_EQ(key.retired_at, std::nullopt) << key.kid;
  EXPECT_EQ((*keys)[0].alg, "ES256");
  EXPECT_EQ((*keys)[1].alg, "RS256");
  EXPECT_EQ((*keys)[0].created_at, now_ + 1s);
  EXPECT_EQ((*keys)[1].created_at, now_);
  EXPECT_TRUE((*keys)[0].private_key.equals(make_key("kid-ec", now_).private_key));
  EXPECT_TRUE((*keys)[1].private_key.equals(rsa.private_key));
  auto entries = store_->list_audit(10);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].id, entry.id);
}

TEST_P(OidcStoreTest, ASecondRotationRetiresTheFirstPairAtNow) {
  ASSERT_TRUE(store_
                  ->rotate_signing_keys({make_key("old-ec", now_), make_key("old-rsa", now_)}, now_,
                                        nullptr)
                  .ok());
  const Timestamp rotated_at = now_ + std::chrono::days(90);
  ASSERT_TRUE(
      store_
          ->rotate_signing_keys({make_key("new-ec", rotated_at), make_key("new-rsa", rotated_at)},
                                rotated_at, nullptr)
          .ok());

  // Retired after `retired_since`: still listed (their public halves verify old tokens).
  auto with_retired = store_->list_signing_keys(rotated_at - 1s);
  ASSERT_TRUE(with_retired.ok()) << with_retired.status().message();
  EXPECT_EQ(kids_of(*with_retired),
            (std::vector<std::string>{"new-ec", "new-rsa", "old-ec", "old-rsa"}));
  for (const OidcSigningKey& key : *with_retired) {
    if (key.kid.starts_with("old-")) {
      EXPECT_EQ(key.retired_at, rotated_at) << key.kid;
    } else {
      EXPECT_EQ(key.retired_at, std::nullopt) << key.kid;
    }
  }
  EXPECT_TRUE((*with_retired)[2].private_key.equals(make_key("old-ec", now_).private_key));

  // Retired at or before `retired_since`: gone; the signing pair stays.
  for (Timestamp retired_since : {rotated_at, rotated_at + std::chrono::days(1)}) {
    auto signing = store_->list_signing_keys(retired_since);
    ASSERT_TRUE(signing.ok()) << signing.status().message();
    EXPECT_EQ(kids_of(*signing), (std::vector<std::string>{"new-ec", "new-rsa"}));
  }
}

TEST_P(OidcStoreTest, ARotationThatFailsRetiresNothing) {
  ASSERT_TRUE(store_->rotate_signing_keys({make_key("kid-1", now_)}, now_, nullptr).ok());
  const AuditLogEntry entry = audit("oidc_keys.rotate", "");
  // A kid already taken: the new keys are refused, so the old one must go on signing.
  EXPECT_FALSE(
      store_
          ->rotate_signing_keys({make_key("kid-2", now_ + 1h), make_key("kid-1", now_ + 1h)},
                                now_ + 1h, &entry)
          .ok());
  auto keys = store_->list_signing_keys(now_ - 1s);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(kids_of(*keys), std::vector<std::string>{"kid-1"});
  EXPECT_EQ((*keys)[0].retired_at, std::nullopt);
  EXPECT_TRUE(store_->list_audit(10)->empty());
}

TEST_P(OidcStoreTest, ASigningKeyIsSealedInItsColumn) {
  const std::string secret = "KnownSigningKeyBytes-PKCS8-0123456789";
  OidcSigningKey key = make_key("kid-sealed", now_);
  key.private_key = SecretBytes::from_string(secret);
  ASSERT_TRUE(store_->rotate_signing_keys({key}, now_, nullptr).ok());

  auto rows = raw_query("SELECT sealed_private_key FROM oidc_signing_keys");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 1u);
  const std::vector<std::uint8_t> column = rows->rows[0].blob(0);
  const std::string stored(column.begin(), column.end());
  EXPECT_GT(stored.size(), secret.size()) << "sealed: nonce and tag around the ciphertext";
  EXPECT_EQ(stored.find(secret), std::string::npos);
  EXPECT_EQ(stored.find("KnownSigningKeyBytes"), std::string::npos);
  EXPECT_EQ((*store_->list_signing_keys(now_))[0].private_key.view(), secret);
}

TEST_P(OidcStoreTest, ASigningKeySealedUnderAnotherMasterKeyIsDataLoss) {
  ASSERT_TRUE(store_->rotate_signing_keys({make_key("kid", now_)}, now_, nullptr).ok());
  const SecretSealer other = *SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 4)));
  auto reopened = open_store(config_, other, rng_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->list_signing_keys(now_).status().code(), ErrorCode::data_loss);
}

// --- Grants and codes ---

TEST_P(OidcStoreTest, AGrantRoundTripsEveryField) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant grant = add_grant("grant-1", alice, wiki);
  auto found = store_->find_oidc_grant("grant-1");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->id, grant.id);
  EXPECT_EQ(found->client_id, "wiki");
  EXPECT_EQ(found->user_id, alice.id);
  EXPECT_EQ(found->scope, grant.scope);
  EXPECT_EQ(found->amr, "pwd otp mfa");
  EXPECT_EQ(found->acr, grant.acr);
  EXPECT_EQ(found->auth_time, grant.auth_time);
  EXPECT_EQ(found->nonce, grant.nonce);
  EXPECT_EQ(found->security_version, 3);
  EXPECT_EQ(found->session_hash, grant.session_hash);
  EXPECT_EQ(found->created_at, grant.created_at);
  EXPECT_EQ(found->expires_at, grant.expires_at);
  EXPECT_EQ(found->revoked_at, std::nullopt);
  EXPECT_EQ(store_->find_oidc_grant("nothing").status().code(), ErrorCode::not_found);
}

TEST_P(OidcStoreTest, AGrantForAnUnknownUserOrClientIsNotFound) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const User ghost = make_user("ghost@example.com");
  EXPECT_EQ(
      store_->add_oidc_grant(make_grant("grant-ghost", ghost, wiki), make_code("c1", wiki)).code(),
      ErrorCode::not_found);
  const OidcClient unregistered = make_client("unregistered", "Not added");
  EXPECT_EQ(store_
                ->add_oidc_grant(make_grant("grant-orphan", alice, unregistered),
                                 make_code("c2", unregistered))
                .code(),
            ErrorCode::not_found);
  EXPECT_EQ(store_->find_oidc_grant("grant-ghost").status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_oidc_grant("grant-orphan").status().code(), ErrorCode::not_found);
  OidcCode code;
  EXPECT_EQ(*store_->redeem_oidc_code("c1", now_, code), Redemption::unknown);
}

TEST_P(OidcStoreTest, AGrantWhoseCodeHashIsTakenIsNotAdded) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  add_grant("grant-1", alice, wiki);
  EXPECT_EQ(
      store_->add_oidc_grant(make_grant("grant-2", alice, wiki), make_code("code-grant-1", wiki))
          .code(),
      ErrorCode::already_exists);
  EXPECT_EQ(store_->find_oidc_grant("grant-2").status().code(), ErrorCode::not_found);
  OidcCode code;
  ASSERT_EQ(*store_->redeem_oidc_code("code-grant-1", now_, code), Redemption::redeemed);
  EXPECT_EQ(code.grant_id, "grant-1");
}

TEST_P(OidcStoreTest, ACodeRedeemsOnceAndThenIsAlreadyUsedWithItsRow) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant grant = make_grant("grant-1", alice, wiki);
  const OidcCode given = make_code("code-hash-1", wiki);
  ASSERT_TRUE(store_->add_oidc_grant(grant, given).ok());

  OidcCode code;
  auto first = store_->redeem_oidc_code("code-hash-1", now_ + 10s, code);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(*first, Redemption::redeemed);
  EXPECT_EQ(code.code_hash, "code-hash-1");
  EXPECT_EQ(code.grant_id, grant.id);
  EXPECT_EQ(code.redirect_uri, given.redirect_uri);
  EXPECT_EQ(code.code_challenge, given.code_challenge);
  EXPECT_TRUE(code.auth_time_asked);
  EXPECT_EQ(code.expires_at, given.expires_at);

  // Replayed: the row still names the grant, so the caller can revoke what the first made.
  OidcCode replayed;
  auto second = store_->redeem_oidc_code("code-hash-1", now_ + 20s, replayed);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(*second, Redemption::already_used);
  EXPECT_EQ(replayed.code_hash, "code-hash-1");
  EXPECT_EQ(replayed.grant_id, grant.id);
  EXPECT_EQ(replayed.redirect_uri, given.redirect_uri);
  EXPECT_EQ(replayed.used_at, now_ + 10s);
  // Used and then past its expiry: still a replay, not a late redemption.
  EXPECT_EQ(*store_->redeem_oidc_code("code-hash-1", given.expires_at + 1h, replayed),
            Redemption::already_used);
}

TEST_P(OidcStoreTest, AnUnknownCodeIsUnknown) {
  OidcCode code;
  auto redeemed = store_->redeem_oidc_code("no-such-code", now_, code);
  ASSERT_TRUE(redeemed.ok()) << redeemed.status().message();
  EXPECT_EQ(*redeemed, Redemption::unknown);
}

TEST_P(OidcStoreTest, ACodePastItsExpiryIsExpiredAndStaysUnused) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant grant = make_grant("grant-1", alice, wiki);
  const OidcCode given = make_code("code-hash-1", wiki);
  ASSERT_TRUE(store_->add_oidc_grant(grant, given).ok());

  OidcCode code;
  EXPECT_EQ(*store_->redeem_oidc_code("code-hash-1", given.expires_at, code), Redemption::expired);
  EXPECT_EQ(code.grant_id, grant.id);
  EXPECT_EQ(code.used_at, std::nullopt);
  EXPECT_EQ(*store_->redeem_oidc_code("code-hash-1", given.expires_at + 1h, code),
            Redemption::expired);
  // One second earlier it would still have redeemed.
  EXPECT_EQ(*store_->redeem_oidc_code("code-hash-1", given.expires_at - 1s, code),
            Redemption::redeemed);
}

TEST_P(OidcStoreTest, OfParallelRedemptionsOfOneCodeExactlyOneRedeems) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant grant = add_grant("grant-1", alice, wiki);

  std::atomic<int> redeemed = 0;
  std::atomic<int> already_used = 0;
  std::atomic<int> other = 0;
  std::atomic<int> wrong_row = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kRacingThreads; ++t) {
    threads.emplace_back([&] {
      OidcCode code;
      auto outcome = store_->redeem_oidc_code("code-grant-1", now_, code);
      if (!outcome.ok()) {
        ++other;
      } else if (*outcome == Redemption::redeemed) {
        ++redeemed;
      } else if (*outcome == Redemption::already_used) {
        ++already_used;
      } else {
        ++other;
      }
      if (outcome.ok() && code.grant_id != grant.id) ++wrong_row;
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_EQ(already_used.load(), kRacingThreads - 1);
  EXPECT_EQ(other.load(), 0) << "errors or outcomes other than redeemed/already_used";
  EXPECT_EQ(wrong_row.load(), 0) << "every loser learns the grant to revoke";
}

// --- Refresh tokens ---

TEST_P(OidcStoreTest, ARefreshTokenRedeemsOnceAndThenIsAlreadyUsedWithItsRow) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant grant = add_grant("grant-1", alice, wiki);
  const OidcRefreshToken given = add_refresh_token("refresh-1", grant, now_ + std::chrono::days(1));

  auto found = store_->find_refresh_token("refresh-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->grant_id, grant.id);
  EXPECT_EQ((*found)->created_at, now_);
  EXPECT_EQ((*found)->expires_at, given.expires_at);
  EXPECT_EQ((*found)->used_at, std::nullopt);

  OidcRefreshToken token;
  auto first = store_->redeem_refresh_token("refresh-1", now_ + 1h, token);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(*first, Redemption::redeemed);
  EXPECT_EQ(token.token_hash, "refresh-1");
  EXPECT_EQ(token.grant_id, grant.id);
  EXPECT_EQ((*store_->find_refresh_token("refresh-1"))->used_at, now_ + 1h);

  OidcRefreshToken replayed;
  auto second = store_->redeem_refresh_token("refresh-1", now_ + 2h, replayed);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(*second, Redemption::already_used);
  EXPECT_EQ(replayed.grant_id, grant.id);
  EXPECT_EQ(replayed.used_at, now_ + 1h);
}

TEST_P(OidcStoreTest, ARefreshTokenForAnUnknownGrantIsNotFound) {
  const OidcRefreshToken orphan{"refresh-orphan", "no-such-grant", now_, now_ + 1h, std::nullopt};
  const Status added = store_->add_refresh_token(orphan);
  EXPECT_EQ(added.code(), ErrorCode::not_found) << added.message();
  EXPECT_FALSE(store_->find_refresh_token("refresh-orphan")->has_value());
}

TEST_P(OidcStoreTest, AnUnknownRefreshTokenIsUnknown) {
  OidcRefreshToken token;
  auto redeemed = store_->redeem_refresh_token("no-such-token", now_, token);
  ASSERT_TRUE(redeemed.ok()) << redeemed.status().message();
  EXPECT_EQ(*redeemed, Redemption::unknown);
  auto found = store_->find_refresh_token("no-such-token");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(OidcStoreTest, ARefreshTokenPastItsExpiryIsExpiredAndStaysUnused) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant grant = add_grant("grant-1", alice, wiki);
  const OidcRefreshToken given = add_refresh_token("refresh-1", grant, now_ + std::chrono::days(1));

  OidcRefreshToken token;
  EXPECT_EQ(*store_->redeem_refresh_token("refresh-1", given.expires_at, token),
            Redemption::expired);
  EXPECT_EQ(token.grant_id, grant.id);
  EXPECT_EQ((*store_->find_refresh_token("refresh-1"))->used_at, std::nullopt);
  EXPECT_EQ(*store_->redeem_refresh_token("refresh-1", given.expires_at - 1s, token),
            Redemption::redeemed);
}

TEST_P(OidcStoreTest, OfParallelRedemptionsOfOneRefreshTokenExactlyOneRedeems) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant grant = add_grant("grant-1", alice, wiki);
  add_refresh_token("refresh-1", grant, now_ + std::chrono::days(1));

  std::atomic<int> redeemed = 0;
  std::atomic<int> already_used = 0;
  std::atomic<int> other = 0;
  std::atomic<int> wrong_row = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kRacingThreads; ++t) {
    threads.emplace_back([&] {
      OidcRefreshToken token;
      auto outcome = store_->redeem_refresh_token("refresh-1", now_ + 1min, token);
      if (!outcome.ok()) {
        ++other;
      } else if (*outcome == Redemption::redeemed) {
        ++redeemed;
      } else if (*outcome == Redemption::already_used) {
        ++already_used;
      } else {
        ++other;
      }
      if (outcome.ok() && token.grant_id != grant.id) ++wrong_row;
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_EQ(already_used.load(), kRacingThreads - 1);
  EXPECT_EQ(other.load(), 0) << "errors or outcomes other than redeemed/already_used";
  EXPECT_EQ(wrong_row.load(), 0) << "every loser learns the grant to revoke";
  EXPECT_EQ((*store_->find_refresh_token("refresh-1"))->used_at, now_ + 1min);
}

// --- Revocation ---

TEST_P(OidcStoreTest, RevokingAGrantSetsRevokedAtOnce) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  add_grant("grant-1", alice, wiki);
  add_grant("grant-2", alice, wiki);
  ASSERT_TRUE(store_->revoke_oidc_grant("grant-1", now_ + 1h).ok());
  EXPECT_EQ(store_->find_oidc_grant("grant-1")->revoked_at, now_ + 1h);
  // Revoking again keeps the first time.
  EXPECT_TRUE(store_->revoke_oidc_grant("grant-1", now_ + 2h).ok());
  EXPECT_EQ(store_->find_oidc_grant("grant-1")->revoked_at, now_ + 1h);
  EXPECT_EQ(store_->find_oidc_grant("grant-2")->revoked_at, std::nullopt);
}

TEST_P(OidcStoreTest, RevokingASessionsGrantsRevokesOnlyThoseAndCountsThem) {
  const User alice = add_user("alice@example.com");
  const User bob = add_user("bob@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcClient mail = add_client("mail", "Mail");
  add_grant("alice-wiki", alice, wiki, "session-a");
  add_grant("alice-mail", alice, mail, "session-a");
  add_grant("alice-earlier", alice, wiki, "session-a");
  ASSERT_TRUE(store_->revoke_oidc_grant("alice-earlier", now_).ok());
  add_grant("alice-other-browser", alice, wiki, "session-a2");
  add_grant("bob-wiki", bob, wiki, "session-b");

  auto revoked = store_->revoke_session_grants("session-a", now_ + 1h);
  ASSERT_TRUE(revoked.ok()) << revoked.status().message();
  EXPECT_EQ(*revoked, 2u) << "the grant revoked before does not count again";
  EXPECT_EQ(store_->find_oidc_grant("alice-wiki")->revoked_at, now_ + 1h);
  EXPECT_EQ(store_->find_oidc_grant("alice-mail")->revoked_at, now_ + 1h);
  EXPECT_EQ(store_->find_oidc_grant("alice-earlier")->revoked_at, now_);
  EXPECT_EQ(store_->find_oidc_grant("alice-other-browser")->revoked_at, std::nullopt);
  EXPECT_EQ(store_->find_oidc_grant("bob-wiki")->revoked_at, std::nullopt);
  EXPECT_EQ(*store_->revoke_session_grants("session-a", now_ + 2h), 0u);
  EXPECT_EQ(*store_->revoke_session_grants("no-such-session", now_ + 2h), 0u);
}

TEST_P(OidcStoreTest, AnAccessTokenRevokedTwiceIsRevoked) {
  ASSERT_TRUE(store_->revoke_access_token("jti-1", now_ + 1h).ok());
  EXPECT_TRUE(store_->revoke_access_token("jti-1", now_ + 1h).ok());
  auto revoked = store_->access_token_revoked("jti-1");
  ASSERT_TRUE(revoked.ok()) << revoked.status().message();
  EXPECT_TRUE(*revoked);
  auto other = store_->access_token_revoked("jti-2");
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_FALSE(*other);
}

TEST_P(OidcStoreTest, RevokingAnAccessTokenAgainInsideATransactionLetsItCommit) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  add_grant("grant-1", alice, wiki);
  ASSERT_TRUE(store_->revoke_access_token("jti-1", now_ + 1h).ok());
  // A revocation request revoking the token and its grant at once, the token already revoked.
  const Status done = store_->transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.revoke_access_token("jti-1", now_ + 1h));
    return tx.revoke_oidc_grant("grant-1", now_);
  });
  EXPECT_TRUE(done.ok()) << done.message();
  EXPECT_EQ(store_->find_oidc_grant("grant-1")->revoked_at, now_);
  EXPECT_TRUE(*store_->access_token_revoked("jti-1"));
}

// --- Clean-up ---

TEST_P(OidcStoreTest, DeletingExpiredStateKeepsWhatIsLive) {
  const User alice = add_user("alice@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");

  // A live grant whose code was used and has expired, with one live and one expired token.
  const OidcGrant live = add_grant("live", alice, wiki);
  OidcCode code;
  ASSERT_EQ(*store_->redeem_oidc_code("code-live", now_, code), Redemption::redeemed);
  add_refresh_token("refresh-live", live, now_ + std::chrono::days(1));
  add_refresh_token("refresh-expired", live, now_ + 1h);  // expires exactly at the clean-up
  // A live grant with a live code.
  OidcGrant pending = make_grant("pending", alice, wiki);
  OidcCode pending_code = make_code("code-pending", wiki);
  pending_code.expires_at = now_ + 1h + 1min;
  ASSERT_TRUE(store_->add_oidc_grant(pending, pending_code).ok());
  // An expired grant whose own code and token have not expired: they go with it.
  OidcGrant expired = make_grant("expired", alice, wiki);
  expired.expires_at = now_ + 1h - 1s;
  OidcCode expired_code = make_code("code-expired", wiki);
  expired_code.expires_at = now_ + 2h;
  ASSERT_TRUE(store_->add_oidc_grant(expired, expired_code).ok());
  add_refresh_token("refresh-of-expired", expired, now_ + std::chrono::days(1));
  // A revoked and expired grant.
  OidcGrant revoked = make_grant("revoked", alice, wiki);
  revoked.expires_at = now_ + 30min;
  OidcCode revoked_code = make_code("code-revoked", wiki);
  ASSERT_TRUE(store_->add_oidc_grant(revoked, revoked_code).ok());
  ASSERT_TRUE(store_->revoke_oidc_grant("revoked", now_).ok());
  // Revoked access tokens, one past its expiry.
  ASSERT_TRUE(store_->revoke_access_token("jti-expired", now_ + 1h).ok());
  ASSERT_TRUE(store_->revoke_access_token("jti-live", now_ + 1h + 1s).ok());

  const Timestamp cleanup = now_ + 1h;
  auto deleted = store_->delete_expired_oidc(cleanup);
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  // code-live, refresh-expired, jti-expired, code-expired, refresh-of-expired, code-revoked,
  // and the grants expired and revoked.
  EXPECT_EQ(*deleted, 8u);

  EXPECT_TRUE(store_->find_oidc_grant("live").ok());
  EXPECT_TRUE(store_->find_oidc_grant("pending").ok());
  EXPECT_EQ(store_->find_oidc_grant("expired").status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_oidc_grant("revoked").status().code(), ErrorCode::not_found);
  EXPECT_TRUE(store_->find_refresh_token("refresh-live")->has_value());
  EXPECT_FALSE(store_->find_refresh_token("refresh-expired")->has_value());
  EXPECT_FALSE(store_->find_refresh_token("refresh-of-expired")->has_value());
  EXPECT_EQ(*store_->redeem_oidc_code("code-live", cleanup, code), Redemption::unknown);
  EXPECT_EQ(*store_->redeem_oidc_code("code-expired", cleanup, code), Redemption::unknown);
  EXPECT_EQ(*store_->redeem_oidc_code("code-revoked", cleanup, code), Redemption::unknown);
  EXPECT_FALSE(*store_->access_token_revoked("jti-expired"));
  EXPECT_TRUE(*store_->access_token_revoked("jti-live"));
  EXPECT_EQ(*store_->redeem_oidc_code("code-pending", cleanup, code), Redemption::redeemed);

  EXPECT_EQ(*store_->delete_expired_oidc(cleanup), 0u);
}

TEST_P(OidcStoreTest, DeletingAUserDeletesTheirGrantsCodesAndRefreshTokens) {
  const User alice = add_user("alice@example.com");
  const User bob = add_user("bob@example.com");
  const OidcClient wiki = add_client("wiki", "Team wiki");
  const OidcGrant alices = add_grant("alice-grant", alice, wiki);
  add_refresh_token("alice-refresh", alices, now_ + std::chrono::days(1));
  add_grant("bob-grant", bob, wiki);

  ASSERT_TRUE(store_->delete_user(alice.id, nullptr).ok());
  EXPECT_EQ(store_->find_oidc_grant("alice-grant").status().code(), ErrorCode::not_found);
  EXPECT_FALSE(store_->find_refresh_token("alice-refresh")->has_value());
  OidcCode code;
  EXPECT_EQ(*store_->redeem_oidc_code("code-alice-grant", now_, code), Redemption::unknown);
  EXPECT_TRUE(store_->find_oidc_grant("bob-grant").ok());
  EXPECT_TRUE(store_->find_oidc_client("wiki").ok());
}

// --- Sessions ---

TEST_P(OidcStoreTest, ASessionKeepsWhatItsSignInDid) {
  const User alice = add_user("alice@example.com");
  SessionRecord session{"hash-mfa", alice.id, now_, now_, now_ + 8h, false, now_, "pwd otp mfa"};
  ASSERT_TRUE(store_->create_session(session).ok());
  SessionRecord password_only{"hash-pwd", alice.id, now_,         now_,
                              now_ + 8h,  false,    std::nullopt, "pwd"};
  ASSERT_TRUE(store_->create_session(password_only).ok());
  EXPECT_EQ(store_->find_session("hash-mfa")->amr, "pwd otp mfa");
  EXPECT_EQ(store_->find_session("hash-pwd")->amr, "pwd");
  // Touched and stepped up, it still says what the sign-in did.
  ASSERT_TRUE(store_->touch_session("hash-pwd", now_ + 1h).ok());
  ASSERT_TRUE(store_->set_session_mfa("hash-pwd", now_ + 1h).ok());
  EXPECT_EQ(store_->find_session("hash-pwd")->amr, "pwd");
}

TEST_P(OidcStoreTest, ASessionFromBeforeVersionNineHasNoAmr) {
  const User alice = add_user("alice@example.com");
  // Written as an older tessera would, without the column.
  ASSERT_TRUE(raw_sql("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, "
                      "expires_at, persistent) VALUES ('hash-old', '" +
                      alice.id + "', 1700000000, 1700000000, 1700028800, 0)")
                  .ok());
  auto found = store_->find_session("hash-old");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->amr, "");
}

INSTANTIATE_TEST_SUITE_P(Kinds, OidcStoreTest,
                         ::testing::Values(StoreConfig::Kind::sqlite, StoreConfig::Kind::postgres),
                         kind_name);

}  // namespace
}  // namespace testing
}  // namespace tessera
