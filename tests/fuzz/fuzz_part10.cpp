// Reader-driver answers to CM_IOCTL_GET_FEATURE_REQUEST and GET_TLV_PROPERTIES are untrusted.
#include <cstddef>
#include <cstdint>

#include "onshi/pcsc/part10.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const onshi::ByteView input(data, size);
  (void)onshi::pcsc::parse_feature_list(input);
  (void)onshi::pcsc::parse_tlv_properties(input);
  return 0;
}
