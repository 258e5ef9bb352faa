// Security info (docs/pages.md): the signed-in user's methods, adding one (whichever the registry
// and the policy offer), deleting one, signing out. Every page needs a live session; every POST a
// CSRF token bound to the session cookie.
#include "http/pages/cookies.h"
#include "http/pages/csrf.h"
#include "http/pages/page_handlers.h"
#include "http/pages/render.h"
#include "http/pages/signed_in_routes.h"

namespace tessera {

namespace {

// What a method of `kind` is called on Security info; "Method" for a kind this server does not
// offer (any more).
std::string kind_label(const WebContext& context, MethodKind kind) {
  const SignInMethod* method = context.methods.find(kind);
  return method == nullptr ? "Method" : std::string(method->display_name());
}

// A method's name for the middle of a sentence: its first letter in lower case.
std::string in_sentence(std::string name) {
  if (!name.empty() && name[0] >= 'A' && name[0] <= 'Z') name[0] = static_cast<char>(name[0] + 32);
  return name;
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
  const SignInMethod* proof = nullptr;  // what the step-up asks for: the default method
  const MethodSummary* default_method = nullptr;
  for (const MethodSummary& method : info->methods) {
    if (method.id == info->sign_in_method_id) default_method = &method;
    PageData item;
    item.set("id", method.id);
    const std::string kind = kind_label(context, method.kind);
    item.set("kind_label", kind);
    item.set("label", method.label == kind ? "" : method.label);
    methods.push_back(item);
  }
  data.set("has_default", page_flag(default_method != nullptr));
  data.set("has_methods", page_flag(!info->methods.empty()));
  if (default_method != nullptr) {
    data.set("default_method", default_method->default_label);
    proof = context.methods.find(default_method->kind);
  }
  data.set("proof_prompt",
           proof != nullptr ? std::string(proof->step_up_text()) : std::string("Verify it is you"));
  data.set("methods", methods);
  if (info->remember_days > 0 || info->remembered_devices > 0) {
    const std::size_t count = info->remembered_devices;
    data.set("remembered", count == 0
                               ? std::string("No device skips MFA for you.")
                               : std::to_string(count) +
                                     (count == 1 ? " device doesn't" : " devices don't") +
                                     " ask you for MFA because you chose \"Don't ask again\".");
    data.set("can_revoke", page_flag(count > 0));
  }
  return render_page(status, "security_info", "Security info", std::move(data),
                     context.tenant_name);
}

const std::string& form_field(const Request& request, const std::string& name) {
  return request.form_field(name);
}

Response add_method_page(const Request& request, WebContext& context, const Signed& who,
                         const AddMethodFlow& added, std::string error = "") {
  const auto* registering = std::get_if<step::Registering>(&added.flow.step);
  const SignInMethod* method =
      registering == nullptr ? nullptr : context.methods.find(registering->kind);
  if (method == nullptr) return Response::redirect("/security-info");
  auto info = context.security_info.overview(who.session);
  if (!info.ok()) return failure_page(context, info.status());
  const MethodStage stage{registering->stage, registering->state, std::nullopt};
  PageData data;
  data.set("csrf", csrf_token(context.csrf_key, who.token));
  data.set("cancel", page_flag(true));
  if (error.empty()) error = added.problem;
  if (error.empty()) error = delivery_message(added.send_refused, added.delivery);
  if (!error.empty()) data.set("error", error);
  // A stage that checks an answer confirms the method; any other steps on to the next stage.
  data.set("action",
           method->checks_answer(stage) ? "/security-info/add/verify" : "/security-info/add/next");
  data.set("step", registering->stage);
  // A stage answered by a call looks again by itself until the call's answer is in.
  if (method->waits_for_delivery(stage) && !registering->delivery_id.empty()) {
    data.set("refresh", "2;url=/security-info/add/current");
    data.set("action", "/security-info/add/current");
  }
  Response response = method_page(
      200, *method, method->registration_view(stage, ViewContext{info->upn, context.tenant_name}),
      std::move(data), context.tenant_name);
  set_cookie(response, request, kAddMethodCookie, added.flow_id);
  return response;
}

constexpr const char* kNeedsProof = "To change your security info, first verify it's you.";

// The ways to verify it is you (as "Sign in another way"), each a button that begins it.
Response step_up_ways_page(WebContext& context, const Signed& who,
                           const std::vector<StepUpWay>& ways, std::string error = "") {
  PageData data;
  data.set("csrf", csrf_token(context.csrf_key, who.token));
  data.set("action", "/security-info/verify/way");
  data.set("back", "/security-info");
  if (!error.empty()) data.set("error", error);
  PageData methods = page_list();
  for (const StepUpWay& way : ways) {
    PageData item;
    item.set("choice", way.method_id + ":" + way.way);
    item.set("label", way.text);
    methods.push_back(item);
  }
  data.set("methods", methods);
  return render_page(200, "other_ways", "Verify your identity", std::move(data),
                     context.tenant_name);
}

// A step-up with a method that sends: its stage's page (a code, or a call that refreshes itself).
Response step_up_flow_page(const Request& request, WebContext& context, const Signed& who,
                           const StepUpFlow& flow, std::string error = "", int status = 200) {
  const auto* challenging = std::get_if<step::Challenging>(&flow.flow.step);
  const SignInMethod* method =
      challenging == nullptr ? nullptr : context.methods.find(challenging->kind);
  if (method == nullptr) return Response::redirect("/security-info");
  const MethodStage stage{challenging->stage, challenging->state, std::nullopt};
  PageData data;
  data.set("csrf", csrf_token(context.csrf_key, who.token));
  data.set("cancel", page_flag(true));
  data.set("action", "/security-info/verify/answer");
  data.set("step", challenging->stage);
  data.set("other_ways", page_flag(true));
  data.set("other_ways_href", "/security-info/verify/ways");
  data.set("other_ways_text", "Verify another way");
  if (error.empty()) error = delivery_message(flow.send_refused, flow.delivery);
  if (!error.empty()) data.set("error", error);
  const bool pending = flow.delivery && flow.delivery->pending();
  const bool unanswered = method->waits_for_delivery(stage) && !challenging->delivery_id.empty() &&
                          !(flow.delivery && flow.delivery->settled());
  if (pending || unanswered) data.set("refresh", "2;url=/security-info/verify/current");
  if (method->waits_for_delivery(stage)) data.set("action", "/security-info/verify/current");
  Response response = method_page(
      status, *method, method->challenge_view(stage, ViewContext{"", context.tenant_name}),
      std::move(data), context.tenant_name);
  set_cookie(response, request, kStepUpCookie, flow.flow_id);
  return response;
}

// What a checked step-up answer leads to: Security info once proved, else the page again.
Response after_step_up(const Request& request, WebContext& context, const Signed& who,
                       const std::string& flow_id, const Result<CodeCheck>& checked) {
  if (checked.ok() && checked->outcome == CodeCheck::Outcome::accepted) {
    Response response = Response::redirect("/security-info");
    clear_cookie(response, request, kStepUpCookie);
    return response;
  }
  if (!checked.ok() || checked->outcome == CodeCheck::Outcome::attempts_used_up) {
    if (!checked.ok() && checked.status().code() != ErrorCode::not_found) {
      return failure_page(context, checked.status());
    }
    Response response = security_info_page(
        request, context, who,
        checked.ok() ? "Too many wrong codes. Start again." : "That didn't work. Try again.", 403,
        /*needs_proof=*/true);
    clear_cookie(response, request, kStepUpCookie);
    return response;
  }
  auto flow = context.security_info.step_up_flow(who.session, flow_id);
  if (!flow.ok()) return Response::redirect("/security-info/verify");
  switch (checked->outcome) {
    case CodeCheck::Outcome::locked:
      return step_up_flow_page(request, context, who, *flow,
                               code_lockout_message(checked->locked_minutes), 429);
    case CodeCheck::Outcome::wrong: {
      const auto* challenging = std::get_if<step::Challenging>(&flow->flow.step);
      const SignInMethod* method = context.methods.find(challenging->kind);
      const bool by_call = method != nullptr && method->waits_for_delivery(MethodStage{
                                                    challenging->stage, {}, std::nullopt});
      return step_up_flow_page(
          request, context, who, *flow,
          by_call ? "We didn't receive the expected response from your phone. Verify another way "
                    "or try again."
                  : "That code didn't work. Check the code and try again.");
    }
    default:
      return step_up_flow_page(request, context, who, *flow);
  }
}

std::string refusal_text(const Status& status) {
  return status.code() == ErrorCode::permission_denied ? kNeedsProof
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
  // A change without a fresh proof of identity: the page, with the way to give one.
  const auto needs_proof = [&context](const Request& request, const Signed& who) {
    return security_info_page(request, context, who, kNeedsProof, 403, /*needs_proof=*/true);
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
        const std::string title = "Delete " + in_sentence(kind_label(context, method->kind)) + "?";
        data.set("title", title);
        return render_page(200, "delete_method", title, std::move(data), context.tenant_name);
      });

