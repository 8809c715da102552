#include "onshi/pcsc/reader_identity.hpp"

#include <fmt/format.h>

#include <reader.h>  // SCARD_ATTR_* (pcsc-lite; winscard.h on Windows)

#include "onshi/log.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/part10.hpp"

namespace onshi::pcsc {
namespace {

bool is_hex_pair(std::string_view s) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); };
  return s.size() == 2 && hex(s[0]) && hex(s[1]);
}

std::uint32_t little_endian_u32(const Bytes& b) {
  std::uint32_t v = 0;
  for (std::size_t k = b.size(); k-- > 0;) v = (v << 8) | b[k];
  return v;
}

}  // namespace

std::optional<int> ReaderIdentity::usb_bus() const noexcept {
  if (!is_usb()) return std::nullopt;
  return static_cast<int>((*channel_id >> 8) & 0xFF);
}

std::optional<int> ReaderIdentity::usb_address() const noexcept {
  if (!is_usb()) return std::nullopt;
  return static_cast<int>(*channel_id & 0xFF);
}

std::string ReaderIdentity::stable_key() const {
  if (vendor_id && product_id) {
    return fmt::format("usb:{:04x}:{:04x}:{}", *vendor_id, *product_id, serial.value_or(base_name));
  }
  return "name:" + base_name;
}

std::string strip_slot_suffix(std::string_view name) {
  // " XX YY" at the end, each a two-digit hex number.
  if (name.size() > 6 && name[name.size() - 6] == ' ' && name[name.size() - 3] == ' ' &&
      is_hex_pair(name.substr(name.size() - 5, 2)) && is_hex_pair(name.substr(name.size() - 2, 2))) {
    return std::string(name.substr(0, name.size() - 6));
  }
  return std::string(name);
}

Result<ReaderIdentity> query_reader_identity(const std::shared_ptr<Context>& context,
                                             const std::string& reader) {
  ReaderIdentity id;
  id.display_name = reader;
  id.base_name = strip_slot_suffix(reader);

  CardOptions options;
  options.share = ShareMode::direct;
  options.call_timeout = std::chrono::milliseconds(3000);
  auto card = Card::connect(context, reader, options);
  if (!card) {
    // Direct connections need driver support; a reader without it keeps its name-based identity.
    if (card.error().code == Errc::pcsc_no_service || card.error().code == Errc::pcsc_unknown_reader) {
      return std::move(card).error();
    }
    log::debug("pcsc", "no direct connection to \"{}\": {}", reader, card.error().to_string());
    return id;
  }

  if (auto channel = card->get_attrib(SCARD_ATTR_CHANNEL_ID); channel && channel->size() == 4) {
    id.channel_id = little_endian_u32(*channel);
  }
  if (auto serial = card->get_attrib(SCARD_ATTR_VENDOR_IFD_SERIAL_NO); serial && !serial->empty()) {
    std::string s(serial->begin(), serial->end());
    while (!s.empty() && s.back() == '\0') s.pop_back();
    if (!s.empty()) id.serial = std::move(s);
  }
  if (auto features = card->control(kGetFeatureRequest, {})) {
    if (auto map = parse_feature_list(*features)) {
      id.pin_pad = map->count(static_cast<std::uint8_t>(Feature::verify_pin_direct)) != 0;
      const auto tlv = map->find(static_cast<std::uint8_t>(Feature::get_tlv_properties));
      if (tlv != map->end()) {
        if (auto raw = card->control(tlv->second, {})) {
          if (auto props = parse_tlv_properties(*raw)) {
            id.vendor_id = props->vendor_id;
            id.product_id = props->product_id;
          } else {
            log::warning("pcsc", "\"{}\": {}", reader, props.error().to_string());
          }
        }
      }
    } else {
      log::warning("pcsc", "\"{}\": {}", reader, map.error().to_string());
    }
  }
  (void)card->disconnect(Disposition::leave);
  return id;
}

}  // namespace onshi::pcsc
