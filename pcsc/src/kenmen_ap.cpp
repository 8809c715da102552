#include "onshi/pcsc/kenmen_ap.hpp"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/err.h>

#include <chrono>
#include <optional>

#include "onshi/pcsc/status_word.hpp"

namespace onshi::pcsc::kenmen {
namespace {

// The 2023 layout's extra bytes are 2 (§1.7); a few more are tolerated, never a scan of the file.
constexpr std::size_t kMaxPrefix = 8;
constexpr std::size_t kMaxFileSize = 0x7FFF;  // READ BINARY's 15-bit offset (§1.6)
// Tag numbers of cards-and-readers.md §1.7 (private class): FF 20 and DF 21–DF 25.
constexpr int kTagBasicFour = 0x20;
constexpr int kTagOffsets = 0x21;
constexpr int kTagName = 0x22;
constexpr int kTagAddress = 0x23;
constexpr int kTagBirthDate = 0x24;
constexpr int kTagSex = 0x25;

struct Tlv {
  int number = 0;  // tag number: FF 20 → 32, DF 22 → 34 (private class, cards-and-readers.md §1.7)
  bool private_class = false;
  bool constructed = false;
  std::size_t header = 0;
  ByteView value;
};

// One BER-TLV at the start of `in`, through OpenSSL's ASN.1 reader (definite lengths only).
Result<Tlv> parse_tlv(ByteView in) {
  if (in.empty()) return fail(Errc::card_data_invalid, "TLV expected, data ended");
  const unsigned char* p = in.data();
  long length = 0;
  int number = 0;
  int klass = 0;
  const int ret = ASN1_get_object(&p, &length, &number, &klass, static_cast<long>(in.size()));
  ERR_clear_error();  // OpenSSL queues its complaint; ours is the message below
  const auto header = static_cast<std::size_t>(p - in.data());
  // A header OpenSSL cannot read leaves `p` where it was; a length past the data sets 0x80 too,
  // with the header read, and is told apart below.
  if (header == 0 || header > in.size()) {
    return fail(Errc::card_data_invalid, fmt::format("malformed TLV header starting {:02X}: tag or "
                                                     "length unreadable in the {} bytes present",
                                                     in[0], in.size()));
  }
  if ((ret & 0x01) != 0)
    return fail(Errc::card_data_invalid,
                fmt::format("TLV starting {:02X}: indefinite length", in[0]));
  if (length < 0 || static_cast<std::size_t>(length) > in.size() - header) {
    return fail(Errc::card_data_invalid,
                fmt::format("TLV starting {:02X}: {} bytes announced, {} present", in[0], length,
                            in.size() - header));
  }
  Tlv t;
  t.number = number;
  t.private_class = klass == V_ASN1_PRIVATE;
  t.constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
  t.header = header;
  t.value = in.subspan(header, static_cast<std::size_t>(length));
  return t;
}

// The offset of `FF 20` in the first bytes of the file.
Result<std::size_t> find_basic_four(ByteView file) {
  for (std::size_t at = 0; at <= kMaxPrefix && at + 1 < file.size(); ++at) {
    if (file[at] == 0xFF && file[at + 1] == 0x20) return at;
  }
  return fail(Errc::card_data_invalid,
              fmt::format("EF 0002 has no FF 20 tag in its first {} bytes", kMaxPrefix + 2));
}

bool valid_utf8(ByteView s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::uint8_t c = s[i];
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;  // control characters have no place in a name
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else
      return false;
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

Result<std::string> text_item(std::optional<ByteView> v, std::string_view what, int tag) {
  if (!v)
    return fail(Errc::card_data_invalid, fmt::format("EF 0002: {} (DF{:02X}) missing", what, tag));
  if (v->empty())
    return fail(Errc::card_data_invalid, fmt::format("EF 0002: {} (DF{:02X}) is empty", what, tag));
  if (!valid_utf8(*v))
    return fail(Errc::card_data_invalid,
                fmt::format("EF 0002: {} (DF{:02X}) is not valid UTF-8", what, tag));
  return std::string(v->begin(), v->end());
}

}  // namespace

BasicFour::BasicFour(BasicFour&& other) noexcept
    : name(other.name), address(other.address), birth_date(other.birth_date), sex(other.sex) {
  other.clear();  // copied, then wiped: a moved-from short string keeps its bytes otherwise
}

BasicFour& BasicFour::operator=(BasicFour&& other) noexcept {
  if (this != &other) {
    clear();
    name = other.name;
    address = other.address;
    birth_date = other.birth_date;
    sex = other.sex;
    other.clear();
  }
  return *this;
}

void BasicFour::clear() noexcept {
  for (std::string* s : {&name, &address, &birth_date, &sex}) {
    secure_wipe(s->data(), s->capacity());
    s->clear();
  }
}

Result<BasicFour> parse_basic_four(ByteView file) {
  ONSHI_TRY_ASSIGN(const std::size_t at, find_basic_four(file));
  ONSHI_TRY_ASSIGN(const Tlv outer, parse_tlv(file.subspan(at)));
  if (!outer.private_class || !outer.constructed || outer.number != kTagBasicFour) {
    return fail(Errc::card_data_invalid, "EF 0002: outer tag is not FF 20");
  }

  std::optional<ByteView> items[5];  // DF21..DF25
  ByteView rest = outer.value;
  while (!rest.empty()) {
    ONSHI_TRY_ASSIGN(const Tlv t, parse_tlv(rest));
    if (t.private_class && !t.constructed && t.number >= kTagOffsets && t.number <= kTagSex) {
      auto& slot = items[t.number - kTagOffsets];
      if (slot)
        return fail(Errc::card_data_invalid,
                    fmt::format("EF 0002: tag DF{:02X} appears twice", t.number));
      slot = t.value;
    }
    rest = rest.subspan(t.header + t.value.size());
  }

  if (items[0] && items[0]->size() != 8) {
    return fail(
        Errc::card_data_invalid,
        fmt::format("EF 0002: offset table DF21 of {} bytes, expected 8", items[0]->size()));
  }
  BasicFour out;
  ONSHI_TRY_ASSIGN(out.name, text_item(items[1], "name", kTagName));
  ONSHI_TRY_ASSIGN(out.address, text_item(items[2], "address", kTagAddress));
  ONSHI_TRY_ASSIGN(out.birth_date, text_item(items[3], "birth date", kTagBirthDate));
  ONSHI_TRY_ASSIGN(out.sex, text_item(items[4], "sex", kTagSex));

  const auto& d = out.birth_date;
  const bool digits = d.size() == 8 && d.find_first_not_of("0123456789") == std::string::npos;
  if (!digits)
    return fail(Errc::card_data_invalid, "EF 0002: birth date is not 8 digits (YYYYMMDD)");
  const std::chrono::year_month_day ymd{
      std::chrono::year{std::stoi(d.substr(0, 4))},
      std::chrono::month{static_cast<unsigned>(std::stoi(d.substr(4, 2)))},
      std::chrono::day{static_cast<unsigned>(std::stoi(d.substr(6, 2)))}};
  if (!ymd.ok()) return fail(Errc::card_data_invalid, "EF 0002: birth date is not a calendar date");
  if (out.sex != "0" && out.sex != "1" && out.sex != "2" && out.sex != "9") {
    return fail(Errc::card_data_invalid, "EF 0002: sex is not an ISO 5218 code (0, 1, 2 or 9)");
  }
  return out;
}

Result<BasicFour> read_basic_four(Card& card, SecretBytes& pin, const PinPolicy& policy) {
  auto verified = verify_pin(card, pin_reference(), pin, policy);
  pin.clear();
  if (!verified) return std::move(verified).error();

  ONSHI_TRY_ASSIGN(const std::uint16_t sw, select_ef(card, kEfBasicFour));
  if (sw != 0x9000) return sw_error(sw, "SELECT EF 0002");
  // The first 256 bytes carry the header; then only what the TLV length says. Personal data: the
  // buffer is reserved once (no reallocation leaves copies behind) and wiped on every way out.
  struct Wiped {
    Bytes bytes;
    ~Wiped() { secure_wipe(bytes.data(), bytes.capacity()); }
  } buffer;
  Bytes& file = buffer.bytes;
  file.reserve(kMaxFileSize + kShortMaxLe);
  std::optional<std::size_t> total;
  while (!total || file.size() < *total) {
    const std::size_t want = total ? std::min<std::size_t>(256, *total - file.size()) : 256;
    ONSHI_TRY_ASSIGN(auto r, card.transmit({0x00,
                                            0xB0,
                                            static_cast<std::uint8_t>((file.size() >> 8) & 0x7F),
                                            static_cast<std::uint8_t>(file.size() & 0xFF),
                                            {},
                                            want}));
    const bool end_of_file = r.sw() == 0x6282 || r.sw() == 0x6B00;
    if (!r.ok() && !end_of_file)
      return sw_error(r.sw(), fmt::format("READ BINARY EF 0002 at {}", file.size()));
    if (file.size() + r.data.size() > file.capacity()) {
      secure_wipe(r.data.data(), r.data.size());
      return fail(Errc::card_data_invalid, fmt::format("EF 0002 runs past {} bytes", kMaxFileSize));
    }
    file.insert(file.end(), r.data.begin(), r.data.end());
    secure_wipe(r.data.data(), r.data.size());
    if (!total) {
      ONSHI_TRY_ASSIGN(const std::size_t at, find_basic_four(file));
      auto outer = parse_tlv(ByteView(file).subspan(at));
      std::size_t need = 0;
      if (outer) {
        need = at + outer->header + outer->value.size();
      } else {
        // Longer than the first chunk: take the length from the header alone.
        const ByteView h = ByteView(file).subspan(at);
        if (h.size() >= 5 && h[2] == 0x82)
          need = at + 5 + ((std::size_t{h[3]} << 8) | h[4]);
        else if (h.size() >= 4 && h[2] == 0x81)
          need = at + 4 + h[3];
        else
          return std::move(outer).error();
      }
      if (need > kMaxFileSize)
        return fail(Errc::card_data_invalid, fmt::format("EF 0002 claims {} bytes", need));
      total = need;
    }
    if (file.size() < *total && (end_of_file || r.data.empty())) {
      return fail(Errc::card_data_invalid,
                  fmt::format("EF 0002 ended at {} of {} bytes", file.size(), *total));
    }
  }
  return parse_basic_four(ByteView(file).first(*total));
}

Result<Bytes> sign_pin_less(Card& card, ByteView digest_info) {
  ONSHI_TRY(select_application(card, kAid, "券面事項入力補助AP"));
  ONSHI_TRY_ASSIGN(auto r, card.transmit({0x80, 0x2A, 0x00, 0x00,
                                          Bytes(digest_info.begin(), digest_info.end()), 256}));
  if (!r.ok())
    return sw_error(r.sw(), "COMPUTE DIGITAL SIGNATURE (券面事項入力補助AP, PIN-less key)");
  if (r.data.empty()) return fail(Errc::card_data_invalid, "the card returned an empty signature");
  return std::move(r.data);
}

}  // namespace onshi::pcsc::kenmen
