// The reader monitor on the real pcscd: readers, card insertions and removals, no busy loop.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "pcsc_rig.hpp"

namespace onshi::test {
namespace {

using namespace std::chrono_literals;
using Kind = pcsc::MonitorEvent::Kind;

// Counts SCardGetStatusChange calls, to prove the monitor sleeps when nothing happens.
class CountingApi : public pcsc::PcscApi {
 public:
  std::atomic<int> status_calls{0};
  pcsc::PcscApi& real = pcsc::system_api();
  LONG establish_context(DWORD s, SCARDCONTEXT* c) override { return real.establish_context(s, c); }
  LONG release_context(SCARDCONTEXT c) override { return real.release_context(c); }
  LONG is_valid_context(SCARDCONTEXT c) override { return real.is_valid_context(c); }
  LONG list_readers(SCARDCONTEXT c, char* r, DWORD* l) override { return real.list_readers(c, r, l); }
  LONG get_status_change(SCARDCONTEXT c, DWORD t, SCARD_READERSTATE* s, DWORD n) override {
    ++status_calls;
    return real.get_status_change(c, t, s, n);
  }
  LONG cancel(SCARDCONTEXT c) override { return real.cancel(c); }
  LONG connect(SCARDCONTEXT c, const char* r, DWORD s, DWORD p, SCARDHANDLE* h, DWORD* a) override {
    return real.connect(c, r, s, p, h, a);
  }
  LONG reconnect(SCARDHANDLE h, DWORD s, DWORD p, DWORD i, DWORD* a) override { return real.reconnect(h, s, p, i, a); }
  LONG disconnect(SCARDHANDLE h, DWORD d) override { return real.disconnect(h, d); }
  LONG begin_transaction(SCARDHANDLE h) override { return real.begin_transaction(h); }
  LONG end_transaction(SCARDHANDLE h, DWORD d) override { return real.end_transaction(h, d); }
  LONG status(SCARDHANDLE h, char* r, DWORD* rl, DWORD* s, DWORD* p, BYTE* a, DWORD* al) override {
    return real.status(h, r, rl, s, p, a, al);
  }
  LONG transmit(SCARDHANDLE h, DWORD p, const BYTE* s, DWORD sl, BYTE* r, DWORD* rl) override {
    return real.transmit(h, p, s, sl, r, rl);
  }
  LONG control(SCARDHANDLE h, DWORD c, const void* i, DWORD il, void* o, DWORD ol, DWORD* ret) override {
    return real.control(h, c, i, il, o, ol, ret);
  }
  LONG get_attrib(SCARDHANDLE h, DWORD a, BYTE* v, DWORD* l) override { return real.get_attrib(h, a, v, l); }
};

class ReaderMonitorTest : public PcscRig {
 protected:
  EventLog events;
  std::unique_ptr<pcsc::ReaderMonitor> monitor;
  void start_monitor(pcsc::MonitorOptions options = {}) {
    monitor = std::make_unique<pcsc::ReaderMonitor>(std::move(options),
                                                    [this](const pcsc::MonitorEvent& e) { events.push(e); });
    monitor->start();
  }
  void TearDown() override {
    if (monitor) monitor->stop();
    PcscRig::TearDown();
  }
};

TEST_F(ReaderMonitorTest, ReportsReadersThenCardInsertAndRemove) {
  require_emulator();
  start_monitor();
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  auto a = events.wait_for(Kind::reader_added);
  auto b = events.wait_for(Kind::reader_added);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->reader.identity.display_name, reader(0));
  EXPECT_EQ(b->reader.identity.display_name, reader(1));
  EXPECT_EQ(a->reader.identity.stable_key(), "name:onshi vpcd");

  insert_card(1);
  auto inserted = events.wait_for(Kind::card_inserted);
  ASSERT_TRUE(inserted);
  EXPECT_EQ(inserted->reader.identity.display_name, reader(1));
  EXPECT_EQ(inserted->reader.atr, kTestAtr);

  remove_card(1);
  auto removed = events.wait_for(Kind::card_removed);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->reader.identity.display_name, reader(1));
  EXPECT_FALSE(monitor->readers()[1].card_present);
}

TEST_F(ReaderMonitorTest, CardAlreadyPresentAtStartIsReported) {
  require_emulator();
  insert_card(0);
  start_monitor();
  auto inserted = events.wait_for(Kind::card_inserted);
  ASSERT_TRUE(inserted);
  EXPECT_EQ(inserted->reader.identity.display_name, reader(0));
}

TEST_F(ReaderMonitorTest, RepeatedCyclesEachGiveOneEventPair) {
  require_emulator();
  start_monitor();
  ASSERT_TRUE(events.wait_for(Kind::reader_added));
  for (int i = 0; i < 3; ++i) {
    insert_card(0);
    ASSERT_TRUE(events.wait_for(Kind::card_inserted)) << "cycle " << i;
    remove_card(0);
    ASSERT_TRUE(events.wait_for(Kind::card_removed)) << "cycle " << i;
  }
  EXPECT_EQ(events.count(Kind::card_inserted), 3u);
  EXPECT_EQ(events.count(Kind::card_removed), 3u);
}

TEST_F(ReaderMonitorTest, IdleMonitorDoesNotBusyLoop) {
  require_emulator();
  CountingApi api;
  pcsc::MonitorOptions options;
  options.api = &api;
  start_monitor(options);
  ASSERT_TRUE(events.wait_for(Kind::reader_added));
  std::this_thread::sleep_for(300ms);  // let the initial state settle
  const int before = api.status_calls.load();
  std::this_thread::sleep_for(1500ms);
  EXPECT_LE(api.status_calls.load() - before, 2);
  monitor->stop();  // before `api` goes away
}

TEST_F(ReaderMonitorTest, VirtualReadersCanBeIgnored) {
  require_emulator();
  pcsc::MonitorOptions options;
  options.ignore = [](const pcsc::ReaderIdentity& id) { return !id.is_usb(); };
  start_monitor(options);
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  insert_card(0);
  EXPECT_FALSE(events.wait_for(Kind::card_inserted, 1500ms));
  EXPECT_EQ(events.count(Kind::reader_added), 0u);
  const auto readers = monitor->readers();
  ASSERT_EQ(readers.size(), 2u);
  EXPECT_TRUE(readers[0].ignored);
}

TEST_F(ReaderMonitorTest, StopIsPromptWhileWaiting) {
  start_monitor();
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  std::this_thread::sleep_for(200ms);
  const auto t0 = std::chrono::steady_clock::now();
  monitor->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(monitor->service_state(), pcsc::ServiceState::stopped);
}

}  // namespace
}  // namespace onshi::test
