#include "onshi/pcsc/exclusive_card.hpp"

namespace onshi::pcsc {

Result<ExclusiveCard> ExclusiveCard::connect(std::shared_ptr<Context> context,
                                             const std::string& reader, CardOptions options) {
  options.share = ShareMode::exclusive;
  ONSHI_TRY_ASSIGN(Card card, Card::connect(std::move(context), reader, options));
  return ExclusiveCard(std::move(card));
}

ExclusiveCard::~ExclusiveCard() {
  if (card_) (void)release();
}

Status ExclusiveCard::release() {
  if (released_ || !card_) return {};
  released_ = true;
  return card_->disconnect(Disposition::unpower);
}

}  // namespace onshi::pcsc
