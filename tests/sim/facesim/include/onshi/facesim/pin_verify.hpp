// What a pin-pad reader does with PC_to_RDR_Secure, PIN verification (USB CCID Rev 1.1 §6.1.11,
// abPINDataStructure): decode the PIN formatting fields and put the digits "typed" on its pad into
// the APDU template. Pure functions over untrusted bytes (libccid's, built from the host's
// PC/SC Part 10 PIN_VERIFY_STRUCTURE).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "onshi/bytes.hpp"

namespace onshi::facesim {

enum class PinEncoding : std::uint8_t { binary = 0, bcd = 1, ascii = 2 };

struct PinVerifyRequest {
  std::uint8_t timeout_seconds = 0;  // bTimeOut; 0: the reader's default
  // bmFormatString
  bool position_in_bytes = true;  // bit 7: units of the PIN position
  std::uint8_t pin_position = 0;  // bits 6-3, relative to the APDU's data field
  bool right_justified = false;   // bit 2
  PinEncoding encoding = PinEncoding::ascii;
  // bmPINBlockString
  std::uint8_t length_field_bits = 0;  // bits 7-4: size of the PIN length the reader inserts
  std::uint8_t block_size = 0;         // bits 3-0: PIN block bytes; 0 = as long as the PIN
  // bmPINLengthFormat
  bool length_position_in_bytes = false;  // bit 4
  std::uint8_t length_position = 0;       // bits 3-0
  // wPINMaxExtraDigit: high byte minimum, low byte maximum number of digits
  std::uint8_t min_digits = 0;
  std::uint8_t max_digits = 0;
  std::uint8_t entry_validation = 0;  // bEntryValidationCondition
  std::uint8_t messages = 0;          // bNumberMessage
  Bytes apdu_template;                // abPINApdu: CLA INS P1 P2 [Lc data...]
};

// A field the reader refuses, as CCID reports it: bError = the offset of the offending byte in
// the whole message (header included).
struct SecureFieldError {
  std::uint8_t offset = 0;
  std::string message;
};

// `data` = the Secure message's data: bPINOperation, then abPINDataStructure.
std::variant<PinVerifyRequest, SecureFieldError> parse_pin_verify(ByteView data);

// The VERIFY APDU after the patient typed `digits` (ASCII '0'..'9'), or why the template cannot
// hold them. A block size of 0 makes Lc the encoded PIN's length (the reader inserts Lc).
std::variant<Bytes, SecureFieldError> build_verify_apdu(const PinVerifyRequest& request,
                                                        std::string_view digits);

}  // namespace onshi::facesim
