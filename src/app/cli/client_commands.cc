// `tessera client add|list|show|delete` (the apps that sign in through tessera with OpenID
// Connect) and `tessera keys rotate` (its signing keys).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"
#include "app/cli/text_table.h"
#include "base/ids.h"
#include "base/time_format.h"

namespace tessera {
namespace {

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

void print_client(const OidcClient& client) {
  std::vector<std::vector<std::string>> rows{
      {"client id", client.id},
      {"name", client.name},
      {"type", client.is_public() ? "public (PKCE, no secret)" : "confidential"},
      {"grants", joined(client.grants, " ")},
      {"require MFA", client.require_mfa ? "yes" : "no"},
      {"ID token alg", client.id_token_alg},
      {"created", format_timestamp(client.created_at)}};
  for (const std::string& uri : client.redirect_uris)
    rows.push_back({"redirect URI", uri});
  for (const std::string& uri : client.post_logout_redirect_uris) {
    rows.push_back({"post-logout URI", uri});
  }
  std::fputs(format_table(rows).c_str(), stdout);
}

}  // namespace

void register_client_commands(CLI::App& app, CommandContext& context) {
  auto* client = app.add_subcommand("client",
                                    "Apps that sign people in through tessera (OpenID "
                                    "Connect relying parties)");
  client->require_subcommand(1);

  struct AddOptions {
    std::string name;
    std::vector<std::string> redirect_uris;
    std::vector<std::string> post_logout_uris;
    std::vector<std::string> grants;
    bool public_client = false;
    bool require_mfa = false;
    std::string alg = "ES256";
  };
  auto add_options = std::make_shared<AddOptions>();
  auto* add = client->add_subcommand(
      "add", "Register an app; prints its client id and, unless --public, its secret (once)");
  add->add_option("NAME", add_options->name, "What people and the logs call the app")->required();
  add->add_option("--redirect-uri", add_options->redirect_uris,
                  "Where the app receives its code, exactly (repeatable; required unless the "
                  "app only uses --grant client_credentials)");
  add->add_option("--post-logout-redirect-uri", add_options->post_logout_uris,
                  "Where the app may send people after signing out, exactly (repeatable)");
  add->add_option("--grant", add_options->grants,
                  "authorization_code, refresh_token, client_credentials (repeatable; default "
                  "authorization_code and refresh_token)")
      ->check(CLI::IsMember({"authorization_code", "refresh_token", "client_credentials"}));
  add->add_flag("--public", add_options->public_client,
                "A browser or mobile app that cannot keep a secret: PKCE instead");
  add->add_flag("--require-mfa", add_options->require_mfa,
                "Every sign-in to this app proves a second factor, whatever the request asks");
  add->add_option("--id-token-alg", add_options->alg, "ES256 (default) or RS256")
      ->check(CLI::IsMember({"ES256", "RS256"}));
  add->callback([&context, add_options] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    NewClient wanted{add_options->name,
                     add_options->redirect_uris,
                     add_options->post_logout_uris,
                     add_options->public_client,
                     add_options->grants,
                     add_options->require_mfa,
                     add_options->alg};
    auto added = (*runtime)->clients().add(wanted, Actor::cli());
    if (!added.ok()) return context.fail(added.status());
    std::printf("Added %s.\nclient_id:     %s\n", added->client.name.c_str(),
                added->client.id.c_str());
    if (!added->client.is_public()) {
      std::printf("client_secret: %s\nThe secret is shown only now: store it in the app.\n",
                  std::string(added->secret.view()).c_str());
    }
  });

  auto* list = client->add_subcommand("list", "List the registered apps");
  list->callback([&context] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto clients = (*runtime)->clients().list();
    if (!clients.ok()) return context.fail(clients.status());
    std::vector<std::vector<std::string>> rows{{"CLIENT ID", "NAME", "TYPE", "GRANTS"}};
    for (const OidcClient& c : *clients) {
      rows.push_back(
          {c.id, c.name, c.is_public() ? "public" : "confidential", joined(c.grants, " ")});
    }
    std::fputs(format_table(rows).c_str(), stdout);
  });

  auto show_id = std::make_shared<std::string>();
  auto* show = client->add_subcommand("show", "Show one app's registration");
  show->add_option("CLIENT_ID", *show_id, "The app's client id")->required();
  show->callback([&context, show_id] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto found = (*runtime)->clients().find(*show_id);
    if (!found.ok()) return context.fail(found.status());
    print_client(*found);
  });

  auto delete_id = std::make_shared<std::string>();
  auto* remove =
      client->add_subcommand("delete", "Delete an app: its refresh tokens stop working at once");
  remove->add_option("CLIENT_ID", *delete_id, "The app's client id")->required();
  remove->callback([&context, delete_id] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    const Status removed = (*runtime)->clients().remove(*delete_id, Actor::cli());
    if (!removed.ok()) return context.fail(removed);
    std::printf("Deleted client %s.\n", delete_id->c_str());
  });

  auto* keys = app.add_subcommand("keys", "The signing keys of tokens");
  keys->require_subcommand(1);
  auto* rotate = keys->add_subcommand(
      "rotate", "Make new ES256 and RS256 keys sign; the old ones stay in the JWKS for a day");
  rotate->callback([&context] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    const AuditLogEntry audit{
        new_id((*runtime)->rng()), (*runtime)->clock().now(), "cli", "keys.rotate", "signing keys",
        "new ES256 and RS256 keys"};
    const Status rotated = (*runtime)->keys().rotate(&audit);
    if (!rotated.ok()) return context.fail(rotated);
    std::printf(
        "New signing keys are in use; tokens signed by the old ones stay valid until "
        "they expire.\n");
  });
}

}  // namespace tessera
