#include "onshi/sim/vpcd_card_slot.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

#include "onshi/sim/vpcd_frame.hpp"

namespace onshi::sim {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kConnectRetryPause{50};
// Longest wait for one pending connect, so remove() is noticed between attempts.
constexpr milliseconds kConnectAttemptSlice{200};
constexpr std::size_t kReceiveBufferSize = 4096;
constexpr std::size_t kMaxRandomGarbage = 300;

std::string errno_text(int error) { return std::strerror(error); }

int poll_timeout(milliseconds timeout) {
  return timeout.count() < 0
             ? -1
             : static_cast<int>(std::min<milliseconds::rep>(timeout.count(), 1 << 30));
}

void set_int_option(int fd, int level, int name) {
  const int one = 1;
  // Best effort: a failure costs latency, not correctness.
  (void)::setsockopt(fd, level, name, &one, sizeof one);
}

Result<sockaddr_in> ipv4_address(const std::string& host, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return fail(Errc::invalid_argument,
                fmt::format("host \"{}\" is not an IPv4 address such as 127.0.0.1", host));
  }
  // Network byte order written byte by byte (htons is a macro that trips -Wold-style-cast).
  const std::array<std::uint8_t, 2> port_bytes{static_cast<std::uint8_t>(port >> 8),
                                               static_cast<std::uint8_t>(port & 0xFF)};
  std::memcpy(&address.sin_port, port_bytes.data(), port_bytes.size());
  return address;
}

// refused and unanswered are worth retrying: pcscd may not have started yet.
enum class ConnectOutcome : std::uint8_t { connected, refused, unanswered, failed };

// One non-blocking connect attempt bounded by `deadline`; `error` gets errno on failure.
ConnectOutcome try_connect(int fd, const sockaddr_in& address, Clock::time_point deadline,
                           int& error) {
  const auto* generic = reinterpret_cast<const sockaddr*>(&address);
  if (::connect(fd, generic, sizeof address) == 0) return ConnectOutcome::connected;
  if (errno != EINPROGRESS && errno != EINTR) {
    error = errno;
    return error == ECONNREFUSED ? ConnectOutcome::refused : ConnectOutcome::failed;
  }
  pollfd p{fd, POLLOUT, 0};
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    const int n = ::poll(&p, 1, poll_timeout(std::max(left, milliseconds{0})));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno;
      return ConnectOutcome::failed;
    }
    if (n == 0) {
      error = ETIMEDOUT;
      return ConnectOutcome::unanswered;
    }
    break;
  }
  socklen_t size = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
  if (error == 0) return ConnectOutcome::connected;
  return error == ECONNREFUSED ? ConnectOutcome::refused : ConnectOutcome::failed;
}

}  // namespace

std::string_view removal_reason_name(RemovalReason reason) noexcept {
  switch (reason) {
    case RemovalReason::none:
      return "none";
    case RemovalReason::requested:
      return "requested";
    case RemovalReason::fault:
      return "fault";
    case RemovalReason::peer_closed:
      return "peer_closed";
    case RemovalReason::io_error:
      return "io_error";
  }
  return "unknown";
}

struct VpcdCardSlot::DueFaults {
  bool remove = false;
  bool garbage = false;
  bool reset = false;
  bool mute = false;
  GarbageKind garbage_kind = GarbageKind::one_byte;
  milliseconds delay{0};
};

// The serving thread's work on one connection. Every wait polls the wake eventfd as well, so
// remove() interrupts it wherever it is.
class VpcdCardSlot::Session {
 public:
  Session(VpcdCardSlot& slot, int socket_fd, int wake_fd)
      : slot_(slot), socket_(socket_fd), wake_(wake_fd), garbage_random_(std::random_device{}()) {}

