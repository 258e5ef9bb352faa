#include "app/open_files.h"

#include <algorithm>
#include <sys/resource.h>

#include "http/server.h"

namespace tessera {
namespace {

// Standard streams, the key and configuration files, /dev/urandom, the test clock, SQLite's
// temporary files and whatever a library opens: generous, since running out costs far more.
constexpr std::size_t kProcessDescriptors = 64;
constexpr std::size_t kDescriptorsPerStoreConnection = 3;
// pool_size 0 means a default of 4 (SQLite) or 8 (PostgreSQL); budget the larger.
constexpr std::size_t kDefaultStoreConnections = 8;

std::uint64_t as_count(rlim_t value) {
  return value == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(value);
}

}  // namespace

OpenFilesLimit raise_open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  OpenFilesLimit result{as_count(limit.rlim_cur), as_count(limit.rlim_cur),
                        as_count(limit.rlim_max)};
  if (limit.rlim_cur == limit.rlim_max) return result;
  rlimit raised = limit;
  raised.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) result.soft = as_count(raised.rlim_cur);
  return result;
}

std::uint64_t open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return UINT64_MAX;  // unknown: lower nothing
  return as_count(limit.rlim_cur);
}

std::size_t descriptors_besides_connections(const Config& config) {
  const std::size_t store_connections = config.storage.pool_size > 0
                                            ? static_cast<std::size_t>(config.storage.pool_size)
                                            : kDefaultStoreConnections;
  return kHttpServerExtraDescriptors + kDescriptorsPerStoreConnection * store_connections +
         kProcessDescriptors;
}

std::size_t connections_that_fit(const Config& config, std::uint64_t open_files_limit) {
  const std::uint64_t besides = descriptors_besides_connections(config);
  const std::uint64_t room =
      open_files_limit > besides ? open_files_limit - besides : std::uint64_t{0};
  const std::uint64_t fitting = std::max<std::uint64_t>({room, open_files_limit / 2, 1});
  return static_cast<std::size_t>(std::min<std::uint64_t>(config.server.max_connections, fitting));
}

}  // namespace tessera
