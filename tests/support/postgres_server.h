// A throwaway PostgreSQL server for tests: initdb in a temporary directory (as the `postgres` user
// when running as root, since PostgreSQL refuses to run as root), listening on 127.0.0.1 on a free
// port, stopped and removed when the object dies. Never touches a system cluster.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"

namespace tessera::testing {

class PostgresServer {
 public:
  static Result<std::unique_ptr<PostgresServer>> start();
  ~PostgresServer();

  // A connection string for a new, empty database on this server.
  Result<std::string> create_database();
  std::uint16_t port() const { return port_; }

  // Freezes every process of the server (SIGSTOP), as a hung host or a VM paused would: its
  // sockets stay open and connect, but nothing answers. resume() undoes it (SIGCONT).
  Status pause();
  Status resume();
  // A fast restart (pg_ctl restart -m fast): every open session is ended.
  Status restart();

 private:
  PostgresServer(std::filesystem::path root, std::uint16_t port) : root_(root), port_(port) {}
  std::string url(const std::string& database) const;

  Status signal_all(int signal_number);
  std::string ctl(const std::string& action) const;

  std::filesystem::path root_;
  std::uint16_t port_;
  int databases_created_ = 0;
};

// One server shared by every test of the binary, started on first use and stopped at exit.
PostgresServer& shared_postgres_server();

}  // namespace tessera::testing