  routes.post_fresh(
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
      try_again, needs_proof);

  // "Default sign-in method: …  Change": the methods that can be the default, to choose one.
  routes.get("/security-info/default", [&context](const Request&, const Signed& who) -> Response {
    auto choices = context.security_info.default_choices(who.session);
    if (!choices.ok()) return failure_page(context, choices.status());
    auto info = context.security_info.overview(who.session);
    if (!info.ok()) return failure_page(context, info.status());
    PageData data;
    data.set("csrf", csrf_token(context.csrf_key, who.token));
    data.set("upn", info->upn);
    if (choices->empty()) data.set("error", "None of your methods can be used to sign in.");
    PageData methods = page_list();
    for (const MethodSummary& method : *choices) {
      PageData item;
      item.set("id", method.id);
      item.set("label", method.default_label);
      item.set("checked", page_flag(method.is_default));
      methods.push_back(item);
    }
    data.set("methods", methods);
    return render_page(200, "default_method", "Change default method", std::move(data),
                       context.tenant_name);
  });
  routes.post_fresh(
      "/security-info/default",
      [&context, try_again](const Request& request, const Signed& who) -> Response {
        const Status changed =
            context.security_info.set_default(who.session, form_field(request, "method"));
        if (changed.ok()) return Response::redirect("/security-info");
        if (changed.code() == ErrorCode::unavailable || changed.code() == ErrorCode::internal) {
          return failure_page(context, changed);
        }
        if (changed.code() != ErrorCode::permission_denied) return try_again(request, who);
        return security_info_page(request, context, who, kNeedsProof, 403, /*needs_proof=*/true);
      },
      try_again, needs_proof);

