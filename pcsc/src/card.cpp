#include "onshi/pcsc/card.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "onshi/pcsc/blocking_worker.hpp"
#include "onshi/pcsc/pcsc_error.hpp"

namespace onshi::pcsc {
namespace {

// Large enough for an extended response: 65536 data bytes + SW (pcsclite.h
// MAX_BUFFER_SIZE_EXTENDED).
constexpr std::size_t kReceiveBufferSize = 65536 + 2;
// GET RESPONSE rounds: 256 bytes each covers the largest extended response with room to spare.
constexpr int kMaxGetResponseRounds = 300;
// How long an empty answer is checked against a removal pcscd has not noticed yet.
constexpr std::chrono::milliseconds kRemovalGrace{1000};

DWORD share_flag(ShareMode m) {
  switch (m) {
    case ShareMode::exclusive:
      return SCARD_SHARE_EXCLUSIVE;
    case ShareMode::direct:
      return SCARD_SHARE_DIRECT;
    case ShareMode::shared:
      break;
  }
  return SCARD_SHARE_SHARED;
}

DWORD disposition_flag(Disposition d) {
  switch (d) {
    case Disposition::reset:
      return SCARD_RESET_CARD;
    case Disposition::unpower:
      return SCARD_UNPOWER_CARD;
    case Disposition::eject:
      return SCARD_EJECT_CARD;
    case Disposition::leave:
      break;
  }
  return SCARD_LEAVE_CARD;
}

Protocol protocol_from(DWORD p) {
  if (p == SCARD_PROTOCOL_T0) return Protocol::t0;
  if (p == SCARD_PROTOCOL_T1) return Protocol::t1;
  if (p == SCARD_PROTOCOL_RAW) return Protocol::raw;
  return Protocol::none;
}

}  // namespace

std::string_view protocol_name(Protocol p) noexcept {
  switch (p) {
    case Protocol::t0:
      return "T=0";
    case Protocol::t1:
      return "T=1";
    case Protocol::raw:
      return "RAW";
    case Protocol::none:
      break;
  }
  return "none";
}

// What the worker thread touches. Shared with queued jobs, so it outlives a Card whose last call
// is stuck in pcscd.
struct Handle {
  std::shared_ptr<Context> context;
  std::string reader;
  DWORD share = SCARD_SHARE_SHARED;
  DWORD preferred = 0;
  SCARDHANDLE handle = 0;
  bool connected = false;
  bool removed = false;
  std::atomic<DWORD> protocol{0};
  // How the handle goes when the Card does (after any stuck call): set to unpower once a PIN
  // may have been verified, so the verified state can never outlive the connection.
  std::atomic<DWORD> final_disposition{SCARD_LEAVE_CARD};
  Bytes rx;

  PcscApi& api() const { return context->api(); }

  Error removed_error(std::string_view what) const {
    return Error{Errc::card_removed,
                 fmt::format("{}: the card was removed from \"{}\"", what, reader)};
  }

  // The common answer to a failed call on this handle (cards-and-readers.md §4.2).
  Error failure(LONG rv, std::string_view what) {
    if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD) {
      removed = true;
      return removed_error(what);
    }
    if (rv == SCARD_W_RESET_CARD) {
      // Reconnect low, report high (OpenSC reader-pcsc.c): the handle works again, but whatever
      // the application had selected or verified is gone.
      DWORD active = 0;
      const LONG rc = api().reconnect(handle, share, preferred, SCARD_LEAVE_CARD, &active);
      if (rc == SCARD_W_REMOVED_CARD || rc == SCARD_E_NO_SMARTCARD) {
        removed = true;
        return removed_error(what);
      }
      if (rc != SCARD_S_SUCCESS)
        return pcsc_error(rc, fmt::format("SCardReconnect after reset of \"{}\"", reader));
      protocol = active;
      return Error{Errc::card_reset,
                   fmt::format("{}: the card in \"{}\" was reset by another program; select and "
                               "verify again",
                               what, reader),
                   static_cast<std::int64_t>(static_cast<std::uint32_t>(rv))};
    }
    return pcsc_error(rv, fmt::format("{} on \"{}\"", what, reader));
  }

