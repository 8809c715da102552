#include "onshi/pcsc/exclusive_card.hpp"

namespace onshi::pcsc {

Result<ExclusiveCard> ExclusiveCard::connect(std::shared_ptr<Context> context,
                                             const std::string& reader, CardOptions options) {
  options.share = ShareMode::exclusive;
  ONSHI_TRY_ASSIGN(Card card, Card::connect(std::move(context), reader, options));
  // Even if release() cannot run (a call stuck past its deadline keeps the worker busy), the
  // handle is unpowered when the card's last call returns.
  card.set_final_disposition(Disposition::unpower);
  return ExclusiveCard(std::move(card));
}

ExclusiveCard::~ExclusiveCard() {
  if (card_) (void)release();
}

Status ExclusiveCard::release() {
  if (released_ || !card_) return {};
  auto done = card_->disconnect(Disposition::unpower);
  // Marked released only when the disconnect ran; otherwise the Card's final disposition
  // (unpower) does it once the stuck call returns.
  if (done) released_ = true;
  return done;
}

}  // namespace onshi::pcsc
