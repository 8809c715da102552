// The reader monitor against a scripted PC/SC library: a reader unplugged and plugged back
// between two of the monitor's calls keeps its pcsc-lite name, and pcscd reports the two changes
// as one PnP wake-up. Regression (a CI flake of onshid's card sessions): the monitor compared
// names only, kept the old USB channel, and the face reader never paired with its slot again.
#include <gtest/gtest.h>
#include <reader.h>  // SCARD_ATTR_CHANNEL_ID

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "fake_api.hpp"
#include "onshi/pcsc/reader_monitor.hpp"

namespace onshi::pcsc {
namespace {

using namespace std::chrono_literals;

constexpr char kReader[] = "onshi Face Reader [CCID] (FACE0001) 00 00";
constexpr char kPnpReader[] = "\\\\?PnP?\\Notification";

// SCARD_ATTR_CHANNEL_ID as libccid gives it for a USB reader (reader_identity.hpp).
std::uint32_t usb_channel(int bus, int address) {
  return (std::uint32_t{kChannelTypeUsb} << 16) | (static_cast<std::uint32_t>(bus) << 8) |
         static_cast<std::uint32_t>(address);
}

// pcscd with one reader: it never changes by itself; the test raises one PnP change at a time.
class ReplugApi : public testing::FakeApi {
 public:
  ReplugApi() { readers = {kReader}; }

  std::atomic<std::uint32_t> channel{usb_channel(1, 2)};
  std::atomic<LONG> direct_connect_rv{SCARD_S_SUCCESS};
  std::atomic<int> pnp_changes_served{0};
  std::atomic<int> changes_served{0};

  void raise_pnp_change() {
    std::lock_guard lock(mutex_);
    pnp_pending_ = true;
    wake_.notify_all();
  }
  // The reader's next state (pcsc-lite's event counter in the upper 16 bits), with no PnP news.
  void change_reader_state(DWORD state) {
    std::lock_guard lock(mutex_);
    reader_state_ = state;
    reader_pending_ = true;
    wake_.notify_all();
  }

  LONG get_status_change(SCARDCONTEXT, DWORD, SCARD_READERSTATE* states, DWORD count) override {
    std::unique_lock lock(mutex_);
    bool changed = false;
    for (DWORD i = 0; i < count; ++i) {
      SCARD_READERSTATE& s = states[i];
      if (std::string_view(s.szReader) == kPnpReader) {
        if (pnp_pending_) {
          s.dwEventState = SCARD_STATE_CHANGED;
          changed = true;
        } else {
          s.dwEventState = s.dwCurrentState;
        }
      } else if (reader_pending_ || s.dwCurrentState == SCARD_STATE_UNAWARE) {
        s.dwEventState = reader_state_ | SCARD_STATE_CHANGED;
        reader_pending_ = false;
        changed = true;
      } else {
        s.dwEventState = s.dwCurrentState;
      }
    }
    if (changed) {
      if (pnp_pending_) ++pnp_changes_served;
      pnp_pending_ = false;
      ++changes_served;
      return SCARD_S_SUCCESS;
    }
    // Nothing new: wait a little, as pcscd would until its timeout.
    wake_.wait_for(lock, 20ms, [&] { return pnp_pending_ || reader_pending_; });
    return SCARD_E_TIMEOUT;
  }

  LONG connect(SCARDCONTEXT c, const char* r, DWORD share, DWORD p, SCARDHANDLE* card,
               DWORD* active) override {
    if (share == SCARD_SHARE_DIRECT && direct_connect_rv != SCARD_S_SUCCESS) {
      return direct_connect_rv;
    }
    return FakeApi::connect(c, r, share, p, card, active);
  }

  LONG get_attrib(SCARDHANDLE, DWORD id, BYTE* out, DWORD* length) override {
    if (id != SCARD_ATTR_CHANNEL_ID) return SCARD_E_UNSUPPORTED_FEATURE;
    if (out == nullptr || *length < 4) {
      *length = 4;
      return out == nullptr ? SCARD_S_SUCCESS : SCARD_E_INSUFFICIENT_BUFFER;
    }
    const std::uint32_t v = channel;
    for (int i = 0; i < 4; ++i) out[i] = static_cast<BYTE>(v >> (8 * i));
    *length = 4;
    return SCARD_S_SUCCESS;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pnp_pending_ = false;
  bool reader_pending_ = false;
  DWORD reader_state_ = SCARD_STATE_EMPTY | (3u << 16);  // three card events so far
};

class Events {
 public:
  void push(const MonitorEvent& e) {
    if (e.kind == MonitorEvent::Kind::service_changed) return;
    std::lock_guard lock(mutex_);
    events_.push_back(e);
    arrived_.notify_all();
  }
  // The first `n` reader events, or fewer at the timeout.
  std::vector<MonitorEvent> wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<MonitorEvent> events_;
};

class ReaderMonitorReplugTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MonitorOptions options;
    options.api = &api_;
    options.retry_initial = 10ms;
    options.idle_wakeup = 50ms;
    monitor_ = std::make_unique<ReaderMonitor>(std::move(options),
                                               [this](const MonitorEvent& e) { events_.push(e); });
    monitor_->start();
    const auto first = events_.wait_for(1, 5s);
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(first[0].kind, MonitorEvent::Kind::reader_added);
    ASSERT_EQ(first[0].reader.identity.usb_address(), 2);
  }
  void TearDown() override { monitor_->stop(); }

