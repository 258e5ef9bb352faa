#include "notify/twilio/twilio_client.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <curl/curl.h>

#include "notify/curl_init.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

std::string form_value(std::string_view value) {
  return boost::urls::encode(value, boost::urls::unreserved_chars);
}

struct Answer {
  std::string body;
  bool too_big = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const std::size_t bytes = size * count;
  if (answer->body.size() + bytes > kMaxAnswerBytes) {
    answer->too_big = true;
    return 0;  // aborts the transfer
  }
  answer->body.append(data, bytes);
  return bytes;
}

std::string json_text(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return "";
  if (value->is_string()) return std::string(value->get_string());
  if (value->is_int64()) return std::to_string(value->get_int64());
  return "";
}

}  // namespace

TwilioClient::TwilioClient(TwilioSettings settings) : settings_(std::move(settings)) {
  init_curl_once();
  while (!settings_.api_base_url.empty() && settings_.api_base_url.back() == '/') {
    settings_.api_base_url.pop_back();
  }
}

Result<GatewayReceipt> TwilioClient::send_text(std::string_view to, std::string_view body) {
  const std::string form =
      "To=" + form_value(to) + "&From=" + form_value(settings_.from) + "&Body=" + form_value(body);
  return post("Messages.json", form);
}

Result<GatewayReceipt> TwilioClient::place_call(std::string_view to, std::string_view twiml_url) {
  const std::string form = "To=" + form_value(to) + "&From=" + form_value(settings_.from) +
                           "&Url=" + form_value(twiml_url) + "&Method=POST";
  return post("Calls.json", form);
}

Result<GatewayReceipt> TwilioClient::post(std::string_view resource, std::string_view form) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return internal_error("libcurl could not start a request");
  const std::string url = settings_.api_base_url + "/2010-04-01/Accounts/" +
                          form_value(settings_.account_sid) + "/" + std::string(resource);
  Answer answer;
  std::string token(settings_.auth_token.view());
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, form.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  curl_easy_setopt(handle, CURLOPT_USERNAME, settings_.account_sid.c_str());
  curl_easy_setopt(handle, CURLOPT_PASSWORD, token.c_str());
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer);
  const CURLcode sent = curl_easy_perform(handle);
  // The token's copy (libcurl needs it NUL-terminated) goes as soon as the request is done.
  std::fill(token.begin(), token.end(), '\0');
  if (sent != CURLE_OK) {
    if (answer.too_big) return internal_error("the phone gateway's answer is too large");
    return unavailable("the phone gateway cannot be reached: " +
                       std::string(curl_easy_strerror(sent)));
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  boost::system::error_code parse_error;
  const boost::json::value parsed = boost::json::parse(answer.body, parse_error);
  const boost::json::object* object =
      !parse_error && parsed.is_object() ? &parsed.get_object() : nullptr;
  if (status >= 500) {
    return unavailable("the phone gateway failed (HTTP " + std::to_string(status) + ")");
  }
  if (status >= 400) {
    std::string detail = object != nullptr ? json_text(*object, "message") : "";
    const std::string code = object != nullptr ? json_text(*object, "code") : "";
    if (detail.size() > 200) detail.resize(200);
    return invalid_argument("the phone gateway refused the request (HTTP " +
                            std::to_string(status) + (code.empty() ? "" : ", error " + code) +
                            (detail.empty() ? "" : ": " + detail) + ")");
  }
  if (status < 200 || status >= 300 || object == nullptr) {
    return internal_error("the phone gateway's answer is not understood (HTTP " +
                          std::to_string(status) + ")");
  }
  GatewayReceipt receipt{json_text(*object, "sid"), json_text(*object, "status")};
  if (receipt.sid.empty()) return internal_error("the phone gateway's answer has no sid");
  return receipt;
}

Result<SendReceipt> TwilioGateway::send_text(const TextMessage& message) {
  TESSERA_ASSIGN_OR_RETURN(GatewayReceipt receipt,
                           client_.send_text(message.to, message.body.view()));
  return SendReceipt{std::move(receipt.sid)};
}

Result<SendReceipt> TwilioGateway::place_call(const VoiceCall& call) {
  TESSERA_ASSIGN_OR_RETURN(GatewayReceipt receipt, client_.place_call(call.to, call.twiml_url));
  return SendReceipt{std::move(receipt.sid)};
}

}  // namespace tessera
