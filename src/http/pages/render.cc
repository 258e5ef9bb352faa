#include "http/pages/render.h"

#include <map>
#include <memory>
#include <span>
#include <stdexcept>

namespace tessera {

std::string_view page_asset(std::string_view name);

namespace {

constexpr std::string_view kPageTemplates[] = {
    "layout",         "sign_in",      "enter_password",      "update_password", "more_information",
    "choose_method",  "enter_code",   "stay_signed_in",      "other_ways",      "reset_username",
    "message",        "busy",         "security_info",       "delete_method",   "dev_outbox",
    "default_method", "report_fraud", "keep_account_secure", "reset_choose",    "reset_password",
    "form_post",      "sign_out",
};

std::string template_file(std::string_view name) {
  return std::string(name) + ".mustache";
}

// Parsed once per thread: kainjow's render() is not const, so threads do not share them. `source`
// gives the text the first time `key` is seen.
std::string render_cached(std::string_view key, const std::function<std::string_view()>& source,
                          const PageData& data) {
  thread_local std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>, std::less<>>
      compiled;
  auto found = compiled.find(key);
  if (found == compiled.end()) {
    const std::string_view text = source();
    if (text.empty()) throw std::logic_error("no template " + std::string(key));
    auto parsed = std::make_unique<kainjow::mustache::mustache>(std::string(text));
    if (!parsed->is_valid()) {
      throw std::logic_error("template " + std::string(key) + ": " + parsed->error_message());
    }
    found = compiled.emplace(std::string(key), std::move(parsed)).first;
  }
  return found->second->render(data);
}

std::string render_template(std::string_view name, const PageData& data) {
  return render_cached(
      name, [name] { return page_asset(template_file(name)); }, data);
}

void add_security_headers(Response& response) {
  response.set_header("Content-Security-Policy",
                      "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");
}

// A page whose data sets "refresh" (seconds) reloads itself, without JavaScript.
Response in_layout(int status, std::string body, std::string_view title, std::string_view tenant,
                   const PageData& data) {
  PageData layout;
  if (const PageData* refresh = data.get("refresh"); refresh != nullptr && refresh->is_string()) {
    layout.set("refresh", refresh->string_value());
  }
  if (const PageData* banner = data.get("banner"); banner != nullptr && banner->is_string()) {
    layout.set("banner", banner->string_value());
  }
  layout.set("title", std::string(title));
  layout.set("tenant", std::string(tenant));
  layout.set("body", std::move(body));
  Response response = Response::html(status, render_template("layout", layout));
  add_security_headers(response);
  return response;
}

}  // namespace

Response render_page(int status, std::string_view template_name, std::string_view title,
                     PageData data, std::string_view tenant) {
  data.set("tenant", std::string(tenant));
  std::string body = render_template(template_name, data);
  return in_layout(status, std::move(body), title, tenant, data);
}

Response render_page_text(int status, std::string_view key, std::string_view template_text,
                          std::string_view title, PageData data, std::string_view tenant) {
  data.set("tenant", std::string(tenant));
  const std::string cache_key = "text:" + std::string(key);
  std::string body = render_cached(
      cache_key, [template_text] { return template_text; }, data);
  return in_layout(status, std::move(body), title, tenant, data);
}

std::span<const std::string_view> page_template_names() {
  return kPageTemplates;
}

Status check_templates(std::span<const std::string_view> names,
                       const std::function<std::string_view(std::string_view)>& source) {
  for (const std::string_view name : names) {
    const std::string_view text = source(name);
    if (text.empty()) {
      return failed_precondition("page template " + template_file(name) + " is missing");
    }
    const kainjow::mustache::mustache parsed{std::string(text)};
    if (!parsed.is_valid()) {
      return failed_precondition("page template " + template_file(name) +
                                 " does not parse: " + parsed.error_message());
    }
  }
  return Status();
}

Status check_page_templates() {
  return check_templates(page_template_names(),
                         [](std::string_view name) { return page_asset(template_file(name)); });
}

Response stylesheet() {
  Response response;
  response.body = std::string(page_asset("tessera.css"));
  response.set_header("Content-Type", "text/css; charset=utf-8");
  response.set_header("Cache-Control", "public, max-age=3600");
  return response;
}

}  // namespace tessera
