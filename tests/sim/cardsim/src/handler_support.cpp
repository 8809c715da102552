#include "handler_support.hpp"

#include "onshi/sim/status_words.hpp"

namespace onshi::sim::handler {

std::uint16_t fid_of(const CardState& state, NodeId ef) {
  return state.files.node(ef).fid.value_or(0);
}

std::optional<std::uint16_t> referenced_fid(std::uint8_t p2, const CardState& state) {
  if (p2 == kP2CurrentEf) {
    if (!state.current_ef) return std::nullopt;
    return fid_of(state, *state.current_ef);
  }
  return static_cast<std::uint16_t>(p2 & kSfiMask);
}

std::optional<NodeId> read_target(const CommandApdu& command, const CardState& state) {
  if ((command.p1 & kSfiFlag) == 0) return state.current_ef;
  return state.files.find_ef_by_sfi(state.current_df,
                                    static_cast<std::uint8_t>(command.p1 & kSfiMask));
}

Response verify(const CommandApdu& command, CardState& state,
                const std::function<PinObject*(std::uint16_t fid)>& pin_for) {
  if (command.p1 != 0x00 || (command.p2 & kSfiFlag) == 0) return Response::status(sw::kWrongP1P2);
  const auto fid = referenced_fid(command.p2, state);
  PinObject* pin = fid ? pin_for(*fid) : nullptr;
  if (pin == nullptr) return Response::status(sw::kReferencedDataNotFound);
  if (command.data.empty()) return Response::status(pin->query(state.security));
  return Response::status(pin->verify(command.data, state.security));
}

}  // namespace onshi::sim::handler