  // A method's "Change": registering it anew; the new one replaces it once verified.
  routes.post_fresh(
      "/security-info/change",
      [&context, try_again](const Request& request, const Signed& who) -> Response {
        auto added = context.security_info.begin_change(who.session, form_field(request, "method"));
        if (!added.ok()) {
          if (added.status().code() == ErrorCode::unavailable ||
              added.status().code() == ErrorCode::internal) {
            return failure_page(context, added.status());
          }
          if (added.status().code() != ErrorCode::permission_denied) return try_again(request, who);
          return security_info_page(request, context, who, kNeedsProof, 403, /*needs_proof=*/true);
        }
        return add_method_page(request, context, who, *added);
      },
      try_again, needs_proof);

  routes.get("/security-info/add", [&context](const Request&, const Signed& who) {
    PageData data;
    data.set("csrf", csrf_token(context.csrf_key, who.token));
    data.set("action", "/security-info/add/method");
    data.set("step", "choose_method");
    data.set("button", "Add");
    data.set("cancel", page_flag(true));
    auto addable = context.security_info.addable_kinds();
    if (!addable.ok()) return failure_page(context, addable.status());
    data.set("methods", method_choices(*addable, context.methods));
    return render_page(200, "choose_method", "Add a method", std::move(data), context.tenant_name);
  });

