// Secrets at rest: a copy of the SQLite files must not reveal a TOTP seed, a session token or what
// a queued message says.
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "crypto/base32.h"
#include "crypto/token.h"
#include "store/store_fixture.h"

namespace tessera::testing {
namespace {

// Reads a file the store may hold open through a copy made by another process: closing any
// descriptor of the database file in this process would drop SQLite's locks on it (POSIX
// semantics), the bug this project once had.
std::string read_all(const std::filesystem::path& path) {
  const std::filesystem::path copy = path.string() + ".copy";
  const std::string command = "cp '" + path.string() + "' '" + copy.string() + "'";
  if (std::system(command.c_str()) != 0) return "";
  std::ifstream in(copy, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
  std::filesystem::remove(copy);
  return text;
}

class AtRest : public StoreTest {};

TEST_P(AtRest, SqliteFilesHoldNoSeedAndNoToken) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const std::string seed = "KnownSeed-0123456789";
  ASSERT_TRUE(store_->add_method(make_method(user, seed), nullptr).ok());
  const std::string seed_base32 =
      base32_encode({reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size()});
  SystemRng rng;
  const IssuedToken token = issue_token(rng);
  ASSERT_TRUE(store_
                  ->create_session({token.token_hash, user.id, user.created_at, user.created_at,
                                    user.created_at, true, std::nullopt})
                  .ok());

  // A registration in progress keeps its secret in the flow: sealed too.
  const std::string flow_seed = "FlowSeed-9876543210";
  ASSERT_TRUE(
      store_
          ->save_flow({"flowhash", SecretBytes::from_string("{\"secret\":\"" + flow_seed + "\"}"),
                       0, user.created_at + std::chrono::hours(1)})
          .ok());

  const std::string files =
      read_all(config_.sqlite_path) + read_all(config_.sqlite_path.string() + "-wal");
  // The grep can see what is stored in the clear: the UPN and the token's hash.
  ASSERT_NE(files.find("alice@example.com"), std::string::npos);
  ASSERT_NE(files.find(token.token_hash), std::string::npos);
  EXPECT_EQ(files.find(seed), std::string::npos);
  EXPECT_EQ(files.find(seed_base32), std::string::npos);
  EXPECT_EQ(files.find(flow_seed), std::string::npos);
  EXPECT_EQ(files.find(std::string(token.token.view())), std::string::npos);
  // And the store still gives the seed back to tessera.
  EXPECT_EQ((*store_->list_methods(user.id))[0].secret.view(), seed);
}

TEST_P(AtRest, SqliteFilesHoldNoDeliveryContent) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const std::string content = "Your tessera code is 864209 KnownDeliveryText";
  Delivery delivery;
  delivery.id = "delivery-at-rest";
  delivery.channel = DeliveryChannel::text;
  delivery.destination = "+447700900123";
  delivery.user_id = user.id;
  delivery.content = SecretBytes::from_string(content);
  delivery.created_at = user.created_at;
  delivery.updated_at = user.created_at;
  ASSERT_TRUE(store_->add_delivery(delivery).ok());
  // Claimed, as a sender does, so the row is written twice.
  ASSERT_TRUE(store_->claim_delivery(user.created_at, user.created_at)->has_value());

  const std::string files =
      read_all(config_.sqlite_path) + read_all(config_.sqlite_path.string() + "-wal");
  ASSERT_NE(files.find("+447700900123"), std::string::npos);  // stored in the clear
  EXPECT_EQ(files.find("KnownDeliveryText"), std::string::npos);
  EXPECT_EQ(files.find("864209"), std::string::npos);
  EXPECT_EQ(store_->find_delivery(delivery.id)->content.view(), content);
}

INSTANTIATE_TEST_SUITE_P(Kinds, AtRest, ::testing::Values(StoreConfig::Kind::sqlite), kind_name);

}  // namespace
}  // namespace tessera::testing
