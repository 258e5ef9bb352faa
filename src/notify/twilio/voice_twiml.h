// The voice call that approves a sign-in or a registration, in TwiML, and what its key presses
// mean. Twilio's <Gather> ends on its finishOnKey ("#" by default) without counting that key, and
// with nothing gathered it makes no request to its action URL unless actionOnEmptyResult is true
// (when silence would look the same). So a lone "#" could never be told from silence that way: the
// call gathers with finishOnKey="" and numDigits="1", so "#" is itself the answer, sent at once as
// Digits "#"; "0" (of "0#", report fraud) is sent at once as "0"; silence until the timeout sends
// nothing, and the call goes on to say goodbye and hang up.
#pragma once

#include <string>
#include <string_view>

#include "base/markup_escape.h"
#include "domain/delivery.h"

namespace tessera {

inline constexpr int kCallAnswerTimeoutSeconds = 8;

// The document a call starts with: `sentence` (e.g. "Contoso is calling to confirm your sign-in.
// Press the pound key to finish. If you didn't try to sign in, press 0 and then the pound key."),
// said while gathering one key press, posted to `action_url` (absolute); then goodbye.
std::string gather_answer_twiml(std::string_view sentence, std::string_view action_url);

// A document that says `sentence` and hangs up (the answer to the action request).
std::string say_and_hang_up_twiml(std::string_view sentence);

// What the `Digits` of the action request mean: "#" approved, "0" (the caller pressed 0 and then
// #) fraud_reported, anything else denied (domain/delivery.h).
CallAnswer call_answer(std::string_view digits);

}  // namespace tessera
