// The process's file-descriptor budget, and how many connections fit in it. The usual soft limit
// (`ulimit -n`, 1024) is far below the default max_connections (10,000); a server that accepts
// until accept() fails with EMFILE can no longer open its database or answer anyone.
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/config.h"

namespace tessera {

struct OpenFilesLimit {
  std::uint64_t before = 0;  // the soft limit found at start
  std::uint64_t soft = 0;    // the soft limit now in force
  std::uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (which needs no privilege) and reports both. If
// the kernel refuses (e.g. an unlimited hard limit above fs.nr_open), the soft limit stays as it
// was. Process-wide: call once, at the start of `serve`.
OpenFilesLimit raise_open_files_limit();

// The soft RLIMIT_NOFILE in force now (UINT64_MAX when unlimited or unknown).
std::uint64_t open_files_limit();

// Descriptors tessera needs besides its connections: the HTTP server's extra ones, the store's
// connections (a SQLite connection holds up to three files: database, WAL and shared memory; a
// PostgreSQL one a socket), and the process's own (standard streams, key and configuration files,
// the random device, libraries) with room to spare.
std::size_t descriptors_besides_connections(const Config& config);

// How many connections to allow: server.max_connections, lowered when `open_files_limit` leaves
// less room after descriptors_besides_connections(). However small the limit, at least half of it
// (and at least one connection).
std::size_t connections_that_fit(const Config& config, std::uint64_t open_files_limit);

}  // namespace tessera