  RemovalReason run() {
    VpcdFrameDecoder decoder;
    std::array<std::uint8_t, kReceiveBufferSize> buffer{};
    for (;;) {
      if (auto stop = wait_for(POLLIN, milliseconds{-1})) return *stop;
      // test-rigs.md §1 pitfall 3: vpcd sends length and payload in two send()s without
      // TCP_NODELAY, so the payload waits for our delayed ACK (~44 ms per APDU) unless
      // TCP_QUICKACK is re-armed before EVERY recv (the kernel clears it again by itself).
      set_int_option(socket_, IPPROTO_TCP, TCP_QUICKACK);
      const ssize_t n = ::recv(socket_, buffer.data(), buffer.size(), 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n < 0) return io_failure("recv");
      if (n == 0) {
        slot_.trace("vpcd closed the connection");
        return RemovalReason::peer_closed;
      }
      decoder.feed(ByteView(buffer.data(), static_cast<std::size_t>(n)));
      while (auto frame = decoder.next_frame()) {
        if (auto stop = handle_frame(*frame)) return *stop;
      }
    }
  }

 private:
  // nullopt: keep serving; otherwise why the connection ends.
  using Outcome = std::optional<RemovalReason>;

  Outcome handle_frame(const Bytes& frame) {
    const VpcdMessage message = classify_vpcd_frame(frame);
    switch (message.kind) {
      case VpcdMessage::Kind::empty:
        slot_.trace("ignored an empty frame");
        return std::nullopt;
      case VpcdMessage::Kind::unknown_control:
        slot_.trace(fmt::format("ignored unknown control byte {:02X}", frame[0]));
        return std::nullopt;
      case VpcdMessage::Kind::control:
        return handle_control(message.control);
      case VpcdMessage::Kind::apdu:
        return handle_apdu(message.apdu);
    }
    return std::nullopt;
  }

  Outcome handle_control(VpcdControl control) {
    switch (control) {
      case VpcdControl::power_off:
        slot_.with_card([](Card& card) { card.power_off(); });
        slot_.trace("power off");
        return std::nullopt;
      case VpcdControl::power_on:
        slot_.with_card([](Card& card) { card.power_on(); });
        slot_.trace("power on");
        return std::nullopt;
      case VpcdControl::reset:
        slot_.with_card([](Card& card) { card.reset(); });
        slot_.trace("reset");
        return std::nullopt;
      case VpcdControl::get_atr: {
        // Answered at any time: pcscd polls presence with it about every 400 ms (§1).
        const Bytes atr = slot_.with_card([](Card& card) { return card.atr(); });
        return send_frame(atr);
      }
    }
    return std::nullopt;
  }

  Outcome handle_apdu(ByteView apdu) {
    const std::uint64_t number = ++slot_.apdu_count_;
    const DueFaults due = slot_.take_due_faults(number);
    if (slot_.tracing_apdus()) slot_.trace(fmt::format("#{} > {}", number, to_hex(apdu, true)));
    if (due.remove) {
      slot_.trace(fmt::format("fault: removing the card instead of answering APDU #{}", number));
      return RemovalReason::fault;
    }
    if (due.mute) {
      slot_.trace(fmt::format("fault: APDU #{} will never be answered", number));
      // Only POLLRDHUP: further data must not wake us, a vpcd that goes away should.
      for (;;) {
        if (auto stop = wait_for(POLLRDHUP, milliseconds{-1})) return stop;
      }
    }
    if (due.delay.count() > 0) {
      if (auto stop = wait_for(0, due.delay)) return stop;
    }
    if (due.reset) {
      slot_.with_card([](Card& card) { card.reset(); });
      slot_.trace(fmt::format("fault: warm reset before APDU #{}", number));
    }
    Bytes reply = due.garbage ? garbage(due.garbage_kind)
                              : slot_.with_card([&](Card& card) { return card.process(apdu); });
    if (reply.size() > kVpcdMaxPayload) {
      slot_.trace(fmt::format("a {}-byte response does not fit a vpcd frame; answering 6F00",
                              reply.size()));
      reply = {0x6F, 0x00};
    }
    if (slot_.tracing_apdus()) {
      slot_.trace(fmt::format("#{} < {}{}", number, to_hex(reply, true),
                              due.garbage ? " (fault: garbage)" : ""));
    }
    return send_frame(reply);
  }

  Bytes garbage(GarbageKind kind) {
    if (kind == GarbageKind::one_byte) return Bytes{0x90};
    std::uniform_int_distribution<std::size_t> length(1, kMaxRandomGarbage);
    std::uniform_int_distribution<int> byte(0, 255);
    Bytes out(length(garbage_random_));
    for (auto& b : out) b = static_cast<std::uint8_t>(byte(garbage_random_));
    return out;
  }

