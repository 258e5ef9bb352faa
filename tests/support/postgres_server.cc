#include "support/postgres_server.h"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "storage/postgres_connection.h"

namespace tessera::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Runs a PostgreSQL tool as the postgres user when we are root.
int run_as_postgres(const std::string& command) {
  const std::string full = ::geteuid() == 0 ? "runuser -u postgres -- " + command : command;
  return std::system(full.c_str());
}

std::unique_ptr<PostgresServer>& shared_slot() {
  static std::unique_ptr<PostgresServer> server;
  return server;
}

class StopSharedServer : public ::testing::Environment {
 public:
  void TearDown() override { shared_slot().reset(); }
};
[[maybe_unused]] const auto* const kStopAtExit =
    ::testing::AddGlobalTestEnvironment(new StopSharedServer);

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  if (!std::filesystem::exists(std::string(kBin) + "/initdb")) {
    return not_found(std::string("PostgreSQL 15 is not installed (no ") + kBin +
                     "/initdb); run scripts/install-deps.sh");
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "tessera-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return internal_error("mkdtemp failed");
  const std::filesystem::path root = pattern;
  if (::geteuid() == 0) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr) return not_found("there is no postgres user to run PostgreSQL as");
    if (::chown(root.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      return internal_error("cannot hand " + root.string() + " to the postgres user");
    }
  }
  const std::uint16_t port = free_port();
  std::unique_ptr<PostgresServer> server(new PostgresServer(root, port));
  const std::string data = (root / "data").string();
  if (run_as_postgres(std::string(kBin) + "/initdb --auth=trust --username=postgres -E UTF8 " +
                      "--no-sync -D " + data + " >" + (root / "initdb.log").string() + " 2>&1") !=
      0) {
    return internal_error("initdb failed; see " + (root / "initdb.log").string());
  }
  const std::string options = "-p " + std::to_string(port) + " -k " + root.string() +
                              " -c listen_addresses=127.0.0.1 -c fsync=off"
                              " -c synchronous_commit=off -c full_page_writes=off";
  if (run_as_postgres(std::string(kBin) + "/pg_ctl -w -t 60 -D " + data + " -l " +
                      (root / "server.log").string() + " -o '" + options + "' start >/dev/null") !=
      0) {
    return internal_error("PostgreSQL did not start; see " + (root / "server.log").string());
  }
  return server;
}

Status PostgresServer::signal_all(int signal_number) {
  std::ifstream pid_file(root_ / "data" / "postmaster.pid");
  pid_t postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) return internal_error("no postmaster.pid");
  // The postmaster first, so it cannot start a child that misses the signal.
  if (::kill(postmaster, signal_number) != 0) return internal_error("cannot signal the postmaster");
  std::ifstream children("/proc/" + std::to_string(postmaster) + "/task/" +
                         std::to_string(postmaster) + "/children");
  for (pid_t child = 0; children >> child;)
    (void)::kill(child, signal_number);
  return Status();
}

Status PostgresServer::pause() {
  return signal_all(SIGSTOP);
}
Status PostgresServer::resume() {
  return signal_all(SIGCONT);
}

Status PostgresServer::restart() {
  if (run_as_postgres(ctl("-m fast -w -t 60 restart")) != 0) {
    return internal_error("PostgreSQL did not restart; see " + (root_ / "server.log").string());
  }
  return Status();
}

std::string PostgresServer::ctl(const std::string& action) const {
  return std::string(kBin) + "/pg_ctl -D " + (root_ / "data").string() + " -l " +
         (root_ / "server.log").string() + " " + action + " >/dev/null 2>&1";
}

PostgresServer::~PostgresServer() {
  (void)resume();  // a paused server cannot stop
  run_as_postgres(ctl("-m immediate stop"));
  std::error_code error;
  std::filesystem::remove_all(root_, error);
}

std::string PostgresServer::url(const std::string& database) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + database;
}

Result<std::string> PostgresServer::create_database() {
  const std::string name = "tessera_test_" + std::to_string(++databases_created_);
  TESSERA_ASSIGN_OR_RETURN(auto admin, open_postgres_connection(url("postgres")));
  TESSERA_RETURN_IF_ERROR(admin->execute_script("CREATE DATABASE " + name));
  return url(name);
}

PostgresServer& shared_postgres_server() {
  auto& server = shared_slot();
  if (!server) {
    auto started = PostgresServer::start();
    if (!started.ok()) {
      ADD_FAILURE() << "cannot start a test PostgreSQL: " << started.status().message();
      std::abort();
    }
    server = std::move(started).value();
  }
  return *server;
}

}  // namespace tessera::testing
