// Security info (docs/pages.md): the signed-in user's methods, adding an authenticator app,
// deleting a method, signing out. Every page needs a live session; every POST a CSRF token bound
// to the session cookie.
#include "http/pages/cookies.h"
#include "http/pages/csrf.h"
#include "http/pages/page_handlers.h"
#include "http/pages/render.h"
#include "http/pages/signed_in_routes.h"

namespace tessera {

namespace {

std::string kind_label(MethodKind kind) {
  switch (kind) {
    case MethodKind::authenticator_app:
      return "Authenticator app";
    case MethodKind::app_notification:
      return "Authenticator app – notification";
    case MethodKind::phone:
      return "Phone";
    case MethodKind::alternate_phone:
      return "Alternate phone";
    case MethodKind::email:
      return "Email";
  }
  return "Method";
}

std::string default_label(MethodKind kind) {
  return kind == MethodKind::authenticator_app ? "Authenticator app – code" : kind_label(kind);
}

Response security_info_page(const Request& request, WebContext& context, const Signed& who,
                            std::string error = "", int status = 200, bool needs_proof = false) {
  (void)request;
  auto info = context.security_info.overview(who.session);
  if (!info.ok()) return failure_page(context, info.status());
  PageData data;
  data.set("csrf", csrf_token(context.csrf_key, who.token));
  data.set("display_name", info->display_name);
  data.set("upn", info->upn);
  if (!error.empty()) data.set("error", error);
  data.set("needs_proof", page_flag(needs_proof));
  PageData methods = page_list();
  const MethodSummary* default_method = nullptr;
  for (const MethodSummary& method : info->methods) {
    if (method.is_default) default_method = &method;
    PageData item;
    item.set("id", method.id);
    item.set("kind_label", kind_label(method.kind));
    item.set("label", method.kind == MethodKind::authenticator_app ? "" : method.label);
    methods.push_back(item);
  }
  if (default_method == nullptr && !info->methods.empty()) default_method = &info->methods[0];
  data.set("has_default", page_flag(default_method != nullptr));
  if (default_method != nullptr) data.set("default_method", default_label(default_method->kind));
  data.set("methods", methods);
  return render_page(status, "security_info", "Security info", std::move(data),
                     context.tenant_name);
}

const std::string& form_field(const Request& request, const std::string& name) {
  return request.form_field(name);
}

Response add_method_page(const Request& request, WebContext& context, const Signed& who,
                         const AddMethodFlow& added, std::string error = "") {
  PageData data;
  data.set("csrf", csrf_token(context.csrf_key, who.token));
  data.set("cancel", page_flag(true));
  if (!error.empty()) data.set("error", error);
  Response response;
  if (const auto* set_up = std::get_if<step::SetUpAuthenticatorApp>(&added.flow.step)) {
    auto info = context.security_info.overview(who.session);
    if (!info.ok()) return failure_page(context, info.status());
    data.set("action", "/security-info/add/app");
    data.set("step", "set_up_app");
    add_authenticator_page_details(data, set_up->secret, info->upn, context.tenant_name);
    response = render_page(200, "set_up_app", "Set up your authenticator app", std::move(data),
                           context.tenant_name);
  } else {
    data.set("action", "/security-info/add/verify");
    data.set("step", "verify_app");
    response = render_page(200, "enter_code", "Enter code", std::move(data), context.tenant_name);
  }
  set_cookie(response, request, kAddMethodCookie, added.flow_id);
  return response;
}

std::string refusal_text(const Status& status) {
  return status.code() == ErrorCode::permission_denied ? status.message()
                                                       : "That didn't work. Try again.";
}

}  // namespace

void add_security_info_routes(Router& router, WebContext& context) {
  SignedInRoutes routes(router, context);
  // A POST whose CSRF token does not match: the page again, saying so.
  const auto try_again = [&context](const Request& request, const Signed& who) {
    return security_info_page(request, context, who, "That didn't work. Try again.", 403);
  };
  const auto back_to_security_info = [](const Request&, const Signed&) {
    return Response::redirect("/security-info");
  };

  routes.get("/",
             [](const Request&, const Signed&) { return Response::redirect("/security-info"); });

  routes.get("/security-info", [&context](const Request& request, const Signed& who) {
    return security_info_page(request, context, who);
  });

  routes.get(
      "/security-info/delete", [&context](const Request& request, const Signed& who) -> Response {
        const auto query = request.query_params();
        const auto id = query.find("method");
        auto method = context.security_info.method_of(
            who.session, id == query.end() ? std::string_view() : std::string_view(id->second));
        if (!method.ok()) return Response::redirect("/security-info");
        auto info = context.security_info.overview(who.session);
        if (!info.ok()) return failure_page(context, info.status());
        PageData data;
        data.set("csrf", csrf_token(context.csrf_key, who.token));
        data.set("id", method->id);
        data.set("last", page_flag(info->methods.size() == 1));
        return render_page(200, "delete_method", "Delete authenticator app?", std::move(data),
                           context.tenant_name);
      });

  routes.post(
      "/security-info/delete",
      [&context](const Request& request, const Signed& who) -> Response {
        const Status deleted =
            context.security_info.delete_method(who.session, form_field(request, "method"));
        if (!deleted.ok()) {
          if (deleted.code() == ErrorCode::unavailable || deleted.code() == ErrorCode::internal) {
            return failure_page(context, deleted);
          }
          return security_info_page(request, context, who, refusal_text(deleted), 403,
                                    deleted.code() == ErrorCode::permission_denied);
        }
        return Response::redirect("/security-info");
      },
      try_again);

  routes.get("/security-info/add", [&context](const Request&, const Signed& who) {
    PageData data;
    data.set("csrf", csrf_token(context.csrf_key, who.token));
    data.set("action", "/security-info/add/method");
    data.set("step", "choose_method");
    data.set("button", "Add");
    data.set("cancel", page_flag(true));
    return render_page(200, "choose_method", "Add a method", std::move(data), context.tenant_name);
  });

  routes.post(
      "/security-info/add/method",
      [&context, try_again](const Request& request, const Signed& who) -> Response {
        if (form_field(request, "method") != "authenticator_app") return try_again(request, who);
        auto added = context.security_info.begin_add_app(who.session);
        if (!added.ok()) {
          return security_info_page(request, context, who, refusal_text(added.status()), 403,
                                    added.status().code() == ErrorCode::permission_denied);
        }
        return add_method_page(request, context, who, *added);
      },
      try_again);

  routes.post(
      "/security-info/add/app",
      [&context](const Request& request, const Signed& who) -> Response {
        auto added = context.security_info.add_app_scanned(who.session,
                                                           cookie_value(request, kAddMethodCookie));
        if (!added.ok()) return Response::redirect("/security-info");
        return add_method_page(request, context, who, *added);
      },
      back_to_security_info);

  routes.post(
      "/security-info/add/verify",
      [&context](const Request& request, const Signed& who) -> Response {
        const std::string flow_id = cookie_value(request, kAddMethodCookie);
        auto confirmed = context.security_info.confirm_add_app(who.session, flow_id,
                                                               form_field(request, "code"));
        if (!confirmed.ok()) {
          Response response =
              security_info_page(request, context, who,
                                 confirmed.status().code() == ErrorCode::resource_exhausted
                                     ? confirmed.status().message()
                                     : "That didn't work. Try again.",
                                 403);
          clear_cookie(response, request, kAddMethodCookie);
          return response;
        }
        if (!*confirmed) {
          auto added = context.security_info.add_flow(who.session, flow_id);
          if (!added.ok()) return Response::redirect("/security-info");
          return add_method_page(request, context, who, *added,
                                 "That code didn't work. Check the code and try again.");
        }
        Response response = Response::redirect("/security-info");
        clear_cookie(response, request, kAddMethodCookie);
        return response;
      },
      back_to_security_info);

  // The step-up: a fresh code before changing security info (DESIGN.md section 9).
  const auto step_up_page = [&context](const Signed& who, std::string error, int status) {
    PageData data;
    data.set("csrf", csrf_token(context.csrf_key, who.token));
    data.set("action", "/security-info/verify");
    data.set("step", "step_up");
    data.set("cancel", page_flag(true));
    if (!error.empty()) data.set("error", error);
    return render_page(status, "enter_code", "Enter code", std::move(data), context.tenant_name);
  };
  routes.get("/security-info/verify", [step_up_page](const Request&, const Signed& who) {
    return step_up_page(who, "", 200);
  });
  routes.post(
      "/security-info/verify",
      [&context, step_up_page](const Request& request, const Signed& who) -> Response {
        auto proved =
            context.security_info.prove_with_code(who.session, form_field(request, "code"));
        if (!proved.ok()) {
          if (proved.status().code() == ErrorCode::resource_exhausted) {
            return step_up_page(who, proved.status().message(), 429);
          }
          return failure_page(context, proved.status());
        }
        if (!*proved) {
          return step_up_page(who, "That code didn't work. Check the code and try again.", 200);
        }
        return Response::redirect("/security-info");
      },
      back_to_security_info);

  routes.post(
      "/signout",
      [&context](const Request& request, const Signed& who) -> Response {
        (void)context.sessions.end(who.token);
        Response response = Response::redirect("/signin");
        clear_cookie(response, request, kSessionCookie);
        return response;
      },
      [](const Request&, const Signed&) { return Response::redirect("/signin"); });
}

}  // namespace tessera