  // One buffer, one send where possible: with TCP_NODELAY set the frame leaves at once.
  Outcome send_frame(ByteView payload) {
    auto frame = encode_vpcd_frame(payload);
    if (!frame) return io_failure("encode");
    ByteView rest(*frame);
    while (!rest.empty()) {
      const ssize_t n = ::send(socket_, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n >= 0) {
        rest = rest.subspan(static_cast<std::size_t>(n));
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (auto stop = wait_for(POLLOUT, milliseconds{-1})) return stop;
        continue;
      }
      if (errno == EPIPE || errno == ECONNRESET) {
        slot_.trace("vpcd closed the connection while we answered");
        return RemovalReason::peer_closed;
      }
      return io_failure("send");
    }
    return std::nullopt;
  }

  // Waits until the socket shows `events` (0 = just sleep) or `timeout` passes (negative =
  // forever). nullopt means go on; a reason means stop: remove() was called or the peer left.
  Outcome wait_for(short events, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      std::array<pollfd, 2> fds{pollfd{wake_, POLLIN, 0}, pollfd{socket_, events, 0}};
      milliseconds left = timeout;
      if (timeout.count() >= 0) {
        // Rounded up: poll() must not wake before the deadline (a delay fault is a minimum).
        left = std::max(milliseconds{0}, std::chrono::ceil<milliseconds>(deadline - Clock::now()));
      }
      const int n = ::poll(fds.data(), fds.size(), poll_timeout(left));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io_failure("poll");
      if ((fds[0].revents & POLLIN) != 0) return RemovalReason::requested;
      if (n == 0) {
        if (Clock::now() < deadline) continue;
        return std::nullopt;  // the timeout passed
      }
      const short seen = fds[1].revents;
      if ((seen & (POLLRDHUP | POLLHUP)) != 0 && (events & POLLIN) == 0) {
        slot_.trace("vpcd closed the connection");
        return RemovalReason::peer_closed;
      }
      if ((seen & POLLERR) != 0 && (events & POLLIN) == 0) {
        int error = 0;
        socklen_t size = sizeof error;
        (void)::getsockopt(socket_, SOL_SOCKET, SO_ERROR, &error, &size);
        errno = error;
        return io_failure("socket");
      }
      // POLLIN with HUP/ERR: let recv() read what is left and then report the end.
      if ((seen & (events | POLLHUP | POLLERR)) != 0) return std::nullopt;
    }
  }

  RemovalReason io_failure(const char* call) {
    slot_.trace(fmt::format("{} failed: {}", call, errno_text(errno)));
    return RemovalReason::io_error;
  }

  VpcdCardSlot& slot_;
  int socket_;
  int wake_;
  std::mt19937 garbage_random_;
};

VpcdCardSlot::VpcdCardSlot(Card card, SlotOptions options)
    : options_(std::move(options)), card_(std::move(card)) {}

VpcdCardSlot::~VpcdCardSlot() { remove(); }

void VpcdCardSlot::trace(std::string_view line) const {
  if (options_.trace) options_.trace(line);
}

