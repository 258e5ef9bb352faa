// "Forgot my password" (docs/pages.md): "Get back into your account" asks for the username, then
// for each proof a contact method and its destination typed in full, then the code it got, then a
// new password. One POST route per step, each answering with the page of the step the flow
// reached; GET shows the page the flow is at. The flow lives in its own cookie; every POST's CSRF
// token is bound to it.
#include "http/pages/cookies.h"
#include "http/pages/csrf.h"
#include "http/pages/page_handlers.h"
#include "http/pages/render.h"

namespace tessera {
namespace {

constexpr const char* kTitle = "Get back into your account";

Response reset_response(const Request& request, WebContext& context, const ResetPage& page) {
  const std::string& tenant = context.tenant_name;
  PageData data;
  data.set("csrf", csrf_token(context.csrf_key, page.flow_id));
  if (!page.upn.empty()) data.set("upn", page.upn);
  std::string error = page.problem;
  // A user's code lockout looks like a wrong code: only a real destination can be locked.
  if (page.code_locked) error = "That code didn't work. Check the code and try again.";
  // What became of the message is never shown: a stand-in (a name that is no user, a
  // destination that is not theirs) sends nothing, and its page must look the same.
  if (page.password_problem) error = std::string(password_problem_text(*page.password_problem));
  if (!error.empty()) data.set("error", error);
  Response response;
  const int status = page.retry_after_seconds > 0 ? 429 : 200;
  if (const auto* choose = std::get_if<step::ResetChooseProof>(&page.flow.step)) {
    data.set("upn", choose->upn);
    data.set("proof_number", std::to_string(page.proof_number));
    data.set("proofs_required", std::to_string(page.proofs_required));
    PageData choices = page_list();
    int index = 0;
    for (const ResetChoice& choice : page.choices) {
      PageData item;
      item.set("index", std::to_string(index));
      item.set("choice", choice.choice);
      item.set("text", choice.text);
      item.set("checked", page_flag(index == 0));
      choices.push_back(item);
      ++index;
    }
    data.set("choices", choices);
    response = render_page(status, "reset_choose", kTitle, std::move(data), tenant);
  } else if (const auto* challenging = std::get_if<step::Challenging>(&page.flow.step)) {
    const SignInMethod* method = context.methods.find(challenging->kind);
    if (method == nullptr) return Response::redirect("/signin/forgot");
    const MethodStage stage{challenging->stage, challenging->state, std::nullopt};
    data.set("action", "/signin/forgot/code");
    data.set("step", challenging->stage);
    response = method_page(status, *method,
                           method->challenge_view(stage, ViewContext{page.upn, tenant, true}),
                           std::move(data), tenant);
  } else if (std::holds_alternative<step::ResetNewPassword>(page.flow.step)) {
    response =
        render_page(status, "reset_password", "Choose a new password", std::move(data), tenant);
  } else if (std::holds_alternative<step::ResetDone>(page.flow.step)) {
    PageData done;
    done.set("heading", "Your password was reset");
    done.set("text",
             "You can now sign in with your new password. You were signed out everywhere "
             "else.");
    done.set("link", "Sign in");
    done.set("href", "/signin");
    response = render_page(200, "message", "Your password was reset", std::move(done), tenant);
    clear_cookie(response, request, kResetCookie);
    return response;
  } else {
    data.set("not_enabled", page_flag(page.not_enabled));
    response = render_page(status, "reset_username", kTitle, std::move(data), tenant);
  }
  if (page.retry_after_seconds > 0) {
    response.set_header("Retry-After", std::to_string(page.retry_after_seconds));
  }
  set_cookie(response, request, kResetCookie, page.flow_id);
  return response;
}

using Submit = std::function<Result<ResetPage>(const Request&, const std::string& flow_id,
                                               const std::map<std::string, std::string>& form)>;

// Every reset POST: the CSRF token must match the flow cookie, else the reset starts over.
Handler reset_post(WebContext& context, Submit submit) {
  return [&context, submit = std::move(submit)](const Request& request) -> Response {
    const std::string flow_id = cookie_value(request, kResetCookie);
    const auto& form = request.form_params();
    const auto csrf = form.find("csrf");
    if (csrf == form.end() || !csrf_valid(context.csrf_key, flow_id, csrf->second)) {
      auto fresh = context.password_reset.start();
      if (!fresh.ok()) return failure_page(context, fresh.status());
      Response response = reset_response(request, context, *fresh);
      response.status = 403;
      return response;
    }
    auto page = submit(request, flow_id, form);
    if (!page.ok()) return failure_page(context, page.status());
    return reset_response(request, context, *page);
  };
}

std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
  const auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

}  // namespace

void add_password_reset_routes(Router& router, WebContext& context) {
  const Handler busy = [&context](const Request& request) { return busy_page(request, context); };
  // "Forgot my password" always starts afresh; /signin/forgot/current shows where a reset is.
  router.add(
      HttpMethod::get, "/signin/forgot",
      [&context](const Request& request) -> Response {
        auto page = context.password_reset.start();
        if (!page.ok()) return failure_page(context, page.status());
        return reset_response(request, context, *page);
      },
      Dispatch::blocking, busy);
  router.add(
      HttpMethod::get, "/signin/forgot/current",
      [&context](const Request& request) -> Response {
        auto page = context.password_reset.current(cookie_value(request, kResetCookie));
        if (!page.ok()) return failure_page(context, page.status());
        return reset_response(request, context, *page);
      },
      Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/forgot/username",
             reset_post(context,
                        [&context](const Request& request, const std::string& flow_id,
                                   const std::map<std::string, std::string>& form) {
                          return context.password_reset.submit_username(
                              flow_id, field(form, "step"), field(form, "username"),
                              request.client_ip);
                        }),
             Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/forgot/way",
             reset_post(context,
                        [&context](const Request&, const std::string& flow_id,
                                   const std::map<std::string, std::string>& form) {
                          return context.password_reset.submit_way(flow_id, field(form, "step"),
                                                                   field(form, "choice"),
                                                                   field(form, "destination"));
                        }),
             Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/forgot/code",
             reset_post(context,
                        [&context](const Request&, const std::string& flow_id,
                                   const std::map<std::string, std::string>& form) {
                          return context.password_reset.submit_code(flow_id, field(form, "step"),
                                                                    form);
                        }),
             Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/forgot/password",
             reset_post(context,
                        [&context](const Request&, const std::string& flow_id,
                                   const std::map<std::string, std::string>& form) {
                          return context.password_reset.submit_new_password(
                              flow_id, field(form, "step"),
                              SecretBytes::from_string(field(form, "new")),
                              SecretBytes::from_string(field(form, "confirm")));
                        }),
             Dispatch::password, busy);
}

}  // namespace tessera
