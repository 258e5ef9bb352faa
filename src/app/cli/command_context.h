// What every sub-command shares: the --config option, and lazily the loaded Config and Runtime.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/config.h"
#include "app/runtime.h"
#include "base/result.h"

namespace CLI {
class App;
}

namespace tessera {

class CommandContext {
 public:
  std::string config_path;  // empty = defaults

  Result<Config> config();
  // Lets the runtime create a missing SQLite database file (`tessera init` only); call before
  // runtime().
  void allow_creating_database() { create_database_ = true; }
  // Opens the runtime once per process; `migration` applies only to the first call.
  Result<Runtime*> runtime(Runtime::Migration migration = Runtime::Migration::require_current);

  // Records the outcome of the command that ran; run_cli turns it into the exit code.
  void fail(const Status& status);
  int exit_code() const { return exit_code_; }

 private:
  std::optional<Config> config_;
  std::unique_ptr<Runtime> runtime_;
  bool create_database_ = false;
  int exit_code_ = 0;
};

// Each file in cli/ registers its sub-commands on the root app.
void register_init_command(CLI::App& app, CommandContext& context);
void register_serve_command(CLI::App& app, CommandContext& context);
void register_migrate_command(CLI::App& app, CommandContext& context);
void register_check_config_command(CLI::App& app, CommandContext& context);
void register_user_commands(CLI::App& app, CommandContext& context);
void register_mfa_commands(CLI::App& app, CommandContext& context);
void register_policy_commands(CLI::App& app, CommandContext& context);
void register_log_commands(CLI::App& app, CommandContext& context);
void register_client_commands(CLI::App& app, CommandContext& context);

}  // namespace tessera
