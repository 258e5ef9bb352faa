#include "crypto/master_key.h"

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"
#include "support/temp_dir.h"

namespace tessera {
namespace {

class MasterKey : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_crypto_library());
    ::unsetenv(kMasterKeyEnvironmentVariable);
  }
  void TearDown() override { ::unsetenv(kMasterKeyEnvironmentVariable); }
  testing::TempDir dir_;
  SystemRng rng_;
};

TEST_F(MasterKey, CreatedFileIsPrivateAndLoads) {
  const auto path = dir_.path() / "master.key";
  ASSERT_TRUE(create_master_key_file(path, rng_).ok());
  struct stat status {};
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
  auto key = load_master_key(path);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->size(), 32u);
}

TEST_F(MasterKey, ExistingKeyIsNeverOverwritten) {
  const auto path = dir_.path() / "master.key";
  ASSERT_TRUE(create_master_key_file(path, rng_).ok());
  auto first = load_master_key(path);
  EXPECT_EQ(create_master_key_file(path, rng_).code(), ErrorCode::already_exists);
  auto second = load_master_key(path);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(first->equals(*second));
}

TEST_F(MasterKey, MissingFileTellsToRunInit) {
  auto key = load_master_key(dir_.path() / "absent.key");
  EXPECT_EQ(key.status().code(), ErrorCode::not_found);
  EXPECT_NE(key.status().message().find("tessera init"), std::string::npos);
}

TEST_F(MasterKey, GroupReadableFileIsRefused) {
  const auto path = dir_.path() / "master.key";
  ASSERT_TRUE(create_master_key_file(path, rng_).ok());
  ::chmod(path.c_str(), 0640);
  auto key = load_master_key(path);
  EXPECT_EQ(key.status().code(), ErrorCode::permission_denied);
  EXPECT_NE(key.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(MasterKey, EnvironmentVariableWinsAndMustBeHex) {
  ::setenv(kMasterKeyEnvironmentVariable, std::string(64, 'a').c_str(), 1);
  auto key = load_master_key(dir_.path() / "absent.key");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->data()[0], 0xaa);
  ::setenv(kMasterKeyEnvironmentVariable, "not hex", 1);
  EXPECT_EQ(load_master_key(dir_.path() / "absent.key").status().code(),
            ErrorCode::invalid_argument);
}

TEST_F(MasterKey, MalformedFileIsRefused) {
  const auto path = dir_.path() / "master.key";
  std::ofstream(path) << "short\n";
  ::chmod(path.c_str(), 0600);
  EXPECT_EQ(load_master_key(path).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace tessera