Status VpcdCardSlot::insert(Clock::time_point deadline) {
  const std::lock_guard control(control_mutex_);
  if (inserted_.load()) return fail(Errc::busy, "the card is already inserted");
  if (serving_.joinable()) serving_.join();  // ended by itself (fault or vpcd closing)
  ONSHI_TRY_ASSIGN(const sockaddr_in address, ipv4_address(options_.host, options_.port));

  UniqueFd socket;
  for (;;) {
    socket.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket) return fail(Errc::io, fmt::format("socket: {}", errno_text(errno)));
    int error = 0;
    const auto attempt_end = std::min(deadline, Clock::now() + kConnectAttemptSlice);
    const ConnectOutcome outcome = try_connect(socket.get(), address, attempt_end, error);
    if (outcome == ConnectOutcome::connected) break;
    if (outcome == ConnectOutcome::failed) {
      return fail(Errc::io, fmt::format("connect to vpcd at {}:{}: {}", options_.host,
                                        options_.port, errno_text(error)));
    }
    if (cancel_insert_.load()) return fail(Errc::cancelled, "remove() was called during insert()");
    // Refused or unanswered: pcscd (and so vpcd's listening port) may not have started yet.
    if (Clock::now() + kConnectRetryPause >= deadline) {
      return fail(Errc::timeout, fmt::format("vpcd did not listen on {}:{} before the deadline",
                                             options_.host, options_.port));
    }
    std::this_thread::sleep_for(kConnectRetryPause);
  }
  // Our replies go out in one send() each; NODELAY keeps Nagle from holding them back.
  set_int_option(socket.get(), IPPROTO_TCP, TCP_NODELAY);

  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return fail(Errc::io, fmt::format("eventfd: {}", errno_text(errno)));
  {
    const std::lock_guard state(state_mutex_);
    last_removal_ = RemovalReason::none;
  }
  apdu_count_ = 0;
  inserted_ = true;
  const int wake_fd = wake.get();
  try {
    serving_ = std::thread(
        [this, s = std::move(socket), wake_fd]() mutable { serve(std::move(s), wake_fd); });
  } catch (const std::system_error& e) {
    inserted_ = false;
    return fail(Errc::io, fmt::format("cannot start the serving thread: {}", e.what()));
  }
  wake_fd_ = std::move(wake);
  trace(fmt::format("inserted into vpcd at {}:{}", options_.host, options_.port));
  return {};
}

void VpcdCardSlot::serve(UniqueFd socket, int wake_fd) noexcept {
  RemovalReason reason = RemovalReason::io_error;
  try {
    reason = Session(*this, socket.get(), wake_fd).run();
  } catch (const std::exception& e) {  // e.g. bad_alloc: nothing may escape the thread
    trace(fmt::format("serving stopped: {}", e.what()));
  } catch (...) {
    trace("serving stopped by an unknown exception");
  }
  socket.reset();  // closed before anyone is told, so vpcd sees the removal first
  finish(reason);
}

void VpcdCardSlot::finish(RemovalReason reason) {
  trace(fmt::format("removed ({})", removal_reason_name(reason)));
  {
    const std::lock_guard state(state_mutex_);
    last_removal_ = reason;
    inserted_ = false;
  }
  removed_cv_.notify_all();
}

void VpcdCardSlot::remove() {
  cancel_insert_ = true;  // seen by an insert() still retrying, which holds control_mutex_
  const std::lock_guard control(control_mutex_);
  cancel_insert_ = false;
  if (serving_.joinable()) {
    const std::uint64_t one = 1;
    if (wake_fd_) (void)!::write(wake_fd_.get(), &one, sizeof one);
    serving_.join();
  }
  wake_fd_.reset();
}

bool VpcdCardSlot::wait_removed(std::chrono::milliseconds timeout) {
  std::unique_lock state(state_mutex_);
  return removed_cv_.wait_for(state, timeout, [this] { return !inserted_.load(); });
}

RemovalReason VpcdCardSlot::last_removal() const {
  const std::lock_guard state(state_mutex_);
  return last_removal_;
}

void VpcdCardSlot::set_fault_script(const FaultScript& script) {
  const std::lock_guard state(state_mutex_);
  faults_ = script;
}

FaultScript VpcdCardSlot::fault_script() const {
  const std::lock_guard state(state_mutex_);
  return faults_;
}

VpcdCardSlot::DueFaults VpcdCardSlot::take_due_faults(std::uint64_t apdu_number) {
  const std::lock_guard state(state_mutex_);
  DueFaults due;
  // Each numbered fault fires once, then is disarmed (fault_script.hpp).
  auto fire = [apdu_number](std::optional<std::uint64_t>& at) {
    if (at != apdu_number) return false;
    at.reset();
    return true;
  };
  due.remove = fire(faults_.remove_at_apdu);
  due.garbage = fire(faults_.garbage_at_apdu);
  due.reset = fire(faults_.reset_at_apdu);
  due.mute = fire(faults_.mute_at_apdu);
  due.garbage_kind = faults_.garbage;
  due.delay = faults_.answer_delay;
  return due;
}

}  // namespace onshi::sim
