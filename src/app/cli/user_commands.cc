// `tessera user add|list|show|block|unblock|set-role|delete|reset-password`.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"
#include "app/cli/output.h"
#include "app/cli/text_table.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxStdinPassword = 1024;

// Reads one line from stdin as a password (for scripts: keeps it out of `ps` and shell history).
Result<SecretBytes> read_password_line() {
  std::string line;
  line.reserve(kMaxStdinPassword);
  int c = 0;
  while ((c = std::fgetc(stdin)) != EOF && c != '\n') {
    if (line.size() >= kMaxStdinPassword) {
      wipe_string(line);
      return invalid_argument("the password on standard input is too long");
    }
    line.push_back(static_cast<char>(c));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  SecretBytes password = SecretBytes::from_string(line);
  wipe_string(line);
  return password;
}

// Registers `tessera user NAME UPN` that runs `action` on the runtime's user service.
template <typename Action>
void add_upn_command(CLI::App& user, CommandContext& context, const char* name,
                     const char* description, Action action) {
  auto* command = user.add_subcommand(name, description);
  auto upn = std::make_shared<std::string>();
  command->add_option("UPN", *upn, "The user's sign-in name, like alice@example.com")->required();
  command->callback([&context, upn, action] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    action(**runtime, *upn);
  });
}

}  // namespace

void register_user_commands(CLI::App& app, CommandContext& context) {
  auto* user = app.add_subcommand("user", "Manage users");
  user->require_subcommand(1);

  {
    auto* add = user->add_subcommand("add", "Create a user");
    struct Options {
      std::string upn;
      std::string display_name;
      std::string password;
      bool password_stdin = false;
      bool temporary = false;
    };
    auto options = std::make_shared<Options>();
    add->add_option("UPN", options->upn, "Sign-in name, like alice@example.com")->required();
    add->add_option("--display-name", options->display_name, "Name shown on pages")->required();
    auto* password = add->add_option(
        "--password", options->password,
        "Initial password (must follow the password rules). Visible to other users of this "
        "machine in `ps` and kept in shell history: prefer --password-stdin");
    auto* stdin_flag = add->add_flag("--password-stdin", options->password_stdin,
                                     "Read the initial password from standard input");
    auto* temporary = add->add_flag(
        "--temporary-password", options->temporary,
        "Generate a temporary password, printed once; the user must change it at first sign-in "
        "(the default when no password is given)");
    password->excludes(stdin_flag)->excludes(temporary);
    stdin_flag->excludes(temporary);
    add->callback([&context, options] {
      NewUser request;
      request.upn = options->upn;
      request.display_name = options->display_name;
      if (options->password_stdin) {
        auto read = read_password_line();
        if (!read.ok()) return context.fail(read.status());
        request.password = std::move(*read);
      } else if (!options->password.empty()) {
        request.password = SecretBytes::from_string(options->password);
        wipe_string(options->password);
      }
      auto runtime = context.runtime();
      if (!runtime.ok()) return context.fail(runtime.status());
      auto added = (*runtime)->users().add_user(request, Actor::cli());
      if (!added.ok()) return context.fail(added.status());
      std::printf("Created %s (%s), MFA state %s.\n", added->user.upn.c_str(),
                  table_cell(added->user.display_name).c_str(),
                  std::string(to_string(added->user.mfa_state)).c_str());
      if (added->generated_password) {
        const SecretBytes& generated = *added->generated_password;
        std::printf("Temporary password: %.*s\n", static_cast<int>(generated.size()),
                    generated.view().data());
        std::printf("It is shown only now; the user must change it at first sign-in.\n");
      }
    });
  }

  {
    auto* list = user->add_subcommand("list", "List users");
    struct Options {
      std::string filter;
      std::string mfa_state;
      std::size_t limit = 100;
      std::size_t offset = 0;
    };
    auto options = std::make_shared<Options>();
    list->add_option("--filter", options->filter, "Only users whose UPN contains this text");
    list->add_option("--mfa-state", options->mfa_state, "Only users in this MFA state")
        ->check(CLI::IsMember({"disabled", "enabled", "enforced"}));
    list->add_option("--limit", options->limit, "At most this many users (1-1000)")
        ->check(CLI::Range(1, 1000));
    list->add_option("--offset", options->offset, "Skip this many users");
    list->callback([&context, options] {
      auto runtime = context.runtime();
      if (!runtime.ok()) return context.fail(runtime.status());
      UserListQuery query;
      query.upn_contains = options->filter;
      if (!options->mfa_state.empty()) query.mfa_state = parse_mfa_state(options->mfa_state);
      query.limit = options->limit;
      query.offset = options->offset;
      auto users = (*runtime)->users().list_users(query);
      if (!users.ok()) return context.fail(users.status());
      print_user_table(*users);
    });
  }

  add_upn_command(*user, context, "show", "Show a user and their sign-in methods",
                  [&context](Runtime& runtime, const std::string& upn) {
                    auto details = runtime.users().show_user(upn);
                    if (!details.ok()) return context.fail(details.status());
                    print_user_details(*details);
                  });
  add_upn_command(*user, context, "block", "Block sign-in and end the user's sessions",
                  [&context](Runtime& runtime, const std::string& upn) {
                    const Status status = runtime.users().block_user(upn, Actor::cli());
                    if (!status.ok()) return context.fail(status);
                    std::printf("Blocked %s.\n", upn.c_str());
                  });
  add_upn_command(*user, context, "unblock", "Allow sign-in again",
                  [&context](Runtime& runtime, const std::string& upn) {
                    const Status status = runtime.users().unblock_user(upn, Actor::cli());
                    if (!status.ok()) return context.fail(status);
                    std::printf("Unblocked %s.\n", upn.c_str());
                  });
  {
    auto* set_role = user->add_subcommand("set-role", "Make a user an admin or a member");
    auto upn = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    set_role->add_option("UPN", *upn, "The user's sign-in name")->required();
    set_role->add_option("ROLE", *role, "member or admin")
        ->required()
        ->check(CLI::IsMember({"member", "admin"}));
    set_role->callback([&context, upn, role] {
      auto runtime = context.runtime();
      if (!runtime.ok()) return context.fail(runtime.status());
      const Status status = (*runtime)->users().set_role(*upn, *parse_role(*role), Actor::cli());
      if (!status.ok()) return context.fail(status);
      std::printf("%s is now %s %s.\n", upn->c_str(), *role == "admin" ? "an" : "a", role->c_str());
    });
  }
  add_upn_command(*user, context, "delete", "Delete a user with their methods and sessions",
                  [&context](Runtime& runtime, const std::string& upn) {
                    const Status status = runtime.users().delete_user(upn, Actor::cli());
                    if (!status.ok()) return context.fail(status);
                    std::printf("Deleted %s.\n", upn.c_str());
                  });
  add_upn_command(*user, context, "reset-password",
                  "Set a new temporary password (printed once) and end the user's sessions",
                  [&context](Runtime& runtime, const std::string& upn) {
                    auto password = runtime.users().reset_password(upn, Actor::cli());
                    if (!password.ok()) return context.fail(password.status());
                    std::printf("Temporary password for %s: %.*s\n", upn.c_str(),
                                static_cast<int>(password->size()), password->view().data());
                    std::printf("It is shown only now; the user must change it at next sign-in.\n");
                  });
}

}  // namespace tessera
