// The sign-in pages (docs/pages.md): one POST route per step, each answering with the page of the
// step the flow reached. GETs show the page the flow is at, so a URL can never skip a step.
#include "base/log.h"
#include "base/time_format.h"
#include "http/pages/cookies.h"
#include "http/pages/csrf.h"
#include "http/pages/page_handlers.h"
#include "http/pages/render.h"
#include "service/code_input.h"

namespace tessera {
namespace {

std::string minutes_text(int minutes) {
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

std::string step_message(const SignInPage& page) {
  if (page.code_locked) {
    return code_lockout_message(page.locked_minutes);
  }
  switch (page.message) {
    case StepMessage::none:
      return "";
    case StepMessage::wrong_password:
      return "Your account or password is incorrect.";
    case StepMessage::account_locked:
      return "Your account is temporarily locked to prevent unauthorized use. Try again in " +
             minutes_text(std::max(1, page.locked_minutes)) + ".";
    case StepMessage::account_blocked:
      return "Your account has been blocked. Contact your administrator.";
    case StepMessage::wrong_code:
      return "That code didn't work. Check the code and try again.";
    case StepMessage::network_throttled:
      return "Too many failed sign-ins from your network. Try again in " +
             minutes_text(std::max(1, page.locked_minutes)) + ".";
    case StepMessage::too_many_sign_ins:
      return "Too many sign-ins from your network right now. Try again later (in " +
             minutes_text(std::max(1, page.locked_minutes)) + " at most).";
    case StepMessage::code_already_used:
      return "That code has already been used. Wait for the next code in your app.";
    case StepMessage::call_not_approved:
      return "We didn't receive the expected response from your phone. Try again or sign in "
             "another way.";
  }
  return "";
}

// What a page at a method's stage says about the message the stage sent, if anything.
std::string notice_text(SignInFlow::Notice notice) {
  switch (notice) {
    case SignInFlow::Notice::none:
      return "";
    case SignInFlow::Notice::interrupted:
      return "Your sign-in session expired or was interrupted. Sign in again.";
    case SignInFlow::Notice::too_many_attempts:
      return "Too many attempts. Sign in again.";
  }
  return "";
}

SignInClient client_of(const Request& request) {
  // The app, when the flow is an app's, is the flow's (SignInFlow::app).
  return SignInClient{request.client_ip, "Security info", cookie_value(request, kDeviceCookie)};
}

}  // namespace

// The sentence "Update your password" shows for a refused new password.
std::string_view password_problem_text(const PasswordProblem& problem) {
  switch (problem.kind) {
    case PasswordProblem::Kind::current_password_wrong:
      return "Your current password is incorrect.";
    case PasswordProblem::Kind::confirmation_differs:
      return "The passwords don't match.";
    case PasswordProblem::Kind::same_as_current:
      return "Your new password must be different from the current one.";
    case PasswordProblem::Kind::breaks_a_rule:
      break;
  }
  switch (problem.rule) {
    case PasswordRefusal::not_text:
      return "Your password contains characters that are not allowed.";
    case PasswordRefusal::too_short:
      return "Your password must be at least 8 characters long.";
    case PasswordRefusal::too_long:
      return "Your password can be at most 128 characters long.";
    case PasswordRefusal::common:
      return "Your password is one of the most commonly used passwords. Choose a different one.";
    case PasswordRefusal::names_you:
      return "Your password can't be your name or your username.";
  }
  return "Choose a different password.";
}

std::string code_lockout_message(int minutes) {
  return "Too many wrong codes. Your account is locked for " + std::to_string(minutes) +
         (minutes == 1 ? " minute." : " minutes.");
}

Response failure_page(WebContext& context, const Status& status) {
  log_event(LogLevel::error, "page_failed", {{"error", status.to_string()}});
  PageData data;
  data.set("heading", "Something went wrong");
  data.set("text", "We couldn't complete your request. Try again in a moment.");
  data.set("link", "Back to sign in");
  data.set("href", "/signin");
  const bool retry =
      status.code() == ErrorCode::unavailable || status.code() == ErrorCode::resource_exhausted;
  const int code = retry ? 503 : 500;
  Response response =
      render_page(code, "message", "Something went wrong", std::move(data), context.tenant_name);
  if (code == 503) response.set_header("Retry-After", "5");
  return response;
}

Response busy_page(const Request& request, WebContext& context) {
  PageData data;
  // Every sign-in path answers GET with the page the flow is at, so nothing typed is lost but the
  // password itself.
  data.set("href", request.path);
  Response response =
      render_page(503, "busy", "Too many sign-ins right now", std::move(data), context.tenant_name);
  // About what a full queue of password requests takes to drain at the default Argon2id cost.
  response.set_header("Retry-After", "5");
  return response;
}

namespace {

Response sign_in_page(const Request& request, WebContext& context, const SignInPage& page) {
  const std::string& tenant = context.tenant_name;
  if (const auto* done = std::get_if<step::SignedIn>(&page.flow.step)) {
    (void)done;
    Response response = Response::redirect("/security-info");
    if (std::optional<Response> app = continue_to_app(request, context, page)) {
      response = std::move(*app);
    }
    clear_cookie(response, request, kFlowCookie);
    if (page.session) {
      set_cookie(response, request, kSessionCookie, page.session->token.view(),
                 page.session->persistent ? std::optional<Timestamp>(page.session->expires_at)
                                          : std::nullopt);
    }
    if (page.remembered_device) {
      set_cookie(response, request, kDeviceCookie, page.remembered_device->token.view(),
                 page.remembered_device->expires_at);
    }
    return response;
  }

  PageData data;
  data.set("csrf", csrf_token(context.csrf_key, page.flow_id));
  if (!page.upn.empty()) data.set("upn", page.upn);
  std::string error = step_message(page);
  if (error.empty()) error = delivery_message(page.send_refused, page.delivery);
  if (error.empty()) error = page.method_problem;
  if (page.fraud_report) {
    const std::string when = format_timestamp(page.fraud_report->reported_at);
    if (page.message == StepMessage::account_blocked && page.fraud_report->blocked) {
      error = "Your account has been blocked because you reported a sign-in you didn't start (" +
              when + "). Contact your administrator to unblock it.";
    } else if (page.message != StepMessage::account_blocked) {
      data.set("banner",
               "On " + when + " you reported a sign-in you didn't start, and we stopped it" +
                   (page.fraud_report->blocked ? " and blocked your account until it was unblocked"
                                               : "") +
                   ". Someone may know your password: change it once you're signed in.");
    }
  }
  if (!error.empty()) data.set("error", error);
  // Until its message is sent (or its call answered) the page looks again by itself, at a step
  // URL (each shows the current step on GET; the URL the page came from may be a POST's).
  if (page.waiting_for_delivery) data.set("refresh", "2;url=/signin/method");
  std::string_view name;
  std::string_view title;
  const SignInMethod* method = nullptr;  // at a method's step
  MethodView view;
  std::visit(
      [&](const auto& at) {
        using Step = std::decay_t<decltype(at)>;
        if constexpr (std::is_same_v<Step, step::EnterUsername>) {
          name = "sign_in";
          title = "Sign in";
          const std::string notice = notice_text(page.flow.notice);
          if (!notice.empty()) data.set("notice", notice);
        } else if constexpr (std::is_same_v<Step, step::EnterPassword>) {
          name = "enter_password";
          title = "Enter password";
        } else if constexpr (std::is_same_v<Step, step::UpdatePassword>) {
          name = "update_password";
          title = "Update your password";
          if (page.password_problem) {
            data.set("error", std::string(password_problem_text(*page.password_problem)));
          }
        } else if constexpr (std::is_same_v<Step, step::MoreInformationRequired>) {
          name = "more_information";
          title = "More information required";
          data.set("skippable", page_flag(at.skippable));
        } else if constexpr (std::is_same_v<Step, step::ChooseMethod>) {
          name = "choose_method";
          title = "Keep your account secure";
          data.set("action", "/signin/register/method");
          data.set("step", "choose_method");
          data.set("button", "Next");
          data.set("methods", method_choices(page.method_choices, context.methods));
        } else if constexpr (std::is_same_v<Step, step::Registering> ||
                             std::is_same_v<Step, step::Challenging>) {
          method = context.methods.find(at.kind);
          if (method == nullptr) return;  // a kind this server no longer offers: below
          const MethodStage stage{at.stage, at.state, std::nullopt};
          const ViewContext who{page.upn, tenant};
          if constexpr (std::is_same_v<Step, step::Registering>) {
            view = method->registration_view(stage, who);
          } else {
            view = method->challenge_view(stage, who);
            data.set("other_ways", page_flag(true));
            data.set("other_ways_href", "/signin/other-ways");
            data.set("other_ways_text", "Sign in another way");
          }
          data.set("action", "/signin/method");
          data.set("step", at.stage);
        } else if constexpr (std::is_same_v<Step, step::KeepAccountSecure>) {
          name = "keep_account_secure";
          title = "Keep your account secure";
          data.set("skippable", page_flag(at.skippable));
          data.set("required_text", page.reset_info_required == 2
                                        ? std::string("two ways of proving who you are")
                                        : std::string("a way of proving who you are"));
          PageData items = page_list();
          for (const auto& item : page.reset_info) {
            PageData entry;
            entry.set("kind", item.kind);
            entry.set("name", item.name);
            entry.set("label", item.label);
            entry.set("registered", page_flag(!item.label.empty()));
            items.push_back(entry);
          }
          data.set("items", items);
        } else if constexpr (std::is_same_v<Step, step::StaySignedIn>) {
          name = "stay_signed_in";
          title = "Stay signed in?";
          if (page.remember_days > 0) {
            data.set("remember_days", std::to_string(page.remember_days) +
                                          (page.remember_days == 1 ? " day" : " days"));
          }
        }  // other steps (a password reset's) are never a sign-in's: below, a new sign-in
      },
      page.flow.step);
  const int status = page.retry_after_seconds > 0 ? 429 : 200;
  Response response;
  if (method != nullptr) {
    response = method_page(status, *method, view, std::move(data), tenant);
  } else if (name.empty()) {
    auto restarted = context.sign_in.start(SignInFlow::Notice::interrupted);
    if (!restarted.ok()) return failure_page(context, restarted.status());
    return sign_in_response(request, context, *restarted);
  } else {
    response = render_page(status, name, title, std::move(data), tenant);
  }
  if (page.retry_after_seconds > 0) {
    response.set_header("Retry-After", std::to_string(page.retry_after_seconds));
  }
  set_cookie(response, request, kFlowCookie, page.flow_id);
  return response;
}

}  // namespace

Response sign_in_response(const Request& request, WebContext& context, const SignInPage& page) {
  Response response = sign_in_page(request, context, page);
  // A sign-in for an app ends with a form whose answer redirects to the app: the browser checks
  // that redirect against the form page's form-action, so the app's origin is allowed there.
  if (!page.flow.continuation.empty()) allow_app_form_target(response, page.flow.continuation);
  return response;
}

namespace {

using Submit = std::function<Result<SignInPage>(const Request&, const std::string& flow_id,
                                                const std::map<std::string, std::string>& form)>;

// Every sign-in POST: the CSRF token must match the flow cookie, else the flow starts over.
Handler sign_in_post(WebContext& context, Submit submit) {
  return [&context, submit = std::move(submit)](const Request& request) -> Response {
    const std::string flow_id = cookie_value(request, kFlowCookie);
    // The request wipes its form (passwords, codes) when it is done.
    const auto& form = request.form_params();
    const auto csrf = form.find("csrf");
    if (csrf == form.end() || !csrf_valid(context.csrf_key, flow_id, csrf->second)) {
      auto page = context.sign_in.start(SignInFlow::Notice::interrupted);
      if (!page.ok()) return failure_page(context, page.status());
      Response response = sign_in_response(request, context, *page);
      response.status = 403;
      return response;
    }
    auto page = submit(request, flow_id, form);
    if (!page.ok()) return failure_page(context, page.status());
    return sign_in_response(request, context, *page);
  };
}

std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
  const auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

SecretBytes secret_field(const std::map<std::string, std::string>& form, const std::string& name) {
  const auto it = form.find(name);
  return it == form.end() ? SecretBytes() : SecretBytes::from_string(it->second);
}

}  // namespace

void add_sign_in_routes(Router& router, WebContext& context) {
  // When a pool is full the flow gets a page, like every other answer it gets, not plain text.
  const Handler busy = [&context](const Request& request) { return busy_page(request, context); };
  auto show_current = [&context](const Request& request) -> Response {
    auto page = context.sign_in.current(cookie_value(request, kFlowCookie), client_of(request));
    if (!page.ok()) return failure_page(context, page.status());
    return sign_in_response(request, context, *page);
  };
  // "Sign in" always starts afresh (nothing is stored until the username, unless an app sent
  // the person: its sign-in is stored); the step URLs show where the flow really is.
  router.add(
      HttpMethod::get, "/signin",
      [&context](const Request& request) -> Response {
        // Sent by a forward-auth proxy: sign in for that address (/signin?rd=URL[&acr=mfa]).
        if (context.forward_auth != nullptr && !request.query.empty()) {
          const auto query = request.query_params();
          if (const auto rd = query.find("rd"); rd != query.end()) {
            const auto acr = query.find("acr");
            auto outcome = context.forward_auth->sign_in_for(
                rd->second, acr != query.end() && acr->second == "mfa",
                cookie_value(request, kSessionCookie), client_of(request));
            if (!outcome.ok()) return failure_page(context, outcome.status());
            return browser_response(request, context, *outcome);
          }
        }
        auto page = context.sign_in.start();
        if (!page.ok()) return failure_page(context, page.status());
        return sign_in_response(request, context, *page);
      },
      Dispatch::blocking);
  for (const char* path : {"/signin/username", "/signin/password", "/signin/update-password",
                           "/signin/more-information", "/signin/register/method", "/signin/method",
                           "/signin/register/app", "/signin/register/verify", "/signin/code",
                           "/signin/stay", "/signin/other-way", "/signin/keep-secure"}) {
    router.add(HttpMethod::get, path, show_current, Dispatch::blocking, busy);
  }

  router.add(HttpMethod::post, "/signin/username",
             sign_in_post(context,
                          [&context](const Request& request, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            return context.sign_in.submit_username(flow_id, field(form, "step"),
                                                                   field(form, "username"),
                                                                   client_of(request));
                          }),
             Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/password",
             sign_in_post(context,
                          [&context](const Request& request, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            return context.sign_in.submit_password(flow_id, field(form, "step"),
                                                                   secret_field(form, "password"),
                                                                   client_of(request));
                          }),
             Dispatch::password, busy);
  router.add(HttpMethod::post, "/signin/update-password",
             sign_in_post(context,
                          [&context](const Request& request, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            return context.sign_in.submit_new_password(
                                flow_id, field(form, "step"), secret_field(form, "current"),
                                secret_field(form, "new"), secret_field(form, "confirm"),
                                client_of(request));
                          }),
             Dispatch::password, busy);
  router.add(HttpMethod::post, "/signin/more-information",
             sign_in_post(context,
                          [&context](const Request& request, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            return context.sign_in.submit_more_information(
                                flow_id, field(form, "step"), field(form, "action") == "skip",
                                client_of(request));
                          }),
             Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/register/method",
             sign_in_post(context,
                          [&context](const Request&, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            return context.sign_in.submit_method_choice(
                                flow_id, field(form, "step"), field(form, "method"));
                          }),
             Dispatch::blocking, busy);
  // Every stage of a method, registering or challenging, posts here; the method decides what the
  // form means. The older per-stage URLs take the same forms.
  const Submit method_answer = [&context](const Request& request, const std::string& flow_id,
                                          const std::map<std::string, std::string>& form) {
    return context.sign_in.submit_method_answer(flow_id, field(form, "step"), form,
                                                client_of(request));
  };
  for (const char* path :
       {"/signin/method", "/signin/register/app", "/signin/register/verify", "/signin/code"}) {
    router.add(HttpMethod::post, path, sign_in_post(context, method_answer), Dispatch::blocking,
               busy);
  }
  router.add(HttpMethod::post, "/signin/keep-secure",
             sign_in_post(context,
                          [&context](const Request& request, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            return context.sign_in.submit_reset_info(flow_id, field(form, "step"),
                                                                     field(form, "action"),
                                                                     client_of(request));
                          }),
             Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/stay",
             sign_in_post(context,
                          [&context](const Request& request, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            return context.sign_in.submit_stay(
                                flow_id, field(form, "step"), field(form, "answer") == "yes",
                                field(form, "dont_show_again") == "1", client_of(request),
                                field(form, "remember_device") == "1");
                          }),
             Dispatch::blocking, busy);

  // "Sign in another way": the ways of every method the user has, each a button that starts the
  // challenge again with it.
  router.add(
      HttpMethod::get, "/signin/other-ways",
      [&context](const Request& request) -> Response {
        auto page = context.sign_in.current(cookie_value(request, kFlowCookie), client_of(request));
        if (!page.ok()) return failure_page(context, page.status());
        const auto* challenging = std::get_if<step::Challenging>(&page->flow.step);
        if (challenging == nullptr) return sign_in_response(request, context, *page);
        PageData data;
        data.set("csrf", csrf_token(context.csrf_key, page->flow_id));
        data.set("step", challenging->stage);
        data.set("action", "/signin/other-way");
        data.set("back", "/signin/method");
        if (!page->upn.empty()) data.set("upn", page->upn);
        auto ways = context.sign_in.other_ways(*page);
        if (!ways.ok()) return failure_page(context, ways.status());
        PageData methods = page_list();
        for (const auto& way : *ways) {
          PageData item;
          item.set("choice", way.method_id + ":" + way.way);
          item.set("label", way.text);
          methods.push_back(item);
        }
        data.set("methods", methods);
        Response response = render_page(200, "other_ways", "Verify your identity", std::move(data),
                                        context.tenant_name);
        set_cookie(response, request, kFlowCookie, page->flow_id);
        return response;
      },
      Dispatch::blocking, busy);
  router.add(HttpMethod::post, "/signin/other-way",
             sign_in_post(context,
                          [&context](const Request&, const std::string& flow_id,
                                     const std::map<std::string, std::string>& form) {
                            const std::string choice = field(form, "choice");
                            const auto colon = choice.find(':');
                            return context.sign_in.submit_other_way(
                                flow_id, field(form, "step"), choice.substr(0, colon),
                                colon == std::string::npos ? "" : choice.substr(colon + 1));
                          }),
             Dispatch::blocking, busy);
}

}  // namespace tessera
