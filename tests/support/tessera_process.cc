#include "support/tessera_process.h"

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "support/http_client.h"

#ifndef TESSERA_BINARY
#error "TESSERA_BINARY must name the tessera executable"
#endif

namespace tessera::testing {
namespace {

using namespace std::chrono_literals;

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// Waits up to `timeout` for `pid` to exit; true when it did (and was reaped).
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

TesseraProcess::TesseraProcess(TesseraOptions options) : options_(std::move(options)) {
  set_time(options_.start_time);
  std::filesystem::create_directories(dir_.path() / "data");
  if (options_.master_key_file) {
    std::filesystem::copy_file(*options_.master_key_file, master_key_file());
    std::filesystem::permissions(master_key_file(), std::filesystem::perms::owner_read |
                                                        std::filesystem::perms::owner_write);
  }
  write_config();
  if (options_.init) must({"init"});
}

TesseraProcess::~TesseraProcess() {
  stop();
}

std::filesystem::path TesseraProcess::master_key_file() const {
  return dir_.path() / "data" / "master.key";
}

void TesseraProcess::write_config() {
  std::map<std::string, std::map<std::string, std::string>> sections;
  sections["server"]["address"] = "\"127.0.0.1\"";
  sections["server"]["port"] = "0";
  if (options_.postgres_url.empty()) {
    sections["storage"]["sqlite_path"] = toml_string(database_path().string());
  } else {
    sections["storage"]["kind"] = "\"postgres\"";
    sections["storage"]["postgres_url"] = toml_string(options_.postgres_url);
  }
  sections["security"]["master_key_file"] = toml_string(master_key_file().string());
  // One of OWASP's recommended pairs (9 MiB, 4 passes): cheaper than the default, and accepted.
  sections["password_hashing"]["memory_kib"] = "9216";
  sections["password_hashing"]["iterations"] = "4";
  for (const auto& [section, values] : options_.config) {
    for (const auto& [key, value] : values)
      sections[section][key] = value;
  }
  std::ofstream out(config_file());
  for (const auto& [section, values] : sections) {
    out << "[" << section << "]\n";
    for (const auto& [key, value] : values)
      out << key << " = " << value << "\n";
  }
}

void TesseraProcess::set_time(Timestamp t) {
  now_ = t;
  // Written beside and renamed, so a reader never sees half a number.
  const auto temporary = dir_.path() / "clock.new";
  std::ofstream(temporary) << to_unix_seconds(t) << "\n";
  std::filesystem::rename(temporary, clock_file());
}

CommandRun TesseraProcess::cli(const std::vector<std::string>& args,
                               const std::string& input) const {
  static std::atomic<int> counter{0};
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
  const auto in = dir_.path() / ("cli-" + tag + ".in");
  const auto out = dir_.path() / ("cli-" + tag + ".out");
  const auto err = dir_.path() / ("cli-" + tag + ".err");
  std::ofstream(in) << input;
  std::string command = "cd " + shell_quote(dir_.path().string()) +
                        " && env -u TESSERA_MASTER_KEY TESSERA_TEST_CLOCK_FILE=" +
                        shell_quote(clock_file().string()) + " " + TESSERA_BINARY +
                        " --config tessera.toml";
  for (const std::string& arg : args)
    command += " " + shell_quote(arg);
  command += " <" + shell_quote(in.string()) + " >" + shell_quote(out.string()) + " 2>" +
             shell_quote(err.string());
  CommandRun run;
  run.exit_code = run_shell(command);
  run.out = read_text_file(out);
  run.err = read_text_file(err);
  std::error_code ignored;
  std::filesystem::remove(in, ignored);
  std::filesystem::remove(out, ignored);
  std::filesystem::remove(err, ignored);
  return run;
}

CommandRun TesseraProcess::must(const std::vector<std::string>& args,
                                const std::string& input) const {
  CommandRun run = cli(args, input);
  std::string line;
  for (const std::string& arg : args)
    line += " " + arg;
  EXPECT_EQ(run.exit_code, 0) << "tessera" << line << "\n" << run.out << run.err;
  return run;
}

void TesseraProcess::add_user(const std::string& upn, const std::string& password,
                              const std::string& mfa_state) const {
  must({"user", "add", upn, "--display-name", upn.substr(0, upn.find('@')), "--password-stdin"},
       password + "\n");
  if (mfa_state != "disabled") must({"mfa", "set", upn, mfa_state});
}

::testing::AssertionResult TesseraProcess::start() {
  if (running()) return ::testing::AssertionFailure() << "tessera serve is already running";
  ++starts_;
  std::ofstream(log_file(), std::ios::app) << "--- start " << starts_ << "\n";
  const std::string clock = clock_file().string();
  const std::string config = config_file().string();
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) return ::testing::AssertionFailure() << "fork failed";
  if (child == 0) {
    // The server must not outlive a test binary that crashed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (options_.open_files_limit) {
      const rlimit limit{static_cast<rlim_t>(*options_.open_files_limit),
                         static_cast<rlim_t>(*options_.open_files_limit)};
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
    }
    const int log = ::open(log_file().c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (log < 0) ::_exit(125);
    ::dup2(log, 1);
    ::dup2(log, 2);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    if (::chdir(dir_.path().c_str()) != 0) ::_exit(124);
    ::unsetenv("TESSERA_MASTER_KEY");
    ::setenv("TESSERA_TEST_CLOCK_FILE", clock.c_str(), 1);
    // Everything else open in the child would be inherited by tessera; close it. All of it: a
    // test may hold more than 1024 descriptors (see connection_limits_test.cc).
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 1024; ++fd)
        ::close(fd);
    }
    const char* argv[] = {TESSERA_BINARY, "--config", config.c_str(), "serve", nullptr};
    ::execv(TESSERA_BINARY, const_cast<char* const*>(argv));
    ::_exit(123);
  }
  pid_ = child;
  port_ = 0;
  // `serve` prints "tessera is serving on http://ADDRESS:PORT/"; the last start's line counts.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      return ::testing::AssertionFailure() << "tessera serve exited:\n" << server_log();
    }
    const std::string log = server_log();
    const std::string marker = "--- start " + std::to_string(starts_) + "\n";
    const std::size_t this_start = log.rfind(marker);
    const std::size_t line = log.find("serving on http://", this_start);
    if (line != std::string::npos) {
      const std::size_t colon = log.find(':', line + std::string("serving on http://").size());
      port_ = static_cast<std::uint16_t>(std::atoi(log.c_str() + colon + 1));
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  if (port_ == 0) {
    return ::testing::AssertionFailure() << "tessera serve printed no address:\n" << server_log();
  }
  while (std::chrono::steady_clock::now() < deadline) {
    auto health = fetch(port_, "GET", "/healthz");
    if (health && health->status == 200) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(20ms);
  }
  return ::testing::AssertionFailure() << "/healthz did not answer 200:\n" << server_log();
}

bool TesseraProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_ || (done < 0 && errno == ECHILD)) {
    pid_ = -1;
    return false;
  }
  return true;
}

void TesseraProcess::stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(pid_, 10s)) {
    ADD_FAILURE() << "tessera serve did not stop within 10 s of SIGTERM";
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, 10s);
  }
  pid_ = -1;
}

void TesseraProcess::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_, 10s);
  pid_ = -1;
}

std::string TesseraProcess::server_log() const {
  return read_text_file(log_file());
}

}  // namespace tessera::testing
