// PIN safety, shared by every card application that has a PIN with a retry counter (the My
// Number card's JPKI and 券面事項入力補助 APs, HPKI cards). The rules (cards-and-readers.md §1.4):
// read the counter before every VERIFY, without spending a try (empty VERIFY); 9000 there means
// "verified earlier in this power cycle, counter not reported": power the card down and read
// again; 6300 means no limit; refuse the last try unless the caller explicitly allows it; send a
// PIN once and never retry it; keep the PIN in wiped buffers; VERIFY only on an exclusive
// connection that ends with SCARD_UNPOWER_CARD (ExclusiveCard), so the verified state dies with it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

struct PinStatus {
  std::optional<int> tries_left;  // nullopt: no retry limit (6300), or not reported (verified)
  bool blocked = false;           // 63C0 or 6984
  bool verified = false;          // 9000: verified earlier in this power cycle
};

// What a PIN must look like before it may reach the card (a malformed PIN would cost a try).
enum class PinFormat {
  four_digits,  // JPKI auth PIN, 券面事項入力補助 PIN: exactly 4 ASCII digits (§1.4, §1.7)
  jpki_sign_password,  // JPKI sign password: 6–16 of A–Z and 0–9 (§1.4); a–z are upper-cased
  hpki_pin,            // HPKI cards: 4–16 printable ASCII characters
};

struct PinReference {
  std::span<const std::uint8_t> aid;  // the application (DF name) the PIN EF lives in
  std::uint16_t fid = 0;  // the PIN's EF, selected before VERIFY; 0: VERIFY names it in P2
  std::string_view name;  // for messages: "JPKI auth PIN (0018)"
  PinFormat format = PinFormat::four_digits;
  std::uint8_t verify_p2 = 0x80;  // 80 = key of the current EF (§1.4)
  std::uint8_t select_p2 = 0x0C;  // SELECT of the application: 0C (no FCI) or 00 (FCI, §2.1)
  bool select_le = false;         // Le 00 on that SELECT (§2.1, §2.2)
  // The PIN locks after a fixed number of tries even when the card answers 6300 (HPKI, §2.3):
  // then 6300 hides the count and is guarded like the last try.
  bool retry_limited = false;
};

struct PinPolicy {
  // The patient's last try may be spent only when a person decided so (the card locks after it,
  // and only a municipal office can unblock a My Number card).
  bool allow_last_try = false;
};

// Checks a PIN's format (and upper-cases a JPKI sign password in place). The error never
// contains the PIN.
Status check_pin_format(SecretBytes& pin, PinFormat format);

// Empty VERIFY (after SELECT EF `fid`, in the current application): never spends a try.
// A missing PIN EF (6A82) is Errc::pin_not_set.
Result<PinStatus> read_pin_status(Card& card, std::uint16_t fid, std::uint8_t verify_p2 = 0x80);
// The same for a PIN that VERIFY names in P2 (an SFI form such as 96, §2.1): no SELECT EF.
Result<PinStatus> read_pin_status_by_reference(Card& card, std::uint8_t verify_p2);

// The refusal rules, as a pure function: blocked → pin_blocked; one try left without the flag →
// pin_last_try (retries_remaining = 1).
// A retry-limited PIN whose count is hidden (6300) is refused the same way (pin_state_unknown).
Status guard_pin_attempt(const PinStatus& status, const PinPolicy& policy, std::string_view name,
                         bool retry_limited = false);

struct VerifyOutcome {
  PinStatus before;           // the counter read just before VERIFY
  bool powered_down = false;  // the card reported "verified" and was powered down first
};

// The first half, for cards that want other commands between the counter and VERIFY (HPKI:
// MSE SET): SELECT the application, counter, power-down-and-reread on 9000.
Result<VerifyOutcome> read_counter_before_verify(Card& card, const PinReference& pin_ref);
// The second half: format, guard on `before`, one VERIFY, and the error mapping below.
Status verify_once(Card& card, const PinReference& pin_ref, SecretBytes& pin,
                   const PinStatus& before, const PinPolicy& policy);

// What VERIFY's status word means, the same whether the host or a pin pad sent the PIN: 9000 ok;
// 63Cx pin_wrong with retries_remaining (63C0 pin_blocked); 6300 pin_wrong; 6983/6984 blocked.
Status verify_answer(const PinReference& pin_ref, std::uint16_t sw);

// The whole rule set: format check, SELECT the application, counter, power-down-and-reread on
// 9000, guard, one VERIFY. The card must be connected exclusively (Errc::invalid_argument
// otherwise). A wrong PIN is Errc::pin_wrong with retries_remaining; 63C0 / 6984 pin_blocked.
Result<VerifyOutcome> verify_pin(Card& card, const PinReference& pin_ref, SecretBytes& pin,
                                 const PinPolicy& policy);

// SELECT by DF name, `00 A4 04 0C` (§1.2), or with P2 00 and Le for an FCI (§2.1). 6A82 is
// Errc::card_unsupported ("the card has no <name>").
Status select_application(Card& card, std::span<const std::uint8_t> aid, std::string_view name,
                          std::uint8_t p2 = 0x0C, bool with_le = false);
// SELECT EF by FID, `00 A4 02 0C` (§1.3).
Result<std::uint16_t> select_ef(Card& card, std::uint16_t fid);  // returns the SW

}  // namespace onshi::pcsc
