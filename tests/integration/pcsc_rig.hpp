// The integration tests' rig: a private pcscd with vpcd, and emulated cards inserted into its
// slots — or, when ONSHI_HIL_READER names one, a real reader and card on the system pcscd.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/reader_monitor.hpp"
#include "onshi/sim/fault_script.hpp"
#include "onshi/sim/persona.hpp"
#include "onshi/sim/private_pcscd.hpp"
#include "onshi/sim/vpcd_card_slot.hpp"

namespace onshi::test {

// The test card: a DF with AID kTestAid holding EF 0001 (16 bytes) and EF 0002 (1500 bytes),
// contents from test_file_contents().
inline const Bytes kTestAid{0xD3, 0x92, 0x99, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
inline const Bytes kTestAtr{0x3B, 0x88, 0x80, 0x01, 'O', 'N', 'S',
                            'H',  'I',  'S',  'I',  'M', 0x0D};  // TCK = XOR of T0..last byte
Bytes test_file_contents(std::uint16_t fid);
// JSON persona text; chunk > 0 and strict_le give it T=0-style answers.
std::string test_persona_json(int get_response_chunk = 0, bool strict_le = false);

// Collects monitor events for assertions from the test thread.
class EventLog {
 public:
  void push(const pcsc::MonitorEvent& e);
  // Waits for the next event of `kind` (skipping others); nullopt on timeout.
  std::optional<pcsc::MonitorEvent> wait_for(
      pcsc::MonitorEvent::Kind kind, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<pcsc::MonitorEvent> wait_for_service(
      pcsc::ServiceState state, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::size_t count(pcsc::MonitorEvent::Kind kind) const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<pcsc::MonitorEvent> pending_;
  std::vector<pcsc::MonitorEvent> all_;
};

class PcscRig : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool on_hardware() const { return hil_.has_value(); }
  // Skips the test on real hardware (it needs the emulator's control over the card).
  void require_emulator();

  std::string reader(int slot = 0) const;
  // Inserts an emulated card into a vpcd slot; fails the test if it cannot.
  sim::VpcdCardSlot& insert_card(int slot = 0,
                                 const std::string& persona_json = test_persona_json(),
                                 sim::FaultScript faults = {});
  // The same for a persona already loaded (e.g. from a file whose paths are relative to it).
  sim::VpcdCardSlot& insert_persona(int slot, sim::Persona persona, sim::FaultScript faults = {});
  void remove_card(int slot = 0);
  // The command APDUs the emulated card received since the card was inserted, as compact hex, in
  // order (the emulator's own log: what reached the card, after pcscd and the reader driver).
  std::vector<std::string> received_apdus() const;
  // A card connection through a fresh context (as a second program would have).
  Result<pcsc::Card> connect(int slot = 0, pcsc::CardOptions options = {});
  std::shared_ptr<pcsc::Context> new_context();
  // Waits until pcscd reports the card in `slot` present (or absent).
  void wait_card_state(int slot, bool present);

  std::unique_ptr<sim::PrivatePcscd> pcscd_;
  std::unique_ptr<sim::VpcdCardSlot> slots_[2];
  std::shared_ptr<struct ApduLog> apdu_log_;
  std::optional<std::string> hil_;
};

pcsc::CommandApdu select_test_df();
pcsc::CommandApdu select_ef(std::uint16_t fid);
pcsc::CommandApdu read_binary(std::size_t offset, std::size_t le);

}  // namespace onshi::test
