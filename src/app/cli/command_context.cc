#include "app/cli/command_context.h"

#include <cstdio>

namespace tessera {

Result<Config> CommandContext::config() {
  if (!config_) {
    if (config_path.empty()) {
      config_ = default_config();
    } else {
      TESSERA_ASSIGN_OR_RETURN(Config loaded, load_config(config_path));
      config_ = std::move(loaded);
    }
    set_log_level(config_->log_level);
  }
  return *config_;
}

Result<Runtime*> CommandContext::runtime(Runtime::Migration migration) {
  if (!runtime_) {
    TESSERA_ASSIGN_OR_RETURN(Config loaded, config());
    loaded.storage.create_if_missing = create_database_;
    TESSERA_ASSIGN_OR_RETURN(runtime_, Runtime::open(loaded, migration));
  }
  return runtime_.get();
}

void CommandContext::fail(const Status& status) {
  std::fprintf(stderr, "tessera: error: %s\n", status.message().c_str());
  exit_code_ = 1;
}

}  // namespace tessera
