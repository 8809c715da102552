#include "onshi/pcsc/pin.hpp"

#include <fmt/format.h>

#include "onshi/pcsc/status_word.hpp"

namespace onshi::pcsc {
namespace {

bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }
bool is_upper(std::uint8_t c) { return c >= 'A' && c <= 'Z'; }

Status select_for(Card& card, const PinReference& ref) {
  return select_application(card, ref.aid, ref.name, ref.select_p2, ref.select_le);
}

Result<PinStatus> read_counter(Card& card, const PinReference& ref) {
  if (ref.fid != 0) return read_pin_status(card, ref.fid, ref.verify_p2);
  return read_pin_status_by_reference(card, ref.verify_p2);
}

// The "verified" answer right after a power-down cannot be believed either; give up then.
Result<PinStatus> read_status_after_power_down(Card& card, const PinReference& ref) {
  ONSHI_TRY(card.reconnect(Disposition::unpower));
  // One card answered 6F00 to the first command after a power cycle (§1.4): a throw-away SELECT.
  (void)card.transmit(
      {0x00, 0xA4, 0x04, 0x0C, Bytes(ref.aid.begin(), ref.aid.end()), std::nullopt});
  ONSHI_TRY(select_for(card, ref));
  return read_counter(card, ref);
}

PinStatus interpret_counter(const ResponseApdu& r, bool& known) {
  PinStatus s;
  known = true;
  if (r.ok()) {
    s.verified = true;
  } else if (auto n = sw_retries(r.sw())) {
    s.tries_left = *n;
    s.blocked = *n == 0;
  } else if (r.sw() == 0x6984 || r.sw() == 0x6983) {
    // 6984 per cards-and-readers.md §1.4; 6983 is ISO 7816-4's "authentication method blocked"
    // (HPKI, §2.1).
    s.tries_left = 0;
    s.blocked = true;
  } else if (r.sw() != 0x6300) {
    known = false;
  }
  return s;
}

}  // namespace

Status check_pin_format(SecretBytes& pin, PinFormat format) {
  // The span is read-only; upper-casing goes through a copy that is itself a SecretBytes.
  const ByteView v = pin.view();
  switch (format) {
    case PinFormat::four_digits:
      if (v.size() != 4)
        return fail(Errc::pin_format,
                    fmt::format("the PIN must be exactly 4 digits, got {} characters", v.size()));
      for (auto c : v) {
        if (!is_digit(c)) return fail(Errc::pin_format, "the PIN must be 4 digits (0-9 only)");
      }
      return {};
    case PinFormat::jpki_sign_password: {
      if (v.size() < 6 || v.size() > 16) {
        return fail(
            Errc::pin_format,
            fmt::format("the signature password must be 6 to 16 characters, got {}", v.size()));
      }
      Bytes upper(v.begin(), v.end());
      for (auto& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<std::uint8_t>(c - 'a' + 'A');
        if (!is_digit(c) && !is_upper(c)) {
          secure_wipe(upper.data(), upper.size());
          return fail(Errc::pin_format,
                      "the signature password may contain only letters A-Z and digits 0-9");
        }
      }
      pin = SecretBytes(upper);
      secure_wipe(upper.data(), upper.size());
      return {};
    }
    case PinFormat::hpki_pin:
      if (v.size() < 4 || v.size() > 16) {
        return fail(Errc::pin_format,
                    fmt::format("the PIN must be 4 to 16 characters, got {}", v.size()));
      }
      for (auto c : v) {
        if (c < 0x21 || c > 0x7E)
          return fail(Errc::pin_format, "the PIN may contain only printable ASCII characters");
      }
      return {};
  }
  return fail(Errc::internal, "unknown PIN format");
}