  // Raises one PnP change and waits until the monitor has taken it and gone back to waiting.
  void pnp_change() {
    const int before = api_.pnp_changes_served;
    api_.raise_pnp_change();
    for (int i = 0; i < 500 && api_.pnp_changes_served == before; ++i) {
      std::this_thread::sleep_for(2ms);
    }
    ASSERT_GT(api_.pnp_changes_served, before);
  }

  // The reader went and came back as a new one, now at address 4; the events for the caller's
  // own checks.
  std::vector<MonitorEvent> expect_replugged() {
    const auto events = events_.wait_for(3, 5s);
    EXPECT_EQ(events.size(), 3u);
    if (events.size() < 3) return events;
    EXPECT_EQ(events[1].kind, MonitorEvent::Kind::reader_removed);
    EXPECT_EQ(events[2].kind, MonitorEvent::Kind::reader_added);
    EXPECT_EQ(listed_address(), 4);
    return events;
  }

  // Nothing after the first reader_added, and the reader still at address 2.
  void expect_unchanged() {
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(events_.wait_for(2, 0ms).size(), 1u);
    EXPECT_EQ(listed_address(), 2);
  }

  std::optional<int> listed_address() const {
    for (const auto& r : monitor_->readers()) {
      if (r.identity.display_name == kReader) return r.identity.usb_address();
    }
    return std::nullopt;
  }

  ReplugApi api_;
  Events events_;
  std::unique_ptr<ReaderMonitor> monitor_;
};

TEST_F(ReaderMonitorReplugTest, AReaderReplugAtAnotherAddressUnderTheSameNameIsANewReader) {
  api_.channel = usb_channel(1, 4);
  pnp_change();
  const auto events = expect_replugged();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].reader.identity.usb_address(), 2);
  EXPECT_EQ(events[2].reader.identity.usb_address(), 4);
}

TEST_F(ReaderMonitorReplugTest, APnpChangeThatLeavesTheReaderAsItWasReportsNothing) {
  pnp_change();
  expect_unchanged();
}

// pcscd may also add the new reader before the monitor's next call, with no PnP change left to
// see: the reader's event counter, which restarts from zero on a new reader, tells.
TEST_F(ReaderMonitorReplugTest, AReaderWhoseEventCounterRestartedIsANewReader) {
  api_.channel = usb_channel(1, 4);
  api_.change_reader_state(SCARD_STATE_EMPTY);
  expect_replugged();
}

TEST_F(ReaderMonitorReplugTest, ACounterThatGrowsIsTheSameReader) {
  api_.channel = usb_channel(1, 4);  // not asked: nothing says the reader changed
  const int before = api_.changes_served;
  api_.change_reader_state(SCARD_STATE_EMPTY | (5u << 16));
  for (int i = 0; i < 500 && api_.changes_served == before; ++i) std::this_thread::sleep_for(2ms);
  expect_unchanged();
}

// pcsc-lite 1.9.9 can fold the replug into no news at all (it lists the new reader before its
// driver is up and signals no one when it is): the face reader's own hot-plug news asks again.
TEST_F(ReaderMonitorReplugTest, ARescanFindsAReplugPcscdSaidNothingAbout) {
  api_.channel = usb_channel(1, 4);
  std::this_thread::sleep_for(100ms);
  ASSERT_EQ(events_.wait_for(2, 0ms).size(), 1u) << "nothing told the monitor yet";
  monitor_->rescan();
  expect_replugged();
}

// A card held exclusively refuses the direct connection: an identity that says nothing is no
// evidence of another device, so the reader (and the session using it) is left alone.
TEST_F(ReaderMonitorReplugTest, AReaderThatCannotBeAskedIsNotTakenForAnotherOne) {
  api_.direct_connect_rv = SCARD_E_SHARING_VIOLATION;
  api_.channel = usb_channel(1, 4);
  pnp_change();
  expect_unchanged();
}

}  // namespace
}  // namespace onshi::pcsc