  routes.post_fresh(
      "/security-info/add/method",
      [&context, try_again](const Request& request, const Signed& who) -> Response {
        auto added = context.security_info.begin_add(who.session, form_field(request, "method"));
        if (!added.ok() && added.status().code() == ErrorCode::invalid_argument) {
          return try_again(request, who);
        }
        if (!added.ok()) {
          return security_info_page(request, context, who, refusal_text(added.status()), 403,
                                    added.status().code() == ErrorCode::permission_denied);
        }
        return add_method_page(request, context, who, *added);
      },
      try_again, needs_proof);

  // A stage of the method being added that checks nothing ("Next" after scanning). The older URL
  // takes the same form.
  for (const char* path : {"/security-info/add/next", "/security-info/add/app"}) {
    routes.post(
        path,
        [&context](const Request& request, const Signed& who) -> Response {
          auto added = context.security_info.add_step_on(
              who.session, cookie_value(request, kAddMethodCookie), request.form_params());
          if (!added.ok()) return Response::redirect("/security-info");
          return add_method_page(request, context, who, *added);
        },
        back_to_security_info);
  }

  // The add flow's page as it stands; a call answered meanwhile is taken (the refresh of the
  // calling page comes here).
  routes.get("/security-info/add/current",
             [&context](const Request& request, const Signed& who) -> Response {
               const std::string flow_id = cookie_value(request, kAddMethodCookie);
               auto added = context.security_info.add_flow(who.session, flow_id);
               if (!added.ok()) return Response::redirect("/security-info");
               auto confirmed = context.security_info.confirm_add(who.session, flow_id, "");
               if (confirmed.ok() && confirmed->outcome == CodeCheck::Outcome::accepted) {
                 Response response = Response::redirect("/security-info");
                 clear_cookie(response, request, kAddMethodCookie);
                 return response;
               }
               auto now = context.security_info.add_flow(who.session, flow_id);
               if (!now.ok()) return Response::redirect("/security-info");
               const bool refused =
                   confirmed.ok() && confirmed->outcome == CodeCheck::Outcome::wrong;
               return add_method_page(request, context, who, *now,
                                      refused ? "We didn't receive the expected response from your "
                                                "phone. Cancel and try again."
                                              : "");
             });

