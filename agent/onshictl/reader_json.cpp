#include "reader_json.hpp"

#include <fmt/format.h>

#include "onshi/bytes.hpp"

namespace onshi::ctl {

nlohmann::json reader_json(const pcsc::ReaderInfo& r) {
  nlohmann::json j;
  j["name"] = r.identity.display_name;
  j["identity"] = r.identity.stable_key();
  j["usb"] = r.identity.is_usb();
  if (r.identity.vendor_id) j["vendor_id"] = fmt::format("{:04x}", *r.identity.vendor_id);
  if (r.identity.product_id) j["product_id"] = fmt::format("{:04x}", *r.identity.product_id);
  if (r.identity.serial) j["serial"] = *r.identity.serial;
  j["pin_pad"] = r.identity.pin_pad;
  j["card_present"] = r.card_present;
  if (r.card_present) j["atr"] = to_hex(r.atr, true);
  j["card_in_use"] = r.card_in_use;
  j["card_mute"] = r.card_mute;
  return j;
}

}  // namespace onshi::ctl
