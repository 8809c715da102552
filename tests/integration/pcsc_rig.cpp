#include "pcsc_rig.hpp"

#include <fmt/format.h>

#include <mutex>
#include <thread>

#include "onshi/sim/hil.hpp"
#include "onshi/sim/persona.hpp"

namespace onshi::test {
using namespace std::chrono_literals;

Bytes test_file_contents(std::uint16_t fid) {
  const std::size_t size = fid == 0x0001 ? 16 : 1500;
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>((i * 7 + fid) & 0xFF);
  return b;
}

std::string test_persona_json(int get_response_chunk, bool strict_le) {
  return fmt::format(R"({{
    "name": "integration-test card",
    "atr": "{}",
    "behaviour": {{"get_response_chunk": {}, "strict_le": {}}},
    "files": [{{"type": "df", "aid": "{}", "children": [
      {{"type": "ef", "fid": "0001", "data": "{}"}},
      {{"type": "ef", "fid": "0002", "data": "{}"}}]}}]
  }})",
                     to_hex(kTestAtr), get_response_chunk, strict_le ? "true" : "false",
                     to_hex(kTestAid), to_hex(test_file_contents(1)),
                     to_hex(test_file_contents(2)));
}

void EventLog::push(const pcsc::MonitorEvent& e) {
  {
    const std::lock_guard lock(mutex_);
    pending_.push_back(e);
    all_.push_back(e);
  }
  cv_.notify_all();
}

std::optional<pcsc::MonitorEvent> EventLog::wait_for(pcsc::MonitorEvent::Kind kind,
                                                     std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (!pending_.empty()) {
      auto e = pending_.front();
      pending_.pop_front();
      if (e.kind == kind) return e;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && pending_.empty())
      return std::nullopt;
  }
}

std::optional<pcsc::MonitorEvent> EventLog::wait_for_service(pcsc::ServiceState state,
                                                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto e = wait_for(pcsc::MonitorEvent::Kind::service_changed, left);
    if (!e) return std::nullopt;
    if (e->service == state) return e;
  }
}

std::size_t EventLog::count(pcsc::MonitorEvent::Kind kind) const {
  const std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& e : all_) n += e.kind == kind ? 1 : 0;
  return n;
}

void PcscRig::SetUp() {
  hil_ = sim::hil_reader();
  if (hil_) return;  // the system pcscd and the rig's reader
  auto pcscd = sim::PrivatePcscd::start();
  ASSERT_TRUE(pcscd) << pcscd.error().to_string();
  pcscd_ = std::move(pcscd).value();
}

void PcscRig::TearDown() {
  for (auto& s : slots_) s.reset();
  pcscd_.reset();
}

void PcscRig::require_emulator() {
  if (on_hardware()) GTEST_SKIP() << "needs the card emulator (ONSHI_HIL_READER is set)";
}

std::string PcscRig::reader(int slot) const { return hil_ ? *hil_ : pcscd_->reader(slot); }

sim::VpcdCardSlot& PcscRig::insert_card(int slot, const std::string& persona_json,
                                        sim::FaultScript faults) {
  auto persona = sim::parse_persona(persona_json);
  EXPECT_TRUE(persona) << persona.error().to_string();
  return insert_persona(slot, std::move(persona).value(), faults);
}

struct ApduLog {
  std::mutex mutex;
  std::vector<std::string> apdus;
};

std::vector<std::string> PcscRig::received_apdus() const {
  if (!apdu_log_) return {};
  const std::lock_guard lock(apdu_log_->mutex);
  return apdu_log_->apdus;
}

sim::VpcdCardSlot& PcscRig::insert_persona(int slot, sim::Persona persona,
                                           sim::FaultScript faults) {
  sim::SlotOptions options;
  options.port = pcscd_->vpcd_port(slot);
  apdu_log_ = std::make_shared<ApduLog>();
  options.trace = [log = apdu_log_](std::string_view line) {
    // "#12 > 00 A4 04 00 ..." (vpcd_card_slot.cpp)
    const auto at = line.find(" > ");
    if (line.empty() || line[0] != '#' || at == std::string_view::npos) return;
    std::string hex;
    for (char c : line.substr(at + 3)) {
      if (c != ' ') hex += c;
    }
    const std::lock_guard lock(log->mutex);
    log->apdus.push_back(std::move(hex));
  };
  slots_[slot] = std::make_unique<sim::VpcdCardSlot>(sim::Card(std::move(persona)), options);
  slots_[slot]->set_fault_script(faults);
  auto inserted = slots_[slot]->insert(std::chrono::steady_clock::now() + 5s);
  EXPECT_TRUE(inserted) << inserted.error().to_string();
  wait_card_state(slot, true);
  return *slots_[slot];
}

void PcscRig::remove_card(int slot) {
  if (slots_[slot]) slots_[slot]->remove();
  wait_card_state(slot, false);
}

std::shared_ptr<pcsc::Context> PcscRig::new_context() {
  auto ctx = pcsc::Context::establish();
  EXPECT_TRUE(ctx) << ctx.error().to_string();
  return std::make_shared<pcsc::Context>(std::move(ctx).value());
}

Result<pcsc::Card> PcscRig::connect(int slot, pcsc::CardOptions options) {
  return pcsc::Card::connect(new_context(), reader(slot), options);
}

void PcscRig::wait_card_state(int slot, bool present) {
  auto ctx = new_context();
  const std::string name = reader(slot);
  SCARD_READERSTATE state{};
  state.szReader = name.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    const LONG rv = SCardGetStatusChange(ctx->handle(), 500, &state, 1);
    if (rv == SCARD_S_SUCCESS || rv == SCARD_E_TIMEOUT) {
      const bool is_present = (state.dwEventState & SCARD_STATE_PRESENT) != 0;
      if (is_present == present) return;
      state.dwCurrentState = state.dwEventState & ~SCARD_STATE_CHANGED;
    } else {
      std::this_thread::sleep_for(50ms);
    }
  }
  ADD_FAILURE() << "card in " << name << " never became " << (present ? "present" : "absent");
}

pcsc::CommandApdu select_test_df() { return {0x00, 0xA4, 0x04, 0x0C, kTestAid, std::nullopt}; }

pcsc::CommandApdu select_ef(std::uint16_t fid) {
  return {0x00,
          0xA4,
          0x02,
          0x0C,
          {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)},
          std::nullopt};
}

pcsc::CommandApdu read_binary(std::size_t offset, std::size_t le) {
  return {0x00,
          0xB0,
          static_cast<std::uint8_t>((offset >> 8) & 0x7F),
          static_cast<std::uint8_t>(offset & 0xFF),
          {},
          le};
}

}  // namespace onshi::test
