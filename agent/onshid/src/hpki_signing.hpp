// An HPKI signature on a card reader (POST /v1/signatures): the doctor's or pharmacist's card
// (医師資格証 / 薬剤師資格証) signs the caller's SHA-256 digest. It runs as a card session of its
// own on the reader (card_sessions.hpp), so no My Number session starts there meanwhile.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <string>

#include "card_sessions.hpp"
#include "onshi/api/signature_request.hpp"

namespace onshi::agent {

struct SigningContext {
  const std::string& id;
  const SessionReader& reader;
  const api::SignatureRequest& request;
  Mailbox& mailbox;
  ProgressBoard& progress;
  const std::atomic<bool>& stopping;
  std::function<void(std::string)> set_step;
  std::function<bool()> card_present;  // the slot has a card now (the reader monitor's view)
};

// Waits for the card, then one exclusive hold (hpki::sign_with_pin): the profile, the counter
// and its guard, the PIN on the pad or the caller's, the signature checked with the card's
// certificate, the card powered down. The answer: the signature, the certificate, the holder and
// hcRole, the path taken.
Result<nlohmann::json> run_hpki_signature(const SigningContext& context);

}  // namespace onshi::agent
