// libFuzzer target: the vpcd frame decoder (test-rigs.md §1) on an arbitrary byte stream, fed
// once whole and once cut into pieces chosen by the input; both must yield the same frames, and
// the frames re-encoded must give back the stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "onshi/sim/vpcd_frame.hpp"

namespace {

std::vector<onshi::Bytes> drain(onshi::sim::VpcdFrameDecoder& decoder) {
  std::vector<onshi::Bytes> frames;
  while (auto frame = decoder.next_frame()) frames.push_back(std::move(*frame));
  return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint32_t cut_state = data[0] | 1u;  // drives the piece sizes (a tiny LCG)
  const onshi::ByteView stream(data + 1, size - 1);

  onshi::sim::VpcdFrameDecoder whole;
  whole.feed(stream);
  const auto frames = drain(whole);

  onshi::sim::VpcdFrameDecoder pieces;
  std::vector<onshi::Bytes> piece_frames;
  for (std::size_t pos = 0; pos < stream.size();) {
    cut_state = cut_state * 1103515245u + 12345u;
    const std::size_t piece = std::min<std::size_t>(1 + (cut_state >> 16) % 7, stream.size() - pos);
    pieces.feed(stream.subspan(pos, piece));
    pos += piece;
    for (auto& f : drain(pieces)) piece_frames.push_back(std::move(f));
  }
  if (frames != piece_frames || whole.partial_size() != pieces.partial_size()) std::abort();

  onshi::Bytes reencoded;
  for (const auto& frame : frames) {
    const auto encoded = onshi::sim::encode_vpcd_frame(frame);
    if (!encoded) std::abort();
    reencoded.insert(reencoded.end(), encoded->begin(), encoded->end());
    (void)onshi::sim::classify_vpcd_frame(frame);
  }
  if (reencoded.size() + whole.partial_size() != stream.size()) std::abort();
  if (!std::equal(reencoded.begin(), reencoded.end(), stream.begin())) std::abort();
  return 0;
}