  routes.post(
      "/security-info/add/verify",
      [&context](const Request& request, const Signed& who) -> Response {
        const std::string flow_id = cookie_value(request, kAddMethodCookie);
        auto confirmed =
            context.security_info.confirm_add(who.session, flow_id, form_field(request, "code"));
        if (!confirmed.ok() || confirmed->outcome == CodeCheck::Outcome::attempts_used_up) {
          Response response = security_info_page(
              request, context, who,
              confirmed.ok() ? "Too many wrong codes. Start adding the method again."
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

  // The step-up: a fresh proof before changing security info (DESIGN.md section 9). With a
  // method that sends nothing (an app) the code is typed straight away; a method that sends (a
  // text, a call, an email) is begun by a POST from the ways page, through a step-up flow.
  const auto step_up_page = [&context](const Signed& who, std::string error,
                                       int status) -> Response {
    auto ways = context.security_info.step_up_ways(who.session);
    if (!ways.ok()) return failure_page(context, ways.status());
    const auto typed =
        std::find_if(ways->begin(), ways->end(), [](const StepUpWay& way) { return !way.sends; });
    if (typed == ways->end()) return Response::redirect("/security-info/verify/ways");
    auto summary = context.security_info.method_of(who.session, typed->method_id);
    const SignInMethod* method = summary.ok() ? context.methods.find(summary->kind) : nullptr;
    if (method == nullptr) return Response::redirect("/security-info");
    PageData data;
    data.set("csrf", csrf_token(context.csrf_key, who.token));
    data.set("action", "/security-info/verify");
    data.set("step", "step_up");
    data.set("cancel", page_flag(true));
    if (ways->size() > 1) {
      data.set("other_ways", page_flag(true));
      data.set("other_ways_href", "/security-info/verify/ways");
      data.set("other_ways_text", "Verify another way");
    }
    if (!error.empty()) data.set("error", error);
    const MethodView view =
        method->challenge_view(MethodStage{}, ViewContext{"", context.tenant_name});
    return method_page(status, *method, view, std::move(data), context.tenant_name);
  };
  routes.get("/security-info/verify",
             [&context, step_up_page](const Request&, const Signed& who) -> Response {
               auto ways = context.security_info.step_up_ways(who.session);
               if (!ways.ok()) return failure_page(context, ways.status());
               if (ways->empty()) return Response::redirect("/security-info");
               // The default method first: typed at once, or chosen (and sent) from the list.
               if (ways->front().sends) return step_up_ways_page(context, who, *ways);
               return step_up_page(who, "", 200);
             });
  routes.get("/security-info/verify/ways",
             [&context](const Request&, const Signed& who) -> Response {
               auto ways = context.security_info.step_up_ways(who.session);
               if (!ways.ok()) return failure_page(context, ways.status());
               if (ways->empty()) return Response::redirect("/security-info");
               return step_up_ways_page(context, who, *ways);
             });
  routes.post(
      "/security-info/verify/way",
      [&context, step_up_page](const Request& request, const Signed& who) -> Response {
        const std::string& choice = form_field(request, "choice");
        const auto colon = choice.find(':');
        const std::string method_id = choice.substr(0, colon);
        const std::string way = colon == std::string::npos ? "" : choice.substr(colon + 1);
        auto ways = context.security_info.step_up_ways(who.session);
        if (!ways.ok()) return failure_page(context, ways.status());
        const auto chosen = std::find_if(ways->begin(), ways->end(), [&](const StepUpWay& w) {
          return w.method_id == method_id && w.way == way;
        });
        if (chosen == ways->end()) return step_up_ways_page(context, who, *ways);
        if (!chosen->sends) return step_up_page(who, "", 200);
        auto flow = context.security_info.begin_step_up(who.session, method_id, way);
        if (!flow.ok()) {
          if (flow.status().code() == ErrorCode::invalid_argument) {
            return step_up_ways_page(context, who, *ways);
          }
          return failure_page(context, flow.status());
        }
        return step_up_flow_page(request, context, who, *flow);
      },
      back_to_security_info);
  routes.post(
      "/security-info/verify/answer",
      [&context](const Request& request, const Signed& who) -> Response {
        const std::string flow_id = cookie_value(request, kStepUpCookie);
        return after_step_up(request, context, who, flow_id,
                             context.security_info.answer_step_up(who.session, flow_id,
                                                                  form_field(request, "code")));
      },
      back_to_security_info);
  // The refresh of a step-up's page: a call answered meanwhile is taken.
  routes.get("/security-info/verify/current",
             [&context](const Request& request, const Signed& who) -> Response {
               const std::string flow_id = cookie_value(request, kStepUpCookie);
               auto flow = context.security_info.step_up_flow(who.session, flow_id);
               if (!flow.ok()) return Response::redirect("/security-info/verify");
               const auto* challenging = std::get_if<step::Challenging>(&flow->flow.step);
               const SignInMethod* method = context.methods.find(challenging->kind);
               if (method == nullptr ||
                   !method->waits_for_delivery(MethodStage{challenging->stage, {}, std::nullopt})) {
                 return step_up_flow_page(request, context, who, *flow);
               }
               return after_step_up(request, context, who, flow_id,
                                    context.security_info.answer_step_up(who.session, flow_id, ""));
             });
  routes.post(
      "/security-info/verify",
      [&context, step_up_page](const Request& request, const Signed& who) -> Response {
        auto proved =
            context.security_info.prove_with_code(who.session, form_field(request, "code"));
        if (!proved.ok()) return failure_page(context, proved.status());
        if (proved->outcome == CodeCheck::Outcome::locked) {
          return step_up_page(who, code_lockout_message(proved->locked_minutes), 429);
        }
        if (!*proved) {
          return step_up_page(who, "That code didn't work. Check the code and try again.", 200);
        }
        return Response::redirect("/security-info");
      },
      back_to_security_info);

  routes.post(
      "/security-info/revoke-mfa-sessions",
      [&context](const Request&, const Signed& who) -> Response {
        auto forgotten = context.security_info.revoke_mfa_sessions(who.session);
        if (!forgotten.ok()) return failure_page(context, forgotten.status());
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