  Result<Bytes> exchange(ByteView command) {
    if (removed) return removed_error("SCardTransmit");
    if (!connected) return fail(Errc::invalid_argument, "the card is disconnected");
    if (rx.size() != kReceiveBufferSize) rx.resize(kReceiveBufferSize);
    auto length = static_cast<DWORD>(rx.size());
    const LONG rv = api().transmit(handle, protocol, command.data(),
                                   static_cast<DWORD>(command.size()), rx.data(), &length);
    if (rv != SCARD_S_SUCCESS) return failure(rv, "SCardTransmit");
    if (length > rx.size()) {
      return fail(
          Errc::pcsc_failure,
          fmt::format("SCardTransmit reported {} bytes for a {}-byte buffer", length, rx.size()));
    }
    Bytes answer(rx.begin(), rx.begin() + length);
    secure_wipe(rx.data(), length);  // answers may carry personal data; keep one copy only
    return answer;
  }

  // Some drivers (vpcd) answer an APDU that met a removal with zero bytes and success, and pcscd
  // notices the removal only at its next presence poll (about 400 ms, test-rigs.md §1). So an
  // empty answer is checked against the card's presence for up to kRemovalGrace before it is
  // called malformed.
  Result<ResponseApdu> parse_answer(const Bytes& raw) {
    auto parsed = ResponseApdu::parse(raw);
    if (parsed || !raw.empty()) return parsed;
    const auto give_up = std::chrono::steady_clock::now() + kRemovalGrace;
    do {
      DWORD state = 0;
      const LONG rv = query_status(&state, nullptr, nullptr);
      if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
          (rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT) != 0)) {
        removed = true;
        return removed_error("SCardTransmit");
      }
      if (rv != SCARD_S_SUCCESS) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < give_up);
    return parsed;
  }

  // SCardStatus; any of the outputs may be null.
  LONG query_status(DWORD* state, DWORD* active_protocol, Bytes* atr_out) {
    char name[MAX_READERNAME + 1] = {};
    DWORD name_length = sizeof name - 1;
    DWORD s = 0;
    DWORD p = 0;
    BYTE atr[MAX_ATR_SIZE] = {};
    DWORD atr_length = sizeof atr;
    const LONG rv = api().status(handle, name, &name_length, &s, &p, atr, &atr_length);
    if (state != nullptr) *state = s;
    if (active_protocol != nullptr) *active_protocol = p;
    if (atr_out != nullptr) atr_out->assign(atr, atr + std::min<DWORD>(atr_length, sizeof atr));
    return rv;
  }

  // One command, one answer. The encoded command is wiped: a VERIFY carries a PIN.
  Result<ResponseApdu> send(const CommandApdu& command) {
    ONSHI_TRY_ASSIGN(Bytes encoded, command.encode());
    auto raw = exchange(encoded);
    secure_wipe(encoded.data(), encoded.size());
    if (!raw) return std::move(raw).error();
    auto parsed = parse_answer(*raw);
    secure_wipe(raw->data(), raw->size());  // the parsed copy is the only one left
    return parsed;
  }

  Result<ResponseApdu> exchange_apdu(const CommandApdu& command) {
    ONSHI_TRY_ASSIGN(ResponseApdu response, send(command));

    if (response.sw1 == 0x6C && command.le) {
      // Wrong Le: the card did not execute, it tells the exact length; send once more with it.
      CommandApdu again = command;
      again.le = response.sw2 == 0 ? kShortMaxLe : response.sw2;
      auto resent = send(again);
      secure_wipe(again.data.data(), again.data.size());  // the copy may hold a PIN
      ONSHI_TRY_ASSIGN(response, std::move(resent));
    }

    Bytes data = std::move(response.data);
    for (int round = 0; response.sw1 == 0x61; ++round) {
      if (round == kMaxGetResponseRounds || data.size() > kExtendedMaxLe) {
        return fail(Errc::apdu_malformed_response,
                    fmt::format("card keeps answering 61xx after {} bytes", data.size()));
      }
      const CommandApdu get_response{
          static_cast<std::uint8_t>(command.cla & 0x03), 0xC0, 0x00, 0x00, {},
          response.sw2 == 0 ? kShortMaxLe : response.sw2};
      ONSHI_TRY_ASSIGN(response, send(get_response));
      data.insert(data.end(), response.data.begin(), response.data.end());
    }
    response.data = std::move(data);
    return response;
  }
};

struct Card::State {
  std::shared_ptr<Handle> handle;
  CardOptions options;
  BlockingWorker worker;

  template <typename T, typename Fn>
  Result<T> run(Fn&& fn, const char* what) {
    return run_for<T>(std::forward<Fn>(fn), what, options.call_timeout);
  }
  template <typename T, typename Fn>
  Result<T> run_for(Fn&& fn, const char* what, std::chrono::milliseconds timeout) {
    return worker.run<T>(std::function<Result<T>()>(std::forward<Fn>(fn)), timeout,
                         fmt::format("{} on \"{}\"", what, handle->reader));
  }
};

