// libcurl's global set-up, once per process, before the first handle (curl_global_init is not
// thread-safe; every gateway that uses libcurl calls this first).
#pragma once

namespace tessera {

void init_curl_once();

}  // namespace tessera
