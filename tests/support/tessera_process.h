// The real `tessera` binary as an operator runs it, for tests of whole processes: a private
// directory with its own configuration, master key and database (SQLite there, or a PostgreSQL
// database given by URL), `tessera serve` as a child process on a port the kernel chose, and CLI
// commands run beside it. Server and CLI share a test clock (TESSERA_TEST_CLOCK_FILE) that only the
// test moves, so TOTP codes and lockouts are exact and no test waits for the wall clock.
//
// Not thread-safe, except cli(), which may run from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "support/temp_dir.h"
#include "support/text.h"

namespace tessera::testing {

struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

struct TesseraOptions {
  // Empty: SQLite in the private directory. Otherwise a libpq URL (e.g. from PostgresServer).
  std::string postgres_url;
  // Settings by section, each value a TOML literal ("50", "\"text\"", "true"); they replace the
  // defaults the harness writes (port 0, fast Argon2id parameters, the private paths).
  std::map<std::string, std::map<std::string, std::string>> config;
  // RLIMIT_NOFILE (soft and hard) for `tessera serve`, as `ulimit -n` would set it.
  std::optional<long> open_files_limit;
  // Where the test clock starts (Unix seconds), in the middle of a TOTP step.
  Timestamp start_time = from_unix_seconds(1'795'000'010);
  // Use this master key file instead of creating one (a second node of the same tenant).
  std::optional<std::filesystem::path> master_key_file;
  // Run `tessera init` in the constructor.
  bool init = true;
};

class TesseraProcess {
 public:
  explicit TesseraProcess(TesseraOptions options = {});
  // Stops the server (SIGKILL if SIGTERM does not end it within 10 s).
  ~TesseraProcess();
  TesseraProcess(const TesseraProcess&) = delete;
  TesseraProcess& operator=(const TesseraProcess&) = delete;

  // `tessera --config tessera.toml ARGS…` in the private directory, `input` on stdin.
  CommandRun cli(const std::vector<std::string>& args, const std::string& input = "") const;
  // cli() that must exit 0; the test fails (non-fatally) with the output otherwise.
  CommandRun must(const std::vector<std::string>& args, const std::string& input = "") const;
  // `tessera user add UPN --password-stdin` and `tessera mfa set UPN STATE`.
  void add_user(const std::string& upn, const std::string& password,
                const std::string& mfa_state = "disabled") const;

  // Starts `tessera serve` and waits (up to 20 s) until /healthz answers 200.
  ::testing::AssertionResult start();
  // SIGTERM and wait; then SIGKILL if it has not exited within 10 s. No-op when not running.
  void stop();
  // SIGKILL and wait, as a crash would.
  void kill();
  bool running();
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  // What `serve` printed to stdout and stderr so far (its JSON log lines included).
  std::string server_log() const;

  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path config_file() const { return dir_.path() / "tessera.toml"; }
  std::filesystem::path database_path() const { return dir_.path() / "data" / "tessera.db"; }
  std::filesystem::path master_key_file() const;

  // The shared test clock.
  Timestamp now() const { return now_; }
  void set_time(Timestamp t);
  void advance(std::chrono::seconds by) { set_time(now_ + by); }

 private:
  std::filesystem::path clock_file() const { return dir_.path() / "clock"; }
  std::filesystem::path log_file() const { return dir_.path() / "serve.log"; }
  void write_config();

  TesseraOptions options_;
  TempDir dir_;
  Timestamp now_{};
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int starts_ = 0;
};

}  // namespace tessera::testing
