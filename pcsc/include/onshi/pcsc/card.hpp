// A connection to the card in one reader (SCARDHANDLE), with deadlines on every call, the
// reset/removal rules of cards-and-readers.md §4.2, and T=0-style GET RESPONSE / 6Cxx handling.
//
// Reset: when another program resets the card, the call fails with Errc::card_reset after the
// handle was reconnected (SCARD_LEAVE_CARD): the application must select and verify again. The
// APDU that met the reset is never re-sent. Removal: Errc::card_removed, and every later call
// fails the same way; connect again after the next insertion.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/apdu.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc {

enum class ShareMode { shared, exclusive, direct };
enum class Disposition { leave, reset, unpower, eject };

enum class Protocol { none, t0, t1, raw };
std::string_view protocol_name(Protocol p) noexcept;

struct CardOptions {
  ShareMode share = ShareMode::shared;
  bool allow_t0 = true;
  bool allow_t1 = true;
  // Deadline of one PC/SC call (an APDU exchange, a control call...).
  std::chrono::milliseconds call_timeout{10'000};
};

struct CardStatus {
  std::string reader;
  Bytes atr;
  Protocol protocol = Protocol::none;
  std::uint32_t state = 0;  // SCARD_* state bits as reported by SCardStatus
};

class Transaction;

class Card {
 public:
  static Result<Card> connect(std::shared_ptr<Context> context, const std::string& reader,
                              CardOptions options = {});

  Card(Card&&) noexcept;
  Card& operator=(Card&&) noexcept;
  ~Card();  // disconnects with SCARD_LEAVE_CARD unless disconnect() was called

  const std::string& reader() const noexcept;
  Protocol protocol() const noexcept;
  ShareMode share_mode() const noexcept;
  // The disposition used when the Card is destroyed without disconnect() (default: leave). A
  // call still stuck in pcscd delays it, never drops it.
  void set_final_disposition(Disposition disposition) noexcept;

  // One exchange, with GET RESPONSE for 61xx and one re-send with the exact Le for 6Cxx.
  Result<ResponseApdu> transmit(const CommandApdu& command);
  // The same, for a command whose data is a secret (a PIN): the command is moved in, never
  // copied, and its data wiped once the exchange is over, even when the deadline passed first
  // and the call is still stuck in pcscd.
  Result<ResponseApdu> transmit_sensitive(CommandApdu&& command);
  // Bytes in, bytes out: no status-word handling at all (for technicians' raw APDUs).
  Result<Bytes> transmit_raw(ByteView command);

  Result<Bytes> control(std::uint32_t control_code, ByteView input);
  // The same with its own deadline, for a call that waits for a person (PIN entry on a pad).
  Result<Bytes> control(std::uint32_t control_code, ByteView input,
                        std::chrono::milliseconds timeout);
  Result<Bytes> get_attrib(std::uint32_t attribute);
  Result<CardStatus> status();

  // Exclusive access for a sequence of APDUs; ends when the guard goes away.
  Result<Transaction> begin_transaction();

  Status reconnect(Disposition initialization);
  Status disconnect(Disposition disposition);

  struct State;

 private:
  explicit Card(std::unique_ptr<State> state);
  void retire() noexcept;
  std::unique_ptr<State> state_;
};

// Must not outlive its Card.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept : state_(other.state_) { other.state_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Ends the transaction now with the given disposition (unpower kills any verified state).
  Status end(Disposition disposition = Disposition::leave);

 private:
  friend class Card;
  explicit Transaction(Card::State* state) : state_(state) {}
  Card::State* state_;
};

}  // namespace onshi::pcsc
