#include "onshi/sim/command_chain.hpp"

#include "onshi/sim/status_words.hpp"

namespace onshi::sim {
namespace {

constexpr std::size_t kMaxShortNc = 255;
constexpr std::uint32_t kMaxShortNe = 256;

bool same_header(const CommandApdu& a, const CommandApdu& b) {
  return a.cla == b.cla && a.ins == b.ins && a.p1 == b.p1 && a.p2 == b.p2;
}

// The encoding the whole command would need had it been sent in one APDU.
ApduCase case_of(std::size_t nc, std::optional<std::uint32_t> ne) {
  const bool extended = nc > kMaxShortNc || (ne && *ne > kMaxShortNe);
  if (ne) return extended ? ApduCase::case4e : ApduCase::case4s;
  return extended ? ApduCase::case3e : ApduCase::case3s;
}

}  // namespace

CommandApdu CommandChain::header_of(const CommandApdu& part) {
  const auto cla = static_cast<std::uint8_t>(part.cla & ~kChainingBit);
  return CommandApdu{cla, part.ins, part.p1, part.p2, {}, std::nullopt, ApduCase::case1};
}

std::uint16_t CommandChain::add(const CommandApdu& part) {
  const CommandApdu head = header_of(part);
  if (!pending_ || !same_header(*pending_, head)) {
    drop();
    pending_ = head;
  }
  if (part.data.empty() || pending_->data.size() + part.data.size() > kMaxData) {
    drop();
    return sw::kWrongLength;
  }
  pending_->data.insert(pending_->data.end(), part.data.begin(), part.data.end());
  return sw::kOk;
}

bool CommandChain::continued_by(const CommandApdu& command) const {
  return pending_ && same_header(*pending_, command);
}

std::optional<CommandApdu> CommandChain::finish(const CommandApdu& last) {
  if (!continued_by(last) || pending_->data.size() + last.data.size() > kMaxData) {
    drop();
    return std::nullopt;
  }
  CommandApdu whole = std::move(*pending_);
  pending_.reset();
  whole.data.insert(whole.data.end(), last.data.begin(), last.data.end());
  whole.ne = last.ne;
  whole.apdu_case = case_of(whole.data.size(), whole.ne);
  return whole;
}

void CommandChain::drop() {
  // The parts may hold secrets (a chained VERIFY): wipe before letting go.
  if (pending_) secure_wipe(pending_->data.data(), pending_->data.size());
  pending_.reset();
}

}  // namespace onshi::sim
