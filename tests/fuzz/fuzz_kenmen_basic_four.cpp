// The 券面事項入力補助AP's basic-four TLV parser (cards-and-readers.md §1.7) on arbitrary file
// contents: overlapping, missing or repeated tags, absurd lengths, bad UTF-8 → a specific error.
#include <cstddef>
#include <cstdint>

#include "onshi/pcsc/kenmen_ap.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = onshi::pcsc::kenmen::parse_basic_four(onshi::ByteView(data, size));
  if (parsed) {
    // Whatever parses is within the input and well-formed enough to print.
    if (parsed->birth_date.size() != 8 || parsed->name.size() > size ||
        parsed->address.size() > size)
      __builtin_trap();
  }
  return 0;
}