Card::Card(std::unique_ptr<State> state) : state_(std::move(state)) {}
Card::Card(Card&&) noexcept = default;

Card& Card::operator=(Card&& other) noexcept {
  if (this != &other) {
    retire();
    state_ = std::move(other.state_);
  }
  return *this;
}

Card::~Card() { retire(); }

void Card::retire() noexcept {
  if (!state_) return;
  // Runs after any call still stuck in pcscd; never blocks this thread on it.
  state_->worker.set_final_job([h = state_->handle] {
    if (h->connected) {
      h->api().disconnect(h->handle, h->final_disposition.load());
      h->connected = false;
    }
  });
  state_.reset();
}

Result<Card> Card::connect(std::shared_ptr<Context> context, const std::string& reader,
                           CardOptions options) {
  auto h = std::make_shared<Handle>();
  h->context = std::move(context);
  h->reader = reader;
  h->share = share_flag(options.share);
  h->preferred =
      (options.allow_t0 ? SCARD_PROTOCOL_T0 : 0) | (options.allow_t1 ? SCARD_PROTOCOL_T1 : 0);
  if (options.share == ShareMode::direct) h->preferred = 0;
  if (h->preferred == 0 && options.share != ShareMode::direct) {
    return fail(Errc::invalid_argument, "no protocol allowed");
  }
  auto state = std::make_unique<State>();
  state->handle = h;
  state->options = options;
  auto connected = state->run<bool>(
      [h]() -> Result<bool> {
        DWORD active = 0;
        const LONG rv = h->api().connect(h->context->handle(), h->reader.c_str(), h->share,
                                         h->preferred, &h->handle, &active);
        if (rv != SCARD_S_SUCCESS)
          return pcsc_error(rv, fmt::format("SCardConnect(\"{}\")", h->reader));
        h->connected = true;
        h->protocol = active;
        return true;
      },
      "SCardConnect");
  if (!connected) {
    // pcsc-lite's SCardConnect can block for as long as another program holds a transaction. A
    // connect that returns after our deadline must not leave a handle (possibly exclusive) behind.
    state->worker.set_final_job([h] {
      if (h->connected) {
        h->api().disconnect(h->handle, SCARD_LEAVE_CARD);
        h->connected = false;
      }
    });
    return std::move(connected).error();
  }
  return Card(std::move(state));
}

const std::string& Card::reader() const noexcept { return state_->handle->reader; }
Protocol Card::protocol() const noexcept { return protocol_from(state_->handle->protocol); }
ShareMode Card::share_mode() const noexcept { return state_->options.share; }

void Card::set_final_disposition(Disposition disposition) noexcept {
  state_->handle->final_disposition = disposition_flag(disposition);
}

Result<ResponseApdu> Card::transmit(const CommandApdu& command) {
  auto h = state_->handle;
  return state_->run<ResponseApdu>([h, command] { return h->exchange_apdu(command); },
                                   "SCardTransmit");
}

Result<ResponseApdu> Card::transmit_sensitive(CommandApdu&& command) {
  // Shared, so the one copy lives exactly as long as the job that may still be running.
  struct Wiped {
    CommandApdu apdu;
    ~Wiped() { secure_wipe(apdu.data.data(), apdu.data.size()); }
  };
  auto secret = std::make_shared<Wiped>();
  secret->apdu = std::move(command);
  secure_wipe(command.data.data(), command.data.size());  // moved-from: normally empty already
  auto h = state_->handle;
  return state_->run<ResponseApdu>([h, secret] { return h->exchange_apdu(secret->apdu); },
                                   "SCardTransmit");
}

Result<Bytes> Card::transmit_raw(ByteView command) {
  auto h = state_->handle;
  return state_->run<Bytes>(
      [h, cmd = Bytes(command.begin(), command.end())] { return h->exchange(cmd); },
      "SCardTransmit");
}

Result<Bytes> Card::control(std::uint32_t control_code, ByteView input) {
  return control(control_code, input, state_->options.call_timeout);
}

Result<Bytes> Card::control(std::uint32_t control_code, ByteView input,
                            std::chrono::milliseconds timeout) {
  auto h = state_->handle;
  return state_->run_for<Bytes>(
      [h, control_code, in = Bytes(input.begin(), input.end())]() -> Result<Bytes> {
        if (!h->connected) return fail(Errc::invalid_argument, "the card is disconnected");
        Bytes out(kReceiveBufferSize);
        DWORD returned = 0;
        const LONG rv =
            h->api().control(h->handle, control_code, in.data(), static_cast<DWORD>(in.size()),
                             out.data(), static_cast<DWORD>(out.size()), &returned);
        if (rv != SCARD_S_SUCCESS)
          return h->failure(rv, fmt::format("SCardControl(0x{:08X})", control_code));
        if (returned > out.size())
          return fail(Errc::pcsc_failure, "SCardControl returned more than the buffer");
        out.resize(returned);
        return out;
      },
      "SCardControl", timeout);
}