Status select_application(Card& card, std::span<const std::uint8_t> aid, std::string_view name,
                          std::uint8_t p2, bool with_le) {
  ONSHI_TRY_ASSIGN(auto r,
                   card.transmit({0x00, 0xA4, 0x04, p2, Bytes(aid.begin(), aid.end()),
                                  with_le ? std::optional<std::size_t>(256) : std::nullopt}));
  if (r.sw() == 0x6A82) {
    return fail(Errc::card_unsupported,
                fmt::format("the card has no {} (SELECT answered 6A82)", name));
  }
  if (!r.ok()) return sw_error(r.sw(), fmt::format("SELECT {}", name));
  return {};
}

Result<std::uint16_t> select_ef(Card& card, std::uint16_t fid) {
  ONSHI_TRY_ASSIGN(
      auto r, card.transmit({0x00,
                             0xA4,
                             0x02,
                             0x0C,
                             {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)},
                             std::nullopt}));
  return r.sw();
}

Result<PinStatus> read_pin_status(Card& card, std::uint16_t fid, std::uint8_t verify_p2) {
  ONSHI_TRY_ASSIGN(const std::uint16_t selected, select_ef(card, fid));
  if (selected == 0x6A82) {
    return fail(Errc::pin_not_set,
                fmt::format("the card has no PIN {:04X} (SELECT EF answered 6A82)", fid));
  }
  if (selected != 0x9000) return sw_error(selected, fmt::format("SELECT EF {:04X}", fid));
  ONSHI_TRY_ASSIGN(auto r, card.transmit({0x00, 0x20, 0x00, verify_p2, {}, std::nullopt}));
  bool known = false;
  const PinStatus s = interpret_counter(r, known);
  if (!known) return sw_error(r.sw(), fmt::format("VERIFY (counter) EF {:04X}", fid));
  return s;
}

Result<PinStatus> read_pin_status_by_reference(Card& card, std::uint8_t verify_p2) {
  ONSHI_TRY_ASSIGN(auto r, card.transmit({0x00, 0x20, 0x00, verify_p2, {}, std::nullopt}));
  if (r.sw() == 0x6A82 || r.sw() == 0x6A88) {
    return fail(
        Errc::pin_not_set,
        fmt::format("the card has no PIN {:02X} (VERIFY answered {:04X})", verify_p2, r.sw()));
  }
  bool known = false;
  const PinStatus s = interpret_counter(r, known);
  if (!known) return sw_error(r.sw(), fmt::format("VERIFY (counter) P2 {:02X}", verify_p2));
  return s;
}

Status guard_pin_attempt(const PinStatus& status, const PinPolicy& policy, std::string_view name,
                         bool retry_limited) {
  if (retry_limited && !status.blocked && !status.tries_left && !status.verified &&
      !policy.allow_last_try) {
    // 6300 from a PIN known to lock (HPKI: 15 tries, §2.3): the count is hidden, so this could be
    // the last try. Treated like the last try.
    return fail(
        Errc::pin_state_unknown,
        fmt::format("{}: the card does not say how many tries are left (6300), and this PIN "
                    "locks; not sent without the explicit use-last-try option",
                    name));
  }
  if (status.blocked) {
    Error e{Errc::pin_blocked, fmt::format("{} is blocked; only the issuer (for a My Number card, "
                                           "the municipal office) can unblock it",
                                           name)};
    e.retries_remaining = 0;
    return Unexpected{std::move(e)};
  }
  if (status.tries_left && *status.tries_left == 1 && !policy.allow_last_try) {
    Error e{
        Errc::pin_last_try,
        fmt::format("{}: only 1 try is left; a wrong PIN now blocks the card. Not sent: ask the "
                    "holder to check the PIN, then retry with the explicit use-last-try option",
                    name)};
    e.retries_remaining = 1;
    return Unexpected{std::move(e)};
  }
  return {};
}

