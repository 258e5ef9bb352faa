// Small helpers for tests that run commands and read what they print.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tessera::testing {

// Runs a shell command line; its exit status (-1 when it did not exit normally).
int run_shell(const std::string& command);
// Single-quotes `text` for /bin/sh.
std::string shell_quote(const std::string& text);
// The whole file; "" when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);
// The lines of `text`, without their newlines.
std::vector<std::string> lines_of(const std::string& text);
// Cells of a table row as a script (or a reader's eye) finds them: runs of two or more spaces
// separate them.
std::vector<std::string> split_on_space_runs(const std::string& line);

}  // namespace tessera::testing
