// Replay tests (libfido2's regress/ with recorded wire data): byte streams recorded from
// onshi-facesim's device side, fed to the host's command channel and event stream through a
// scripted pipe. Each file in tests/replay is one behaviour, named after it; the frames the host
// sends must equal the recorded ones byte for byte.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "command_channel.hpp"
#include "onshi/driver/messages.hpp"

namespace onshi::driver {
namespace {

namespace fs = std::filesystem;

struct Step {
  std::string verb;  // call, out, in, event, expect
  std::vector<std::string> words;
  int line = 0;
};

std::vector<Step> load(const fs::path& file) {
  std::vector<Step> steps;
  std::ifstream in(file);
  std::string text;
  for (int n = 1; std::getline(in, text); ++n) {
    if (text.empty() || text[0] == '#') continue;
    std::istringstream words(text);
    Step s;
    s.line = n;
    words >> s.verb;
    for (std::string w; words >> w;) s.words.push_back(w);
    steps.push_back(std::move(s));
  }
  return steps;
}

std::string rest(const Step& s, std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < s.words.size(); ++i) out += (out.empty() ? "" : " ") + s.words[i];
  return out;
}

// Plays the file's out/in lines: each send must be the next "out", each receive gets the next
// "in" ("in timeout": nothing within the timeout).
class ScriptedPipe final : public CommandPipe {
 public:
  std::deque<Step> script;
  std::vector<std::string> failures;

  Status send(ByteView frame) override {
    const std::string sent = to_hex(frame);
    if (script.empty() || script.front().verb != "out") {
      failures.push_back("unexpected send " + sent);
      return fail(Errc::io, "unexpected send");
    }
    const Step s = script.front();
    script.pop_front();
    if (s.words.at(0) != sent)
      failures.push_back("line " + std::to_string(s.line) + ": sent " + sent + ", recorded " +
                         s.words[0]);
    return {};
  }
  Result<std::optional<Bytes>> receive(std::chrono::milliseconds) override {
    if (script.empty() || script.front().verb != "in") {
      failures.push_back("a receive the recording does not have");
      return std::optional<Bytes>{};
    }
    const Step s = script.front();
    script.pop_front();
    if (s.words.at(0) == "timeout") return std::optional<Bytes>{};
    if (s.words.at(0) == "error") return fail(Errc::io, "bulk IN: LIBUSB_ERROR_IO (recorded)");
    return std::optional<Bytes>(from_hex(s.words[0]).value());
  }
  void clear_halts() override {}
  Status reset_device() override { return fail(Errc::io, "not in the recording"); }
  bool gone() const override { return false; }
};

SessionMode mode_named(const std::string& name) {
  if (name == "pin") return SessionMode::pin;
  if (name == "face_then_pin") return SessionMode::face_then_pin;
  if (name == "visual") return SessionMode::visual;
  return SessionMode::face;
}

std::uint64_t stat_named(const LinkStats& s, const std::string& name) {
  if (name == "retransmissions") return s.retransmissions;
  if (name == "timeouts") return s.timeouts;
  if (name == "stale_replies") return s.stale_replies;
  if (name == "naks") return s.naks;
  if (name == "link_resets") return s.link_resets;
  if (name == "device_resets") return s.device_resets;
  if (name == "events") return s.events;
  if (name == "events_lost") return s.events_lost;
  for (int f = 0; f < 5; ++f)
    if (name == frame_fault_name(static_cast<FrameFault>(f))) return s.frame_faults[f];
  ADD_FAILURE() << "no stat named " << name;
  return 0;
}

void replay(const std::string& name) {
  const auto steps = load(fs::path(ONSHI_DRIVER_REPLAY_DIR) / (name + ".txt"));
  ASSERT_FALSE(steps.empty()) << name;
  auto stats = std::make_shared<SharedStats>();
  ScriptedPipe pipe;
  CommandChannel channel(pipe, stats, std::chrono::milliseconds(50), "replay");
  EventStream events(stats);
  std::deque<EventInput> inputs;
  Status last = Status{};
  std::optional<DeviceInfo> info;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    SCOPED_TRACE(name + ".txt line " + std::to_string(s.line));
    if (s.verb == "call") {
      pipe.script.clear();
      for (std::size_t k = i + 1;
           k < steps.size() && (steps[k].verb == "out" || steps[k].verb == "in"); ++k)
        pipe.script.push_back(steps[k]);
      const std::string& op = s.words.at(0);
      if (op == "handshake") {
        auto r = channel.handshake();
        last = r ? Status{} : Status(r.error());
        if (r) info = *r;
      } else if (op == "start_session") {
        SessionRequest req;
        req.session = static_cast<std::uint32_t>(std::stoul(s.words.at(1)));
        req.mode = mode_named(s.words.at(2));
        req.consents =
            ConsentSet(static_cast<std::uint8_t>(std::stoul(s.words.at(3), nullptr, 16)));
        req.timeout_seconds = static_cast<std::uint16_t>(std::stoul(s.words.at(4)));
        req.face_attempts = static_cast<std::uint8_t>(std::stoul(s.words.at(5)));
        auto r = channel.transact(MessageType::start_session, start_session_payload(req));
        last = r ? Status{} : Status(r.error());
      } else if (op == "identity_result") {
        auto r = channel.transact(
            MessageType::identity_result,
            identity_result_payload(static_cast<std::uint32_t>(std::stoul(s.words.at(1))),
                                    s.words.at(2) == "1"));
        last = r ? Status{} : Status(r.error());
      } else if (op == "cancel") {
        auto r = channel.transact(
            MessageType::cancel,
            session_payload(static_cast<std::uint32_t>(std::stoul(s.words.at(1)))));
        last = r ? Status{} : Status(r.error());
      } else if (op == "status") {
        auto r = channel.transact(MessageType::get_status, {});
        last = r ? Status(decode_status(*r) ? Status{}
                                            : Status(fail(Errc::face_reader_protocol, "status")))
                 : Status(r.error());
      } else {
        FAIL() << "unknown call " << op;
      }
      EXPECT_TRUE(pipe.script.empty()) << "the host stopped before the recording's end";
      for (const auto& f : pipe.failures) ADD_FAILURE() << f;
      pipe.failures.clear();
    } else if (s.verb == "event") {
      for (auto& in : events.feed(from_hex(s.words.at(0)).value())) inputs.push_back(std::move(in));
    } else if (s.verb == "expect") {
      const std::string& what = s.words.at(0);
      if (what == "ok") {
        EXPECT_TRUE(last) << last.error().to_string();
      } else if (what == "error") {
        ASSERT_FALSE(last);
        EXPECT_EQ(errc_name(last.error().code), s.words.at(1));
      } else if (what == "info") {
        ASSERT_TRUE(info);
        EXPECT_EQ(info->serial, s.words.at(1));
      } else if (what == "stat") {
        EXPECT_EQ(stat_named(stats->get(), s.words.at(1)), std::stoull(s.words.at(2)))
            << s.words[1];
      } else if (what == "event" || what == "trouble") {
        ASSERT_FALSE(inputs.empty()) << "no more event input";
        const EventInput in = std::move(inputs.front());
        inputs.pop_front();
        if (what == "event") {
          ASSERT_TRUE(in.event) << (in.trouble ? *in.trouble : "no event");
          EXPECT_EQ(describe(*in.event), rest(s, 1));
        } else {
          ASSERT_TRUE(in.trouble);
          EXPECT_NE(in.trouble->find(rest(s, 1)), std::string::npos) << *in.trouble;
        }
      } else {
        FAIL() << "unknown expectation " << what;
      }
    }
  }
}