Result<Bytes> Card::get_attrib(std::uint32_t attribute) {
  auto h = state_->handle;
  return state_->run<Bytes>(
      [h, attribute]() -> Result<Bytes> {
        if (!h->connected) return fail(Errc::invalid_argument, "the card is disconnected");
        Bytes out(MAX_BUFFER_SIZE);
        auto length = static_cast<DWORD>(out.size());
        const LONG rv = h->api().get_attrib(h->handle, attribute, out.data(), &length);
        if (rv != SCARD_S_SUCCESS)
          return h->failure(rv, fmt::format("SCardGetAttrib(0x{:08X})", attribute));
        if (length > out.size())
          return fail(Errc::pcsc_failure, "SCardGetAttrib returned more than the buffer");
        out.resize(length);
        return out;
      },
      "SCardGetAttrib");
}

Result<CardStatus> Card::status() {
  auto h = state_->handle;
  return state_->run<CardStatus>(
      [h]() -> Result<CardStatus> {
        if (h->removed) return h->removed_error("SCardStatus");
        CardStatus s;
        DWORD state = 0;
        DWORD protocol = 0;
        const LONG rv = h->query_status(&state, &protocol, &s.atr);
        if (rv != SCARD_S_SUCCESS) return h->failure(rv, "SCardStatus");
        s.reader = h->reader;
        s.protocol = protocol_from(protocol);
        s.state = static_cast<std::uint32_t>(state);
        return s;
      },
      "SCardStatus");
}

Result<Transaction> Card::begin_transaction() {
  auto h = state_->handle;
  auto begun = state_->run<bool>(
      [h]() -> Result<bool> {
        if (h->removed) return h->removed_error("SCardBeginTransaction");
        const LONG rv = h->api().begin_transaction(h->handle);
        if (rv != SCARD_S_SUCCESS) return h->failure(rv, "SCardBeginTransaction");
        return true;
      },
      "SCardBeginTransaction");
  if (!begun) return std::move(begun).error();
  return Transaction(state_.get());
}

Status Card::reconnect(Disposition initialization) {
  auto h = state_->handle;
  const DWORD init = disposition_flag(initialization);
  auto r = state_->run<bool>(
      [h, init]() -> Result<bool> {
        DWORD active = 0;
        const LONG rv = h->api().reconnect(h->handle, h->share, h->preferred, init, &active);
        if (rv != SCARD_S_SUCCESS) return h->failure(rv, "SCardReconnect");
        h->removed = false;
        h->protocol = active;
        return true;
      },
      "SCardReconnect");
  if (!r) return std::move(r).error();
  return {};
}

Status Card::disconnect(Disposition disposition) {
  auto h = state_->handle;
  const DWORD flag = disposition_flag(disposition);
  auto r = state_->run<bool>(
      [h, flag]() -> Result<bool> {
        if (!h->connected) return true;
        h->connected = false;
        const LONG rv = h->api().disconnect(h->handle, flag);
        if (rv != SCARD_S_SUCCESS && rv != SCARD_W_REMOVED_CARD && rv != SCARD_E_NO_SMARTCARD) {
          return pcsc_error(rv, "SCardDisconnect");
        }
        return true;
      },
      "SCardDisconnect");
  if (!r) return std::move(r).error();
  return {};
}

Transaction::~Transaction() {
  if (state_ != nullptr) (void)end(Disposition::leave);
}

Status Transaction::end(Disposition disposition) {
  if (state_ == nullptr) return {};
  Card::State* state = state_;
  state_ = nullptr;
  auto h = state->handle;
  const DWORD flag = disposition_flag(disposition);
  auto r = state->run<bool>(
      [h, flag]() -> Result<bool> {
        if (!h->connected || h->removed) return true;  // nothing left to release
        const LONG rv = h->api().end_transaction(h->handle, flag);
        if (rv != SCARD_S_SUCCESS) return h->failure(rv, "SCardEndTransaction");
        return true;
      },
      "SCardEndTransaction");
  if (!r) return std::move(r).error();
  return {};
}

}  // namespace onshi::pcsc
