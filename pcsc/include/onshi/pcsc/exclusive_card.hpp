// An exclusive connection whose end powers the card down (SCARD_UNPOWER_CARD). A verified PIN
// stays in effect until the card loses power — warm resets and SCARD_LEAVE_CARD keep it, and any
// program could then use the unlocked key (cards-and-readers.md §1.4 "security status
// lifetime"). So everything from VERIFY to the signature happens on one of these.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "onshi/pcsc/card.hpp"

namespace onshi::pcsc {

class ExclusiveCard {
 public:
  static Result<ExclusiveCard> connect(std::shared_ptr<Context> context, const std::string& reader,
                                       CardOptions options = {});

  ExclusiveCard(ExclusiveCard&& other) noexcept
      : card_(std::move(other.card_)), released_(other.released_) {
    other.card_.reset();
  }
  ExclusiveCard& operator=(ExclusiveCard&&) = delete;
  ExclusiveCard(const ExclusiveCard&) = delete;
  ExclusiveCard& operator=(const ExclusiveCard&) = delete;
  ~ExclusiveCard();  // release(), errors ignored

  Card& card() noexcept { return *card_; }

  // Disconnects with SCARD_UNPOWER_CARD; later calls do nothing.
  Status release();

 private:
  explicit ExclusiveCard(Card card) : card_(std::move(card)) {}
  std::optional<Card> card_;
  bool released_ = false;
};

}  // namespace onshi::pcsc
