// The `tessera` command line. run_cli parses argv, runs one sub-command and returns the process
// exit code: 0 on success, 1 when the command failed (one line on stderr says why), 2 for bad
// usage. Output for people goes to stdout; errors to stderr as "tessera: error: …".
#pragma once

#include <iosfwd>

namespace tessera {

int run_cli(int argc, char** argv);

}  // namespace tessera
