#include "notify/twilio/voice_twiml.h"

namespace tessera {

std::string gather_answer_twiml(std::string_view sentence, std::string_view action_url) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Gather input=\"dtmf\" "
         "finishOnKey=\"\" numDigits=\"1\" timeout=\"" +
         std::to_string(kCallAnswerTimeoutSeconds) + "\" method=\"POST\" action=\"" +
         xml_escape(action_url) + "\"><Say>" + xml_escape(sentence) +
         "</Say></Gather><Say>We didn't get your answer. Goodbye.</Say><Hangup/></Response>\n";
}

std::string say_and_hang_up_twiml(std::string_view sentence) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Say>" + xml_escape(sentence) +
         "</Say><Hangup/></Response>\n";
}

CallAnswer call_answer(std::string_view digits) {
  if (digits == "#") return CallAnswer::approved;
  if (digits == "0") return CallAnswer::fraud_reported;
  return CallAnswer::denied;
}

}  // namespace tessera
