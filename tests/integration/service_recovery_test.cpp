// pcscd absent, killed, restarted, or restarted with other readers: states, not crashes, and
// recovery in the same process (cards-and-readers.md §4.3).
#include <gtest/gtest.h>

#include "pcsc_rig.hpp"

namespace onshi::test {
namespace {

using namespace std::chrono_literals;
using Kind = pcsc::MonitorEvent::Kind;

class ServiceRecovery : public PcscRig {
 protected:
  void SetUp() override {
    PcscRig::SetUp();
    if (on_hardware()) GTEST_SKIP() << "restarts pcscd: emulator rig only";
  }
  EventLog events;
  std::unique_ptr<pcsc::ReaderMonitor> monitor;
  void start_monitor() {
    pcsc::MonitorOptions options;
    options.retry_initial = 50ms;
    options.retry_max = 400ms;
    monitor = std::make_unique<pcsc::ReaderMonitor>(options, [this](const pcsc::MonitorEvent& e) { events.push(e); });
    monitor->start();
  }
  void TearDown() override {
    if (monitor) monitor->stop();
    PcscRig::TearDown();
  }
};

TEST_F(ServiceRecovery, KilledAndRestartedPcscdRecoversInProcess) {
  pcsc::SharedContext shared;
  ASSERT_TRUE(shared.list_readers());
  start_monitor();
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  ASSERT_TRUE(events.wait_for(Kind::reader_added));
  insert_card(0);
  ASSERT_TRUE(events.wait_for(Kind::card_inserted));

  pcscd_->kill_hard();
  auto down = events.wait_for_service(pcsc::ServiceState::no_service);
  ASSERT_TRUE(down);
  ASSERT_TRUE(down->error);
  EXPECT_EQ(down->error->code, Errc::pcsc_no_service);
  EXPECT_EQ(shared.list_readers().error().code, Errc::pcsc_no_service);
  // The card went with pcscd: reported after the service state.
  auto removed = events.wait_for(Kind::card_removed);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->reader.identity.display_name, reader(0));

  slots_[0].reset();
  ASSERT_TRUE(pcscd_->restart());
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  ASSERT_TRUE(events.wait_for(Kind::reader_added));
  auto listed = shared.list_readers();
  ASSERT_TRUE(listed) << listed.error().to_string();
  EXPECT_EQ(listed->size(), 2u);

  insert_card(0);
  auto card = connect();
  ASSERT_TRUE(card) << card.error().to_string();
  EXPECT_TRUE(card->transmit(select_test_df())->ok());
}

TEST_F(ServiceRecovery, AbsentAtStartIsAStateUntilPcscdComes) {
  pcscd_->stop();
  pcsc::SharedContext shared;
  auto none = shared.list_readers();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::pcsc_no_service);

  start_monitor();
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::no_service));
  EXPECT_EQ(monitor->service_state(), pcsc::ServiceState::no_service);

  ASSERT_TRUE(pcscd_->restart());
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  ASSERT_TRUE(events.wait_for(Kind::reader_added));
  EXPECT_TRUE(shared.list_readers());
}

// vpcd readers are fixed by reader.conf: adding and removing readers is a restart with another
// one (hot-plug proper is tested on the USB rig).
TEST_F(ServiceRecovery, ReadersComeAndGoWithTheReaderConf) {
  sim::PcscdOptions none;
  none.with_vpcd = false;
  ASSERT_TRUE(pcscd_->restart(none));
  start_monitor();
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  EXPECT_TRUE(monitor->readers().empty());

  sim::PcscdOptions other;
  other.reader_name = "other vpcd";
  ASSERT_TRUE(pcscd_->restart(other));
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  auto added = events.wait_for(Kind::reader_added);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->reader.identity.base_name, "other vpcd");

  ASSERT_TRUE(pcscd_->restart(none));
  ASSERT_TRUE(events.wait_for(Kind::reader_removed));
  ASSERT_TRUE(events.wait_for_service(pcsc::ServiceState::running));
  for (int i = 0; i < 50 && !monitor->readers().empty(); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(monitor->readers().empty());
}

}  // namespace
}  // namespace onshi::test
