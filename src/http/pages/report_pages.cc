// "This wasn't me" (docs/pages.md): the link in a sign-in email opens a page that asks, and only
// its POST reports (mail scanners open links; they do not submit forms). The link's token is the
// form's capability; the form's CSRF token is bound to it.
#include "http/pages/csrf.h"
#include "http/pages/page_handlers.h"
#include "http/pages/render.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxTokenLength = 128;

Response message(WebContext& context, int status, std::string heading, std::string text) {
  PageData data;
  data.set("heading", heading);
  data.set("text", std::move(text));
  data.set("link", "Go to sign in");
  data.set("href", "/signin");
  return render_page(status, "message", heading, std::move(data), context.tenant_name);
}

Response link_not_valid(WebContext& context) {
  return message(context, 404, "This link has expired",
                 "This link was already used or is more than a day old. If someone is signing in "
                 "to your account without you, contact your IT department.");
}

}  // namespace

void add_report_routes(Router& router, WebContext& context) {
  router.add(
      HttpMethod::get, std::string(kReportPath),
      [&context](const Request& request) {
        const auto query = request.query_params();
        const auto token = query.find("t");
        if (token == query.end() || token->second.size() > kMaxTokenLength) {
          return link_not_valid(context);
        }
        auto valid = context.fraud_reports.link_valid(token->second);
        if (!valid.ok()) return failure_page(context, valid.status());
        if (!*valid) return link_not_valid(context);
        auto blocks = context.fraud_reports.blocks_user();
        PageData data;
        data.set("csrf", csrf_token(context.csrf_key, token->second));
        data.set("token", token->second);
        data.set("blocks", page_flag(!blocks.ok() || *blocks));
        return render_page(200, "report_fraud", "Report a sign-in", std::move(data),
                           context.tenant_name);
      },
      Dispatch::blocking);
  router.add(
      HttpMethod::post, std::string(kReportPath),
      [&context](const Request& request) {
        const std::string& token = request.form_field("t");
        if (token.empty() || token.size() > kMaxTokenLength ||
            !csrf_valid(context.csrf_key, token, request.form_field("csrf"))) {
          return link_not_valid(context);
        }
        const Status reported = context.fraud_reports.report_by_link(token, request.client_ip);
        if (reported.code() == ErrorCode::not_found) return link_not_valid(context);
        if (!reported.ok()) return failure_page(context, reported);
        return message(context, 200, "Thank you for reporting it",
                       "We stopped that sign-in. Someone may know your password: change it as soon "
                       "as you can, or ask your IT department to.");
      },
      Dispatch::blocking);
}

}  // namespace tessera
