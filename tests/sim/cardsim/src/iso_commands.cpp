#include "iso_commands.hpp"

#include <algorithm>

#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

constexpr std::uint8_t kP2ReturnFci = 0x00;
constexpr std::uint8_t kP2NoResponseData = 0x0C;
constexpr std::uint8_t kSelectMfDfOrEf = 0x00;
constexpr std::uint8_t kSelectChildDf = 0x01;
constexpr std::uint8_t kSelectEfUnderCurrentDf = 0x02;
constexpr std::uint8_t kSelectByDfName = 0x04;
// ISO 7816-4 §7.4.1 file descriptor bytes for the FCI's tag 82.
constexpr std::uint8_t kDescriptorDf = 0x38;
constexpr std::uint8_t kDescriptorTransparentEf = 0x01;

std::uint16_t fid_of(const Bytes& data) {
  return static_cast<std::uint16_t>((data[0] << 8) | data[1]);
}

// Values here are at most 16 bytes, so a one-byte BER length always suffices.
void append_tlv(Bytes& out, std::uint8_t tag, ByteView value) {
  out.push_back(tag);
  out.push_back(static_cast<std::uint8_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

Bytes big_endian16(std::size_t v) {
  return Bytes{static_cast<std::uint8_t>((v >> 8) & 0xFF), static_cast<std::uint8_t>(v & 0xFF)};
}

// A minimal FCI template `6F`: descriptor, FID, DF name for a DF; size, descriptor, FID for an EF.
Bytes fci_of(const FileNode& node) {
  Bytes body;
  if (node.kind == FileKind::df && node.selection.fci_name_only) {
    append_tlv(body, 0x84, node.aid);
    Bytes fci;
    append_tlv(fci, 0x6F, body);
    return fci;
  }
  if (node.kind == FileKind::ef) {
    append_tlv(body, 0x80, big_endian16(node.data.size()));
    append_tlv(body, 0x82, Bytes{kDescriptorTransparentEf});
  } else {
    append_tlv(body, 0x82, Bytes{kDescriptorDf});
  }
  if (node.fid) append_tlv(body, 0x83, big_endian16(*node.fid));
  if (!node.aid.empty()) append_tlv(body, 0x84, node.aid);
  Bytes fci;
  append_tlv(fci, 0x6F, body);
  return fci;
}

Response make_current(NodeId id, CardState& state, bool return_fci) {
  const FileNode& node = state.files.node(id);
  if (node.kind == FileKind::df) {
    state.current_df = id;
    state.current_ef.reset();
    state.environment.reset();  // MSE SET belongs to the DF context it was made in
  } else {
    state.current_ef = id;
  }
  return Response{return_fci ? fci_of(node) : Bytes{}, sw::kOk};
}

}  // namespace

Response select_file(const CommandApdu& command, CardState& state) {
  if (command.p2 != kP2ReturnFci && command.p2 != kP2NoResponseData) {
    return Response::status(sw::kWrongP1P2);  // FCP/FMD and next/previous occurrence: not needed
  }
  const bool return_fci = command.p2 == kP2ReturnFci;
  const Bytes& data = command.data;
  std::optional<NodeId> found;

  switch (command.p1) {
    case kSelectMfDfOrEf:
      if (data.empty()) return make_current(FileTree::kMf, state, return_fci);
      if (data.size() != 2) return Response::status(sw::kWrongLength);
      if (fid_of(data) == FileTree::kMfFid) return make_current(FileTree::kMf, state, return_fci);
      found = state.files.find_child_by_fid(state.current_df, fid_of(data));
      break;
    case kSelectChildDf:
      if (data.size() != 2) return Response::status(sw::kWrongLength);
      found = state.files.find_child_by_fid(state.current_df, fid_of(data), FileKind::df);
      break;
    case kSelectEfUnderCurrentDf:
      if (data.size() != 2) return Response::status(sw::kWrongLength);
      found = state.files.find_child_by_fid(state.current_df, fid_of(data), FileKind::ef);
      break;
    case kSelectByDfName:
      // test-rigs.md §2: unknown AIDs must answer 6A82, or OpenSC's probing drivers claim us.
      if (data.empty() || data.size() > FileTree::kMaxAidSize) {
        return Response::status(sw::kWrongLength);
      }
      found = state.files.find_df_by_aid(data);
      if (!found) found = state.files.find_df_by_partial_name(data);
      break;
    default:
      return Response::status(sw::kWrongP1P2);  // parent DF and path selection: not emulated
  }
  if (!found) return Response::status(sw::kFileNotFound);
  return make_current(*found, state, return_fci);
}

Response read_binary(const CommandApdu& command, CardState& state, const Behaviour& behaviour) {
  if (!command.ne || !command.data.empty()) return Response::status(sw::kWrongLength);

  NodeId ef = 0;
  std::size_t offset = 0;
  if ((command.p1 & 0x80) != 0) {
    // P1 = 100x xxxx: SFI in bits 5-1, offset in P2 (§1.6); the EF becomes the current EF.
    const std::uint8_t sfi = command.p1 & 0x1F;
    if ((command.p1 & 0x60) != 0 || sfi == 0 || sfi == 0x1F) {
      return Response::status(sw::kWrongP1P2);
    }
    const auto by_sfi = state.files.find_ef_by_sfi(state.current_df, sfi);
    if (!by_sfi) return Response::status(sw::kFileNotFound);
    ef = *by_sfi;
    state.current_ef = ef;
    offset = command.p2;
  } else {
    if (!state.current_ef) return Response::status(sw::kNoCurrentEf);
    ef = *state.current_ef;
    offset = (std::size_t{command.p1} << 8) | command.p2;  // bit 8 of P1 is 0: 15-bit offset
  }

  const Bytes& contents = state.files.node(ef).data;
  if (offset >= contents.size()) return Response::status(sw::kOffsetBeyondEnd);
  const std::size_t remaining = contents.size() - offset;
  const std::size_t wanted = *command.ne;
  const auto first = contents.begin() + static_cast<std::ptrdiff_t>(offset);
  if (wanted <= remaining) {
    return Response{Bytes(first, first + static_cast<std::ptrdiff_t>(wanted)), sw::kOk};
  }
  if (behaviour.strict_le && !command.extended()) {
    // remaining < Ne <= 256 here, so xx names the exact length (ISO 7816-3 §10.3.4 6Cxx).
    return Response::status(static_cast<std::uint16_t>(sw::kWrongLeBase | remaining));
  }
  return Response{Bytes(first, contents.end()), sw::kEndOfFileBeforeLe};
}

Response get_challenge(const CommandApdu& command, std::mt19937_64& random) {
  if (command.p1 != 0 || command.p2 != 0) return Response::status(sw::kWrongP1P2);
  if (!command.ne || !command.data.empty() || command.extended()) {
    return Response::status(sw::kWrongLength);
  }
  Bytes challenge(*command.ne);
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < challenge.size(); ++i) {
    if (i % 8 == 0) word = random();
    challenge[i] = static_cast<std::uint8_t>(word & 0xFF);
    word >>= 8;
  }
  return Response{std::move(challenge), sw::kOk};
}

}  // namespace onshi::sim
