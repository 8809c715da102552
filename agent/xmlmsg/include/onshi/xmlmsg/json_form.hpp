// The JSON form of XmlMsg, as the upstream adapter and onshi-eligsim exchange it (modelled on
// eligibility-system.md §1.11: the XmlMsg structure rendered as JSON). Fixed here, for both sides:
//
//   {"XmlMsg": {"MessageHeader": {...}, "MessageBody": {...}}}
//
// - an element is a JSON member named after it; a leaf is a JSON string that keeps every
//   character, leading zeros and spaces included ("  123455", "030"): numbers, booleans and null
//   are refused;
// - a node is a JSON object; member order is document order;
// - an element that may repeat (is_repeating_element) is ALWAYS an array, even with one item;
//   any other element is never an array and never appears twice in one object.
//
// tests/sim/eligsim/README.md ("The JSON form") repeats these rules for readers of the protocol.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "onshi/result.hpp"
#include "onshi/xmlmsg/element.hpp"

namespace onshi::xmlmsg {

inline constexpr std::string_view kRootName = "XmlMsg";
inline constexpr std::size_t kMaxDepth = 24;  // XmlMsg nests 6 deep at most (§1.5, §1.6)
inline constexpr std::size_t kMaxElements = 1'000'000;  // a 一括 result of thousands of persons
inline constexpr std::size_t kMaxJsonBytes = 32 * 1024 * 1024;

// The elements that repeat in the observed messages (§1.4-§1.7), by name wherever they stand:
// ResultOfQualificationConfirmation, QualificationConfirmSearchInfo (one per patient in 一括; an
// array of one in 個別照会), BulkConfirmUnit, SpecificDiseasesCertificateInfo, MedicalTicketInfo,
// ReferenceNumberRegistrationInfo.
bool is_repeating_element(std::string_view name);

// An element name that is also a valid XML name in the messages' style: ASCII letters, digits,
// '_', '-', '.', starting with a letter or '_', at most 128 characters.
bool is_valid_element_name(std::string_view name);

// Parses the JSON form into the XmlMsg element. Every violation is Errc::elig_message_invalid with
// the path and the reason, e.g.
//   `XmlMsg.MessageBody.ResultList.ResultOfQualificationConfirmation[0].InsurerNumber: a leaf
//   must be a JSON string (leading zeros and spaces are kept only in strings), not a number`
// Invalid JSON names the byte offset; text with control characters other than tab, LF and CR
// (which XML cannot carry) is refused.
Result<Element> parse_json(std::string_view text);

// The JSON form of an XmlMsg element (compact, one line). Errc::invalid_argument when the tree
// breaks a rule above (wrong root, bad name, a non-repeating element twice, invalid UTF-8).
Result<std::string> to_json(const Element& xml_msg);

}  // namespace onshi::xmlmsg
