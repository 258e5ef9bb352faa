// The page layer's side of sign-in methods: a method's view rendered in the layout, and the list
// of methods to choose from. Nothing here knows a particular method.
#include "http/pages/page_handlers.h"

namespace tessera {

Response method_page(int status, const SignInMethod& method, const MethodView& view, PageData data,
                     std::string_view tenant) {
  for (const auto& [name, value] : view.values)
    data.set(name, value);
  const std::string_view own = method.template_text(view.template_name);
  if (own.empty())
    return render_page(status, view.template_name, view.title, std::move(data), tenant);
  return render_page_text(status, std::string(method.kind_name()) + "/" + view.template_name, own,
                          view.title, std::move(data), tenant);
}

std::string delivery_message(const std::optional<SendRefusal>& refused,
                             const std::optional<DeliveryOutcome>& delivery) {
  if (refused == SendRefusal::country_not_allowed) {
    return "Your organization doesn't allow codes or calls to numbers in that country or region. "
           "Use another number, or sign in another way.";
  }
  if (refused == SendRefusal::too_many_sends) {
    return "You've asked for too many codes or calls. Wait a few minutes, or sign in another way.";
  }
  if (refused || (delivery && delivery->status == DeliveryStatus::failed)) {
    return "We couldn't send a code. Try again or sign in another way.";
  }
  return "";
}

PageData method_choices(const std::vector<std::string>& kinds, const MethodRegistry& methods) {
  PageData list = page_list();
  for (const std::string& kind : kinds) {
    const SignInMethod* method = methods.find(kind);
    if (method == nullptr) continue;
    PageData item;
    item.set("kind", kind);
    item.set("label", std::string(method->display_name()));
    item.set("checked", page_flag(list.is_empty_list()));
    list.push_back(item);
  }
  return list;
}

}  // namespace tessera
