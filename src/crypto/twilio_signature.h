// X-Twilio-Signature, as Twilio documents it ("Secure webhooks"): base64 of HMAC-SHA1 under the
// account's auth token over the full URL the gateway requested (scheme, host, port, path and query,
// exactly as configured) followed by every POST parameter's name and value, sorted by name (and,
// for a repeated name, by value; a pair repeated exactly counts once, as in Twilio's own
// validators). tessera checks it on its voice webhook (a request without a
// valid one gets 403) and signs with it in tests, as a gateway would.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

using FormParameters = std::vector<std::pair<std::string, std::string>>;

// The signature a gateway sends for a POST of `parameters` (decoded) to `url`.
std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             FormParameters parameters);

// Whether `presented` (the header's value) is that signature; compared in constant time.
bool twilio_signature_valid(std::string_view auth_token, std::string_view url,
                            FormParameters parameters, std::string_view presented);

}  // namespace tessera