TEST(Replay, FaceSessionWithConsents) { replay("face_session_with_consents"); }
TEST(Replay, FaceMismatchFallsBackToThePin) { replay("face_mismatch_falls_back_to_the_pin"); }
TEST(Replay, ALostReplyIsAskedForWithTheSameNumber) {
  replay("a_lost_reply_is_asked_for_with_the_same_number");
}
TEST(Replay, ALateReplyToAnEarlierCommandIsDropped) {
  replay("a_late_reply_to_an_earlier_command_is_dropped");
}
TEST(Replay, ACorruptedReplyIsAskedForAgainAtOnce) {
  replay("a_corrupted_reply_is_asked_for_again_at_once");
}
TEST(Replay, BadSequenceRenumbersAndSendsOnceMore) {
  replay("bad_sequence_renumbers_and_sends_once_more");
}
TEST(Replay, TwoLostRepliesResetTheLink) { replay("two_lost_replies_reset_the_link"); }
TEST(Replay, ALostEventIsReportedAsAGap) { replay("a_lost_event_is_reported_as_a_gap"); }
TEST(Replay, GarbageAroundAnEventIsSkipped) { replay("garbage_around_an_event_is_skipped"); }
// Regressions found in review: a failed command reused its number; a repeated event counted as
// 255 lost ones.
TEST(Replay, AFailedCommandSpendsItsNumber) { replay("a_failed_command_spends_its_number"); }
TEST(Replay, AnEventThatComesTwiceIsDropped) { replay("an_event_that_comes_twice_is_dropped"); }

// Every recording has its test (a file without one would pin nothing).
TEST(Replay, EveryRecordingIsReplayed) {
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(ONSHI_DRIVER_REPLAY_DIR))
    files += e.path().extension() == ".txt";
  EXPECT_EQ(files, 11u);
}

}  // namespace
}  // namespace onshi::driver