Result<VerifyOutcome> read_counter_before_verify(Card& card, const PinReference& ref) {
  if (card.share_mode() != ShareMode::exclusive) {
    return fail(Errc::invalid_argument,
                fmt::format("{}: VERIFY needs an exclusive connection (ExclusiveCard)", ref.name));
  }
  ONSHI_TRY(select_for(card, ref));
  VerifyOutcome out;
  ONSHI_TRY_ASSIGN(out.before, read_counter(card, ref));
  if (out.before.verified) {
    // Someone verified this PIN earlier in this power cycle: the counter is hidden behind the
    // 9000. Only a power-down clears it; then the real counter shows.
    out.powered_down = true;
    ONSHI_TRY_ASSIGN(out.before, read_status_after_power_down(card, ref));
    if (out.before.verified) {
      return fail(Errc::pin_state_unknown,
                  fmt::format("{}: the card still reports \"verified\" after a power-down, so its "
                              "retry counter is unknown; not sending the PIN",
                              ref.name));
    }
  }
  return out;
}

Result<VerifyOutcome> verify_pin(Card& card, const PinReference& ref, SecretBytes& pin,
                                 const PinPolicy& policy) {
  ONSHI_TRY(check_pin_format(pin, ref.format));  // before any APDU: a malformed PIN costs nothing
  ONSHI_TRY_ASSIGN(VerifyOutcome out, read_counter_before_verify(card, ref));
  ONSHI_TRY(verify_once(card, ref, pin, out.before, policy));
  return out;
}

Status verify_once(Card& card, const PinReference& ref, SecretBytes& pin, const PinStatus& before,
                   const PinPolicy& policy) {
  if (card.share_mode() != ShareMode::exclusive) {
    return fail(Errc::invalid_argument,
                fmt::format("{}: VERIFY needs an exclusive connection (ExclusiveCard)", ref.name));
  }
  ONSHI_TRY(check_pin_format(pin, ref.format));
  if (before.verified)
    return fail(Errc::pin_state_unknown, fmt::format("{}: counter not read", ref.name));
  ONSHI_TRY(guard_pin_attempt(before, policy, ref.name, ref.retry_limited));

  // Sent once. Whatever the answer, it is not sent again.
  CommandApdu verify{
      0x00, 0x20, 0x00, ref.verify_p2, Bytes(pin.view().begin(), pin.view().end()), std::nullopt};
  // From here a verified state may exist: whatever happens, this handle ends unpowered.
  card.set_final_disposition(Disposition::unpower);
  auto sent = card.transmit_sensitive(std::move(verify));
  if (!sent) {
    // The PIN went out and the answer was lost: a try may be spent, or the PIN verified.
    Error e{
        Errc::pin_state_unknown,
        fmt::format(
            "{}: the PIN was sent but its answer was lost ({}); the outcome is unknown. Read the "
            "counter before trying again",
            ref.name, sent.error().to_string())};
    return Unexpected{std::move(e)};
  }
  return verify_answer(ref, std::move(sent).value().sw());
}

Status verify_answer(const PinReference& ref, std::uint16_t sw) {
  if (sw == 0x9000) return {};
  if (sw == 0x6300) {
    return Unexpected{Error{
        Errc::pin_wrong,
        fmt::format("{}: wrong PIN (the card does not say how many tries are left)", ref.name),
        sw}};
  }
  if (auto n = sw_retries(sw)) {
    Error e{*n == 0 ? Errc::pin_blocked : Errc::pin_wrong,
            *n == 0
                ? fmt::format("{}: wrong PIN, and that was the last try: the PIN is now blocked",
                              ref.name)
                : fmt::format("{}: wrong PIN, {} {} left", ref.name, *n, *n == 1 ? "try" : "tries"),
            sw};
    e.retries_remaining = *n;
    return Unexpected{std::move(e)};
  }
  if (sw == 0x6984 || sw == 0x6983) {
    Error e{Errc::pin_blocked, fmt::format("{} is blocked", ref.name), sw};
    e.retries_remaining = 0;
    return Unexpected{std::move(e)};
  }
  return sw_error(sw, fmt::format("VERIFY {}", ref.name));
}

}  // namespace onshi::pcsc
