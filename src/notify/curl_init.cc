#include "notify/curl_init.h"

#include <mutex>

#include <curl/curl.h>

namespace tessera {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace tessera
