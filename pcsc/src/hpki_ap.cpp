#include "onshi/pcsc/hpki_ap.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "onshi/pcsc/card_crypto.hpp"
#include "onshi/pcsc/hpki_certificate.hpp"
#include "onshi/pcsc/jpki_ap.hpp"
#include "onshi/pcsc/part10.hpp"
#include "onshi/pcsc/status_word.hpp"

namespace onshi::pcsc::hpki {
namespace {

constexpr std::size_t kMaxCertificateSize = 0x7FFF;
constexpr std::size_t kChainPart = 128;  // two parts for a 256-byte block

// Byte by byte: GCC 12 -O2 reports a false -Warray-bounds on a range insert here.
Bytes aid(std::initializer_list<std::uint8_t> pix) {
  Bytes out;
  out.reserve(kRid.size() + pix.size());
  for (auto b : kRid) out.push_back(b);
  for (auto b : pix) out.push_back(b);
  return out;
}

std::vector<Profile> make_profiles() {
  std::vector<Profile> out;
  // cards-and-readers.md §2.2: the 日本医師会 card. PIN EF 0002, key EF 000C, certificate EF
  // 0016; MSE tag 84 with key 000C; VERIFY P2 88; 4-digit PINs.
  AppProfile jma_app;
  jma_app.pin_fid = 0x0002;
  jma_app.key_fid = 0x000C;
  jma_app.certificate_fid = 0x0016;
  jma_app.verify_p2 = 0x88;
  jma_app.mse_tag = 0x84;
  jma_app.key_reference = 0x000C;
  Profile jma{"JMA (日本医師会認証局)", 0x00, true, jma_app, jma_app};
  jma.signature.aid = aid({0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
  jma.authentication.aid = aid({0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02});
  out.push_back(std::move(jma));

  // cards-and-readers.md §2.1 (JAHIS guideline, Appendix B/C): everything by SFI — certificate
  // WEF 18, PIN IEF 16 (VERIFY P2 96), key IEF 17 (MSE tag 81, key 0017). PIXes INVENTED ("ONSHI").
  AppProfile jahis_app;
  jahis_app.certificate_sfi = 0x18;
  jahis_app.verify_p2 = 0x96;
  jahis_app.mse_tag = 0x81;
  jahis_app.key_reference = 0x0017;
  Profile jahis{"JAHIS guideline example", 0x00, true, jahis_app, jahis_app};
  jahis.signature.aid = aid({0x4F, 0x4E, 0x53, 0x48, 0x49, 0x00, 0x01});
  jahis.authentication.aid = aid({0x4F, 0x4E, 0x53, 0x48, 0x49, 0x00, 0x02});
  out.push_back(std::move(jahis));
  return out;
}

Status select_app(Card& card, const Profile& profile, App app) {
  return select_application(card, profile.app(app).aid,
                            fmt::format("HPKI {} application", app_name(app)), profile.select_p2,
                            profile.select_le);
}

// A reader or driver that cannot carry an extended APDU fails the call itself (pcsc-lite with
// libccid on a short-APDU reader: SCARD_E_NOT_TRANSACTED or a protocol error); the card saw
// nothing.
// A card without extended Le/Lc answers 6700 (§2.1 "拡張Lc/Leをサポートしていない").
bool is_transport_refusal(const Error& e) {
  return e.code == Errc::pcsc_failure || e.code == Errc::pcsc_protocol ||
         e.code == Errc::apdu_invalid ||
         (e.code == Errc::card_status && e.native && *e.native == 0x6700);
}

Status expect_ok(const ResponseApdu& r, std::string_view what) {
  if (r.ok()) return {};
  return sw_error(r.sw(), what);
}

CommandApdu read_binary(std::size_t offset, std::size_t le) {
  return {0x00,
          0xB0,
          static_cast<std::uint8_t>((offset >> 8) & 0x7F),
          static_cast<std::uint8_t>(offset & 0xFF),
          {},
          le};
}

// Reads on from `out` (which holds the first bytes) to the DER length, in 256-byte steps or
// one extended READ BINARY.
Result<Bytes> read_rest(Card& card, Bytes out, LongApdu path, std::string_view what) {
  ONSHI_TRY_ASSIGN(const std::size_t size, jpki::der_certificate_size(out, kMaxCertificateSize));
  if (out.size() >= size) {
    out.resize(size);
    return out;
  }
  while (out.size() < size) {
    const std::size_t left = size - out.size();
    const std::size_t want = path == LongApdu::extended ? left : std::min<std::size_t>(256, left);
    ONSHI_TRY_ASSIGN(auto chunk, card.transmit(read_binary(out.size(), want)));
    if (!chunk.ok() && chunk.sw() != 0x6282)
      return sw_error(chunk.sw(), fmt::format("READ BINARY {} at {}", what, out.size()));
    if (chunk.data.empty()) {
      return fail(Errc::card_data_invalid,
                  fmt::format("{} ended at {} of {} bytes", what, out.size(), size));
    }
    const std::size_t take = std::min(chunk.data.size(), left);
    out.insert(out.end(), chunk.data.begin(),
               chunk.data.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return out;
}

// PSO COMPUTE DIGITAL SIGNATURE `00 2A 9E 9A` with the padded block (§2.1 C.6, §2.2 step 6).
Result<ResponseApdu> compute_signature(Card& card, const Bytes& block, LongApdu path) {
  if (path == LongApdu::extended) {
    return card.transmit({0x00, 0x2A, 0x9E, 0x9A, block, kExtendedMaxLe});
  }
  // ISO 7816-4 command chaining: CLA b5 set on every part but the last.
  for (std::size_t at = 0; at < block.size(); at += kChainPart) {
    const std::size_t n = std::min(kChainPart, block.size() - at);
    const bool last = at + n == block.size();
    CommandApdu part{static_cast<std::uint8_t>(last ? 0x00 : 0x10),
                     0x2A,
                     0x9E,
                     0x9A,
                     Bytes(block.begin() + static_cast<std::ptrdiff_t>(at),
                           block.begin() + static_cast<std::ptrdiff_t>(at + n)),
                     last ? std::optional<std::size_t>(kShortMaxLe) : std::nullopt};
    ONSHI_TRY_ASSIGN(auto r, card.transmit(part));
    if (last || !r.ok()) return r;
  }
  return fail(Errc::internal, "empty signature block");
}

}  // namespace

std::string_view app_name(App app) noexcept {
  return app == App::signature ? "signature" : "authentication";
}
std::string_view long_apdu_name(LongApdu path) noexcept {
  return path == LongApdu::extended ? "extended APDU" : "command chaining";
}

const std::vector<Profile>& known_profiles() {
  static const std::vector<Profile> profiles = make_profiles();
  return profiles;
}

Result<Detection> detect(Card& card) {
  for (const auto& profile : known_profiles()) {
    Detection d;
    for (App app : {App::signature, App::authentication}) {
      auto selected = select_app(card, profile, app);
      if (selected) {
        (app == App::signature ? d.signature : d.authentication) = true;
      } else if (selected.error().code != Errc::card_unsupported &&
                 selected.error().code != Errc::card_status) {
        return std::move(selected).error();  // transport: removed, reset, timeout
      }
      // Any status word but 9000 (6A82, 6283 "DF blocked", 6D00 of another card…): not usable.
    }
    if (d.signature || d.authentication) {
      d.profile = &profile;
      return d;
    }
  }
  return Detection{};
}

LongApduChoice choose_long_apdu(Card& card, std::size_t data_size) {
  // Short APDU readers (dwMaxAPDUDataSize 0, or too small) need chaining; a reader that does not
  // answer the Part 10 query (vpcd; many drivers) is assumed to pass extended APDUs on.
  auto features = card.control(kGetFeatureRequest, {});
  if (!features)
    return {LongApdu::extended, "the reader has no PC/SC Part 10 features: extended APDU"};
  auto map = parse_feature_list(*features);
  if (!map) return {LongApdu::extended, "the reader's feature list is unreadable: extended APDU"};
  const auto tlv = map->find(static_cast<std::uint8_t>(Feature::get_tlv_properties));
  if (tlv == map->end())
    return {LongApdu::extended, "the reader has no GET_TLV_PROPERTIES: extended APDU"};
  auto raw = card.control(tlv->second, {});
  if (!raw) return {LongApdu::extended, "GET_TLV_PROPERTIES failed: extended APDU"};
  auto props = parse_tlv_properties(*raw);
  if (!props || !props->max_apdu_data_size) {
    return {LongApdu::extended, "the reader does not state dwMaxAPDUDataSize: extended APDU"};
  }
  if (*props->max_apdu_data_size >= data_size) {
    return {LongApdu::extended,
            fmt::format("the reader takes {} data bytes per APDU: extended APDU",
                        *props->max_apdu_data_size)};
  }
  return {LongApdu::chaining,
          *props->max_apdu_data_size == 0
              ? std::string("the reader takes short APDUs only: command chaining")
              : fmt::format("the reader takes {} data bytes per APDU: command chaining",
                            *props->max_apdu_data_size)};
}

Result<Bytes> read_certificate(Card& card, const Profile& profile, App app, LongApdu path) {
  const AppProfile& a = profile.app(app);
  const std::string what = fmt::format("HPKI {} certificate", app_name(app));
  ONSHI_TRY(select_app(card, profile, app));
  if (a.certificate_fid != 0) {
    // §2.2: SELECT EF, 4 bytes for the DER length, then the rest.
    ONSHI_TRY_ASSIGN(const std::uint16_t sw, select_ef(card, a.certificate_fid));
    if (sw != 0x9000) return sw_error(sw, fmt::format("SELECT EF {:04X}", a.certificate_fid));
    ONSHI_TRY_ASSIGN(auto head, card.transmit(read_binary(0, 4)));
    ONSHI_TRY(expect_ok(head, fmt::format("READ BINARY {}", what)));
    return read_rest(card, std::move(head.data), path, what);
  }
  // §2.1: READ BINARY by SFI; the read makes the EF current for the offsets that follow.
  const std::size_t le = path == LongApdu::extended ? kExtendedMaxLe : kShortMaxLe;
  ONSHI_TRY_ASSIGN(
      auto first,
      card.transmit(
          {0x00, 0xB0, static_cast<std::uint8_t>(0x80 | a.certificate_sfi), 0x00, {}, le}));
  if (!first.ok() && first.sw() != 0x6282)
    return sw_error(first.sw(), fmt::format("READ BINARY {}", what));
  return read_rest(card, std::move(first.data), path, what);
}

Result<Bytes> read_certificate_auto(Card& card, const Profile& profile, App app,
                                    LongApduChoice& choice) {
  auto der = read_certificate(card, profile, app, choice.path);
  if (!der && choice.path == LongApdu::extended && is_transport_refusal(der.error())) {
    // The reader did not say and could not pass the extended READ BINARY on, or the card has no
    // extended Le (6700, §2.1): short steps, and chaining for what follows.
    choice = {LongApdu::chaining,
              fmt::format("an extended APDU was refused ({}): short reads and command chaining",
                          errc_name(der.error().code))};
    der = read_certificate(card, profile, app, choice.path);
  }
  return der;
}

PinReference pin_reference(const Profile& profile, App app) noexcept {
  const AppProfile& a = profile.app(app);
  PinReference ref;
  ref.aid = a.aid;
  ref.fid = a.pin_fid;
  ref.name = app == App::signature ? "HPKI signature PIN" : "HPKI authentication PIN";
  ref.format = PinFormat::hpki_pin;
  ref.verify_p2 = a.verify_p2;
  ref.select_p2 = profile.select_p2;
  ref.select_le = profile.select_le;
  ref.retry_limited = true;  // 15 tries, then a paid re-issue (§2.3)
  return ref;
}

Result<PinStatus> read_pin_status(Card& card, const Profile& profile, App app) {
  ONSHI_TRY(select_app(card, profile, app));
  const AppProfile& a = profile.app(app);
  if (a.pin_fid != 0) return pcsc::read_pin_status(card, a.pin_fid, a.verify_p2);
  return read_pin_status_by_reference(card, a.verify_p2);
}

Result<Bytes> pkcs1_v15_block(ByteView digest_info, std::size_t modulus_bytes) {
  if (digest_info.size() + 11 > modulus_bytes) {
    return fail(Errc::invalid_argument,
                fmt::format("a {}-byte DigestInfo does not fit a {}-byte key", digest_info.size(),
                            modulus_bytes));
  }
  // 00 01 FF…FF 00 DigestInfo, appended in order (GCC 12 -O2 warns falsely on indexing here).
  Bytes block;
  block.reserve(modulus_bytes);
  block.push_back(0x00);
  block.push_back(0x01);
  block.resize(modulus_bytes - digest_info.size() - 1, 0xFF);
  block.push_back(0x00);
  for (auto b : digest_info) block.push_back(b);
  return block;
}

Result<SignResult> sign_with_pin(ExclusiveCard& exclusive, SecretBytes& pin,
                                 const SignRequest& request) {
  struct EndOfHold {
    ExclusiveCard& card;
    SecretBytes& pin;
    ~EndOfHold() {
      pin.clear();
      (void)card.release();
    }
  } end{exclusive, pin};
  Card& card = exclusive.card();
  if (request.sha256.size() != 32) {
    return fail(Errc::invalid_argument,
                fmt::format("a SHA-256 hash is 32 bytes, got {}", request.sha256.size()));
  }
  ONSHI_TRY_ASSIGN(const Detection detected, detect(card));
  if (detected.profile == nullptr)
    return fail(Errc::card_unsupported, "not an HPKI card of a known profile");
  if (!(request.app == App::signature ? detected.signature : detected.authentication)) {
    return fail(Errc::card_unsupported,
                fmt::format("this HPKI card has no {} application", app_name(request.app)));
  }
  SignResult out;
  out.profile = detected.profile;
  const Profile& profile = *detected.profile;
  const AppProfile& a = profile.app(request.app);

  ONSHI_TRY_ASSIGN(const Bytes di, digest_info(HashAlgorithm::sha256, request.sha256));
  out.path = request.path ? LongApduChoice{*request.path, "chosen by the caller"}
                          : choose_long_apdu(card, 256);
  if (request.path) out.path.why = "chosen by the caller";
  ONSHI_TRY_ASSIGN(out.certificate,
                   request.path ? read_certificate(card, profile, request.app, out.path.path)
                                : read_certificate_auto(card, profile, request.app, out.path));
  if (request.app == App::signature) {
    // certificate-profiles.md §2.4: a signature certificate is for nonRepudiation only; one
    // without it must not sign prescriptions. Checked before any PIN reaches the card.
    ONSHI_TRY_ASSIGN(const HolderCertificate holder, holder_certificate(out.certificate));
    ONSHI_TRY(check_signature_certificate(holder));
  }
  ONSHI_TRY_ASSIGN(const KeyInfo key, certificate_key(out.certificate));
  if (key.kind != KeyInfo::Kind::rsa || (key.bits != 2048 && key.bits != 4096)) {
    return fail(
        Errc::not_supported,
        fmt::format("an HPKI key is RSA-2048 or RSA-4096 (§2.1), this card's is {}", key.name()));
  }
  ONSHI_TRY_ASSIGN(const Bytes block,
                   pkcs1_v15_block(di, static_cast<std::size_t>((key.bits + 7) / 8)));

  if (!request.path && block.size() > 256 && out.path.path == LongApdu::extended) {
    out.path = choose_long_apdu(card, block.size());  // RSA-4096: a 512-byte block
  }

  // §2.2 order: SELECT AP, SELECT PIN EF, (counter), SELECT key EF, MSE SET, VERIFY, PSO.
  const PinReference ref = pin_reference(profile, request.app);
  if (request.pad) {
    ONSHI_TRY(check_pad_can_enter(ref));
  } else {
    ONSHI_TRY(check_pin_format(pin, ref.format));
  }
  ONSHI_TRY_ASSIGN(out.verify, read_counter_before_verify(card, ref));
  // Refuse before anything else reaches the card (verify_once checks again).
  ONSHI_TRY(guard_pin_attempt(out.verify.before, request.policy, ref.name, ref.retry_limited));
  if (a.key_fid != 0) {
    ONSHI_TRY_ASSIGN(const std::uint16_t sw, select_ef(card, a.key_fid));
    if (sw != 0x9000) return sw_error(sw, fmt::format("SELECT EF {:04X}", a.key_fid));
  }
  ONSHI_TRY_ASSIGN(auto mse,
                   card.transmit({0x00,
                                  0x22,
                                  0x41,
                                  0xB6,
                                  {a.mse_tag, 0x02, static_cast<std::uint8_t>(a.key_reference >> 8),
                                   static_cast<std::uint8_t>(a.key_reference)},
                                  std::nullopt}));
  ONSHI_TRY(expect_ok(mse, "MSE SET DST"));
  if (request.pad) {
    ONSHI_TRY(verify_once_on_pad(card, ref, *request.pad, out.verify.before, request.policy));
  } else {
    ONSHI_TRY(verify_once(card, ref, pin, out.verify.before, request.policy));
  }
  pin.clear();
  auto pso = compute_signature(card, block, out.path.path);
  bool fell_back = false;
  if (out.path.path == LongApdu::extended && !request.path &&
      ((!pso && is_transport_refusal(pso.error())) || (pso && pso->sw() == 0x6700))) {
    // Not executed (the reader refused the extended APDU, or the card its length): the PIN stays
    // verified, so the same block goes again by chaining. The PIN is never sent twice.
    out.path = {LongApdu::chaining, "the extended PSO was refused: command chaining"};
    pso = compute_signature(card, block, out.path.path);
    fell_back = true;
  }
  if (!pso) return std::move(pso).error();
  ResponseApdu signed_ = std::move(pso).value();
  if (signed_.sw() == 0x6883 || signed_.sw() == 0x6884) {
    return fail(
        Errc::not_supported,
        fmt::format(
            "PSO COMPUTE DIGITAL SIGNATURE: the 256-byte block fits no APDU this reader and card "
            "share (extended APDU refused, command chaining answered {:04X})",
            signed_.sw()));
  }
  if (signed_.sw() == 0x6982 && fell_back) {
    return fail(
        Errc::card_status,
        "PSO COMPUTE DIGITAL SIGNATURE: the extended attempt's answer was lost and the chained "
        "retry was refused (6982), so the card may have signed once already; sign again (with a "
        "new "
        "VERIFY) if a signature is still needed");
  }
  if (signed_.sw() == 0x6982) {
    return fail(Errc::card_status,
                "PSO COMPUTE DIGITAL SIGNATURE: security status not satisfied (6982)");
  }
  ONSHI_TRY(expect_ok(
      signed_, fmt::format("PSO COMPUTE DIGITAL SIGNATURE ({})", long_apdu_name(out.path.path))));
  if (signed_.data.size() != block.size()) {
    return fail(Errc::card_data_invalid,
                fmt::format("the card returned a {}-byte signature for a {} key",
                            signed_.data.size(), key.name()));
  }
  out.signature = std::move(signed_.data);
  ONSHI_TRY(verify_signature_prehashed(out.certificate, HashAlgorithm::sha256, request.sha256,
                                       out.signature));
  ONSHI_TRY(exclusive.release());
  return out;
}

}  // namespace onshi::pcsc::hpki
