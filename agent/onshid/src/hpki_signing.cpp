#include "hpki_signing.hpp"

#include "card_slot.hpp"

#include <fmt/format.h>

#include <thread>

#include "onshi/base64.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/exclusive_card.hpp"
#include "onshi/pcsc/hpki_ap.hpp"
#include "onshi/pcsc/hpki_certificate.hpp"
#include "onshi/pcsc/pin_pad.hpp"

namespace onshi::agent {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class Signing {
 public:
  explicit Signing(const SigningContext& c) : c_(c), deadline_(Clock::now() + c.request.timeout) {}

  Result<json> run() {
    ONSHI_TRY_ASSIGN(auto ctx, pcsc::Context::establish());
    context_ = std::make_shared<pcsc::Context>(std::move(ctx));
    step("waiting_for_card", {{"reader", c_.reader.key}});
    ONSHI_TRY(wait_for_card());
    ONSHI_TRY(take_news());  // a cancel that came while the card was put on
    ONSHI_TRY_ASSIGN(auto card, connect());
    ONSHI_TRY_ASSIGN(const auto detection, pcsc::hpki::detect(card.card()));
    if (detection.profile == nullptr) {
      return Error(Errc::card_unsupported,
                   fmt::format("the card on {} is not an HPKI card (医師資格証 / 薬剤師資格証) of "
                               "a known profile",
                               c_.reader.card_reader));
    }
    const auto app = c_.request.application == api::HpkiApplication::signature
                         ? pcsc::hpki::App::signature
                         : pcsc::hpki::App::authentication;
    if ((app == pcsc::hpki::App::signature && !detection.signature) ||
        (app == pcsc::hpki::App::authentication && !detection.authentication)) {
      return Error(Errc::card_unsupported,
                   fmt::format("this {} card has no {} application", detection.profile->name,
                               api::hpki_application_name(c_.request.application)));
    }
    step("card_read", {{"profile", detection.profile->name}});

    pcsc::hpki::SignRequest request;
    request.app = app;
    request.sha256 = c_.request.sha256;
    request.policy.allow_last_try = c_.request.use_last_try;
    SecretBytes pin;  // the caller's, if sent; wiped by sign_with_pin
    ONSHI_TRY_ASSIGN(const auto source,
                     pin_source(card.card(), c_.reader.card_reader, c_.request.pin, pin));
    const bool host_pin = source.host;
    request.pad = source.pad;
    step("pin_requested", {{"entry", host_pin ? "host" : "pad"}});
    ONSHI_TRY_ASSIGN(auto signed_, pcsc::hpki::sign_with_pin(card, pin, request));
    step("signed");
    return answer(signed_, host_pin);
  }

 private:
  void step(const std::string& type, json data = json::object()) {
    c_.set_step(type);
    c_.progress.publish(c_.id, type, std::move(data));
  }

  // What the mailbox holds now: a cancel or the face reader going away ends the signing.
  Status take_news() {
    while (auto news = c_.mailbox.pop(Clock::now())) {
      if (auto e = ends_it(*news)) return std::move(*e);
    }
    return {};
  }

  std::optional<Error> ends_it(const SessionNews& news) const {
    if (std::holds_alternative<CancelAsked>(news)) {
      return Error(Errc::cancelled, "cancelled by the caller");
    }
    if (const auto* gone = std::get_if<FaceGone>(&news)) {
      return Error(Errc::face_reader_absent,
                   fmt::format("the face reader {} went away: {}", c_.reader.key, gone->reason));
    }
    return std::nullopt;
  }

  Status wait_for_card() {
    const CardWait wait{c_.reader.key, c_.request.timeout, deadline_, c_.card_present, c_.stopping};
    return agent::wait_for_card(*context_, c_.reader.card_reader, c_.mailbox, wait,
                                [this](SessionNews& news) { return ends_it(news); });
  }

  Result<pcsc::ExclusiveCard> connect() {
    return connect_while_powering_up(
        [&] { return pcsc::ExclusiveCard::connect(context_, c_.reader.card_reader); });
  }

  json answer(const pcsc::hpki::SignResult& signed_, bool host_pin) const {
    json holder = json::object();
    if (auto h = pcsc::hpki::holder_certificate(signed_.certificate)) {
      holder["name"] = h->holder;
      holder["name_kanji"] = h->holder_kanji ? json(*h->holder_kanji) : json(nullptr);
      holder["roles"] = h->roles;
      if (h->roles_error) holder["roles_error"] = *h->roles_error;
      holder["non_repudiation"] = h->non_repudiation;
      holder["certificate_not_after"] = format_japan_time(h->info.not_after);
      holder["certificate_sha256"] = h->info.sha256_hex;
    }
    return json{{"application", api::hpki_application_name(c_.request.application)},
                {"profile", signed_.profile->name},
                {"sha256", to_hex(c_.request.sha256)},
                {"algorithm", "RSASSA-PKCS1-v1_5 SHA-256"},
                {"signature", to_base64(signed_.signature)},
                {"certificate", to_base64(signed_.certificate)},
                {"verified_with_certificate", true},
                {"holder", std::move(holder)},
                {"path",
                 {{"reader", c_.reader.key},
                  {"card_reader", c_.reader.card_reader},
                  {"pin_entry", host_pin ? "host" : "pad"},
                  {"apdu_path", pcsc::hpki::long_apdu_name(signed_.path.path)}}}};
  }

  const SigningContext& c_;
  const Clock::time_point deadline_;
  std::shared_ptr<pcsc::Context> context_;
};

}  // namespace

Result<json> run_hpki_signature(const SigningContext& context) { return Signing(context).run(); }

}  // namespace onshi::agent
