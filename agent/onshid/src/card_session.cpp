// One card session, step by step, on its worker thread (card_sessions.hpp). PC/SC calls block
// here; face-reader commands are asynchronous and waited for; the devices' news come through the
// mailbox. Every way out of a step that holds the card releases it (ExclusiveCard), and a card
// that was verified is powered down before anyone or anything is waited for.
#include <fmt/format.h>

#include <deque>
#include <future>
#include <thread>

#include "card_sessions.hpp"
#include "card_slot.hpp"
#include "onshi/api/result_json.hpp"
#include "onshi/log.hpp"
#include "onshi/pcsc/card_present_proof.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/jpki_ap.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/pcsc/pin_pad.hpp"

namespace onshi::agent {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A challenge is used only while this much of its lifetime is left (the query still has to
// travel).
constexpr auto kChallengeMargin = 10s;
// After the face reader's own timeout, how long the host still waits for its SESSION_ENDED.
constexpr auto kSessionGrace = 10s;

std::atomic<std::uint32_t> g_next_session{1};

driver::SessionMode to_driver(api::CardMode m) {
  switch (m) {
    case api::CardMode::face:
      return driver::SessionMode::face;
    case api::CardMode::pin:
      return driver::SessionMode::pin;
    case api::CardMode::face_then_pin:
      return driver::SessionMode::face_then_pin;
    case api::CardMode::visual:
      return driver::SessionMode::visual;
  }
  return driver::SessionMode::face_then_pin;
}

std::string consent_flag(driver::ConsentAnswer a) {
  // OQSCD016 / OQSCD001: 1 agreed, 0 not; not asked or not answered: absent.
  if (a == driver::ConsentAnswer::agreed) return "1";
  if (a == driver::ConsentAnswer::declined) return "0";
  return {};
}

// Why the face reader ended a session, as an error of this verification.
Error session_end_error(std::uint8_t reason, const std::string& serial) {
  using E = driver::SessionEnd;
  const auto name = driver::session_end_name(static_cast<E>(reason));
  switch (static_cast<E>(reason)) {
    case E::operator_cancelled:
      return Error(Errc::cancelled, fmt::format("cancelled on the face reader {}", serial));
    case E::host_cancelled:
      return Error(Errc::cancelled, "cancelled");
    case E::timeout:
      return Error(Errc::timeout,
                   fmt::format("the session on the face reader {} ran out of time", serial));
    case E::card_removed:
      return Error(Errc::card_removed,
                   fmt::format("the card was taken off the face reader {}", serial));
    case E::face_failed:
      return Error(Errc::identity_not_confirmed,
                   "face matching failed on every attempt (mode face: no PIN fallback)");
    case E::staff_rejected:
      return Error(Errc::identity_not_confirmed,
                   "the staff did not confirm the patient against the card's photo (目視確認)");
    case E::identity_failed:
      return Error(Errc::identity_not_confirmed, "the card could not be verified");
    case E::device_error:
    case E::reset:
    default:
      return Error(Errc::face_reader_refused,
                   fmt::format("the face reader {} ended the session: {}", serial, name), reason);
  }
}

class Flow {
 public:
  explicit Flow(const SessionContext& c) : c_(c), face_(c.reader.face) {
    deadline_ = Clock::now() + c.query.timeout + kSessionGrace;
  }

  Result<json> run() {
    auto out = steps();
    if (!out) abandon_face_session();
    return out;
  }

 private:
  void progress(std::string type, json data = json::object()) {
    c_.set_step(type);
    c_.progress.publish(c_.id, std::move(type), std::move(data));
  }

  // --- the face reader ---------------------------------------------------------------------

  template <typename Start>
  Status face_call(Start&& start) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    start([promise](Status s) { promise->set_value(std::move(s)); });
    if (future.wait_for(c_.face_call_timeout) != std::future_status::ready) {
      return Error(Errc::timeout, fmt::format("the face reader {} did not answer", c_.reader.key));
    }
    return future.get();
  }

  void abandon_face_session() {
    if (!face_ || session_ == 0 || ended_) return;
    (void)face_call([&](auto done) { face_->async_cancel(session_, std::move(done)); });
    ended_ = true;
  }

  Status identity_result(bool ok) {
    if (!face_) return {};
    return face_call(
        [&](auto done) { face_->async_identity_result(session_, ok, std::move(done)); });
  }

  // The news that end any step: a cancel, the card gone (before the proof), the face reader
  // gone, the reader's end of the session. nullopt: the step should look at it itself.
  std::optional<Error> common_news(const SessionNews& news) {
    if (std::holds_alternative<CancelAsked>(news)) {
      return Error(Errc::cancelled, "cancelled by the caller");
    }
    if (const auto* gone = std::get_if<FaceGone>(&news)) {
      ended_ = true;  // nothing to cancel on a reader that is not there
      return Error(Errc::face_reader_absent,
                   fmt::format("the face reader {} went away during the session: {}", c_.reader.key,
                               gone->reason));
    }
    // Before the card was read a removal is only "no card yet" (or an old one going).
    if (std::holds_alternative<CardGone>(news) && card_read_ && !proved_ && !stale_removal()) {
      return Error(
          Errc::card_removed,
          fmt::format("the card was taken off {} before it was verified", c_.reader.card_reader));
    }
    if (const auto* ev = std::get_if<driver::DeviceEvent>(&news)) {
      if (const auto* end = std::get_if<driver::SessionEnded>(ev)) {
        if (end->session == session_) {
          ended_ = true;
          if (end->reason != static_cast<std::uint8_t>(driver::SessionEnd::completed)) {
            return session_end_error(end->reason, c_.reader.key);
          }
        }
      }
      if (const auto* err = std::get_if<driver::DeviceError>(ev)) {
        return Error(Errc::face_reader_refused,
                     fmt::format("the face reader {} reported a device error: {}", c_.reader.key,
                                 driver::describe(driver::DeviceEvent(*err))));
      }
    }
    return std::nullopt;
  }

  Result<SessionNews> next_news(std::string_view waiting_for) {
    if (c_.stopping) return Error(Errc::request_interrupted, "onshid is stopping");
    std::optional<SessionNews> news;
    if (!deferred_.empty()) {
      news = std::move(deferred_.front());
      deferred_.pop_front();
    } else {
      news = c_.mailbox.pop(deadline_);
    }
    if (!news) {
      return Error(Errc::timeout,
                   fmt::format("nothing happened within the session's {} s while waiting for {}",
                               c_.query.timeout.count(), waiting_for));
    }
    if (auto e = common_news(*news)) return std::move(*e);
    return std::move(*news);
  }

  // --- the steps ---------------------------------------------------------------------------

  // Between steps that block on the card or the network: what arrived meanwhile (a cancel, onshid
  // stopping, the face reader gone) ends the session now; the reader's own news wait for the
  // step that wants them.
  Status news_so_far() {
    if (c_.stopping) return Error(Errc::request_interrupted, "onshid is stopping");
    while (auto news = c_.mailbox.pop(Clock::now())) {
      if (auto e = common_news(*news)) return std::move(*e);
      if (std::holds_alternative<driver::DeviceEvent>(*news)) deferred_.push_back(std::move(*news));
    }
    return {};
  }

  Result<json> steps() {
    const bool plain = face_ == nullptr;
    mode_ = c_.query.mode.value_or(plain ? api::CardMode::pin : api::CardMode::face_then_pin);
    if (face_) {
      session_ = g_next_session.fetch_add(1);
      if (session_ == 0) session_ = g_next_session.fetch_add(1);
      driver::SessionRequest request;
      request.session = session_;
      request.mode = to_driver(mode_);
      request.consents = driver::ConsentSet(c_.query.consents);
      request.timeout_seconds = static_cast<std::uint16_t>(c_.query.timeout.count());
      ONSHI_TRY(
          face_call([&](auto done) { face_->async_start_session(request, std::move(done)); }));
    }
    progress("waiting_for_card", {{"reader", c_.reader.key}, {"mode", api::card_mode_name(mode_)}});
    ONSHI_TRY(wait_for_card());
    ONSHI_TRY(read_card());
    if (plain && !c_.query.pin && !c_.reader.pin_pad) {
      return Error(Errc::api_bad_request, "this reader has no PIN pad: send the PIN");
    }
    if (token_ != pcsc::jpki::Token::card && token_ != pcsc::jpki::Token::unknown && face_) {
      return Error(Errc::token_not_supported,
                   fmt::format("a smartphone ({}) is on the face reader {}: a smartphone has no "
                               "face-reader path; use a plain reader in PIN mode",
                               pcsc::jpki::token_name(token_), c_.reader.key));
    }
    if (pin_less_ && mode_ == api::CardMode::pin) {
      return Error(Errc::pin_less_card,
                   "this is a PIN-less card (暗証番号設定不要カード): use mode face or visual");
    }
    ONSHI_TRY(fetch_challenge());
    if (plain) {
      ONSHI_TRY(news_so_far());  // a cancel while the challenge came: no pad prompt
      ONSHI_TRY(pin_step(false));
    } else {
      ONSHI_TRY(identity_step());
      ONSHI_TRY(consent_step());
    }
    ONSHI_TRY(news_so_far());  // a cancel during the PIN entry: nothing is sent
    return query_step();
  }

  std::optional<SlotState> slot_state() {
    auto ctx = context();
    return ctx ? agent::slot_state(**ctx, c_.reader.card_reader) : std::nullopt;
  }

  Status wait_for_card() {
    ONSHI_TRY_ASSIGN(auto ctx, context());
    const CardWait wait{c_.reader.key, c_.query.timeout, deadline_, c_.card_present, c_.stopping};
    return agent::wait_for_card(*ctx, c_.reader.card_reader, c_.mailbox, wait,
                                [this](SessionNews& news) -> std::optional<Error> {
                                  if (auto e = common_news(news)) return e;
                                  // The face reader may be quicker than pcscd: its face result
                                  // waits for the next step.
                                  if (std::holds_alternative<driver::DeviceEvent>(news)) {
                                    deferred_.push_back(std::move(news));
                                  }
                                  return std::nullopt;
                                });
  }

  Result<std::shared_ptr<pcsc::Context>> context() {
    if (!context_) {
      ONSHI_TRY_ASSIGN(auto ctx, pcsc::Context::establish());
      context_ = std::make_shared<pcsc::Context>(std::move(ctx));
    }
    return context_;
  }

  Result<pcsc::Card> connect_fresh_card() {
    ONSHI_TRY_ASSIGN(auto ctx, context());
    return connect_while_powering_up(
        [&] { return pcsc::Card::connect(ctx, c_.reader.card_reader); });
  }

  // A card that was just put on (or swapped) can vanish under the first commands while pcscd
  // catches up with the slot; nothing has been asked of it yet, so reading again is safe.
  Status read_card() {
    for (int attempt = 1;; ++attempt) {
      auto s = read_card_once();
      if (s || attempt == 3) return s;
      const Errc e = s.error().code;
      // PROTO_MISMATCH and NOT_TRANSACTED come too from a slot pcscd is still powering up.
      if (e != Errc::card_removed && e != Errc::card_reset && e != Errc::card_absent &&
          e != Errc::card_unresponsive && e != Errc::pcsc_protocol && e != Errc::pcsc_failure) {
        return s;
      }
      std::this_thread::sleep_for(200ms);
      ONSHI_TRY(wait_for_card());  // the card that went, or the next one
    }
  }

  // The monitor's news can be late, and pcscd's own view too: a quick swap between patients may
  // reach pcscd (and so this session) only after the session read the new card. So a removal
  // counts only when the slot is empty now, or holds a card whose authentication certificate is
  // not the one read (a swap: its proof or PIN would not match that certificate).
  bool stale_removal() {
    const auto now = slot_state();
    if (!now || !now->present) return false;
    if (read_at_events_ && now->events == *read_at_events_) return true;
    auto card = connect_fresh_card();
    if (!card || !pcsc::jpki::detect(*card).value_or(pcsc::jpki::Detection{}).jpki) return false;
    auto again = pcsc::jpki::read_certificate(*card, pcsc::jpki::kEfAuthCertificate);
    (void)card->disconnect(pcsc::Disposition::leave);
    const bool same = again && *again == certificate_;
    log::info("onshid", "card session {}: pcscd saw the card go and come back; {}", c_.id,
              same ? "the same card is there: carrying on" : "another card is there");
    if (same) read_at_events_ = now->events;
    return same;
  }

  Status read_card_once() {
    const auto before = slot_state();
    ONSHI_TRY_ASSIGN(auto card, connect_fresh_card());
    ONSHI_TRY_ASSIGN(const auto detection, pcsc::jpki::detect(card));
    if (!detection.jpki) {
      return Error(Errc::card_unsupported,
                   "the card is not a My Number card (its JPKI AP did not answer)");
    }
    token_ = detection.token;
    ONSHI_TRY_ASSIGN(certificate_,
                     pcsc::jpki::read_certificate(card, pcsc::jpki::kEfAuthCertificate));
    if (token_ == pcsc::jpki::Token::card) {
      ONSHI_TRY_ASSIGN(pin_less_, pcsc::jpki::has_pin_less_marker(card));
    }
    (void)card.disconnect(pcsc::Disposition::leave);
    card_read_ = true;
    if (before && before->present) read_at_events_ = before->events;
    progress("card_read", {{"token", pcsc::jpki::token_name(token_)}, {"pin_less", pin_less_}});
    return {};
  }

  Status fetch_challenge() {
    if (!client_) {
      ONSHI_TRY_ASSIGN(client_, c_.hooks.upstream(c_.query.institution));
    }
    ONSHI_TRY_ASSIGN(challenge_, client_->challenge());
    challenge_until_ = Clock::now() + challenge_.expires_in;
    return {};
  }

  bool challenge_fresh() const { return Clock::now() + kChallengeMargin < challenge_until_; }

  ByteView challenge_bytes() const {
    return {reinterpret_cast<const std::uint8_t*>(challenge_.bytes.data()),
            challenge_.bytes.size()};
  }

  Result<pcsc::ExclusiveCard> exclusive() {
    ONSHI_TRY_ASSIGN(auto ctx, context());
    return pcsc::ExclusiveCard::connect(ctx, c_.reader.card_reader);
  }

  // Face and 目視: the card-present proof, on a hold of its own that ends unpowered.
  Status prove_present() {
    if (!challenge_fresh()) ONSHI_TRY(fetch_challenge());
    ONSHI_TRY_ASSIGN(auto card, exclusive());
    ONSHI_TRY_ASSIGN(proof_,
                     pcsc::prove_card_present(card.card(), challenge_bytes(), certificate_));
    ONSHI_TRY(card.release());
    proved_ = true;
    return {};
  }

  // PIN mode: counter, guard, secure PIN entry (or the caller's PIN on a plain reader), the
  // signature, the card powered down: one bounded exclusive hold (jpki_pin_sign.hpp).
  Status pin_step(bool after_face) {
    if (pin_less_) {
      return Error(Errc::pin_less_card,
                   "the reader asked for the PIN, but this is a PIN-less card (暗証番号設定不要"
                   "カード): it has none");
    }
    if (!challenge_fresh()) ONSHI_TRY(fetch_challenge());
    ONSHI_TRY_ASSIGN(auto card, exclusive());
    pcsc::jpki::PinSignRequest request;
    request.key = pcsc::jpki::Key::auth;
    request.message.assign(challenge_.bytes.begin(), challenge_.bytes.end());
    request.policy.allow_last_try = c_.query.use_last_try;
    request.expected_certificate = certificate_;  // a card swapped since the read gets no PIN
    SecretBytes pin;                              // the caller's, if sent; wiped by sign_with_pin
    ONSHI_TRY_ASSIGN(const auto source,
                     pin_source(card.card(), c_.reader.card_reader, c_.query.pin, pin));
    const bool host_pin = source.host;
    request.pad = source.pad;
    progress("pin_requested",
             {{"entry", host_pin ? "host" : "pad"}, {"after_face_failed", after_face}});
    ONSHI_TRY_ASSIGN(auto signed_, pcsc::jpki::sign_with_pin(card, pin, request));
    proof_ = std::move(signed_.signature);
    proved_ = true;
    method_ = xmlmsg::VerificationMode::pin;
    progress("pin_verified");
    return {};
  }

  // The face reader's part: face match, or 目視, or the PIN it asks for; then IDENTITY_RESULT.
  Status identity_step() {
    bool face_failed = false;
    for (;;) {
      ONSHI_TRY_ASSIGN(auto news, next_news("the face match, the staff or the PIN"));
      const auto* ev = std::get_if<driver::DeviceEvent>(&news);
      if (ev == nullptr) continue;
      if (const auto* face = std::get_if<driver::FaceResult>(ev)) {
        if (face->session != session_) continue;
        attempts_ = face->attempt;
        if (!face->matched) {
          face_failed = true;
          progress("face_mismatch", {{"attempt", face->attempt}});
          continue;
        }
        score_ = face->score;
        progress("face_matched", {{"attempt", face->attempt}});
        method_ = xmlmsg::VerificationMode::face;
        break;
      }
      if (const auto* staff = std::get_if<driver::VisualConfirmation>(ev)) {
        if (staff->session != session_) continue;
        if (!staff->confirmed) continue;  // SESSION_ENDED staff_rejected follows
        progress("visually_confirmed");
        method_ = xmlmsg::VerificationMode::visual;
        break;
      }
      if (const auto* pin = std::get_if<driver::PinRequested>(ev)) {
        if (pin->session != session_) continue;
        face_fallback_ = face_failed;
        auto s = pin_step(face_failed);
        if (!s) {
          (void)identity_result(false);
          return s;
        }
        return identity_result(true);
      }
    }
    auto s = prove_present();
    if (!s) {
      (void)identity_result(false);
      return s;
    }
    return identity_result(true);
  }

  Status consent_step() {
    if (c_.query.consents == 0) {
      while (!ended_) {
        auto news = next_news("the end of the session");
        if (!news) return std::move(news).error();
      }
      return {};
    }
    while (!ended_) {
      ONSHI_TRY_ASSIGN(auto news, next_news("the patient's consent answers"));
      const auto* ev = std::get_if<driver::DeviceEvent>(&news);
      if (ev == nullptr) continue;
      if (const auto* a = std::get_if<driver::ConsentAnswers>(ev)) {
        if (a->session != session_) continue;
        answers_ = *a;
        json shown = json::object();
        for (std::size_t n = 0; n < driver::kConsentQuestions; ++n) {
          if ((c_.query.consents >> n) & 1u) {
            shown[std::string(api::kConsentNames[n])] = driver::consent_answer_name(a->answers[n]);
          }
        }
        consents_json_ = shown;
        progress("consents_answered", {{"consents", shown}});
      }
    }
    return {};
  }

  Result<json> query_step() {
    // A face or 目視 proof whose challenge would run out on the way is made again, with the
    // card if it is still there (the PIN path cannot: the patient would have to type again).
    if (!challenge_fresh() && method_ != xmlmsg::VerificationMode::pin) {
      proved_ = false;
      ONSHI_TRY(prove_present());
    }
    xmlmsg::VerificationInfo info;
    info.challenge_id = challenge_.id;
    info.mode = method_;
    info.certificate_der.assign(certificate_.begin(), certificate_.end());
    info.proof.assign(proof_.begin(), proof_.end());
    if (method_ == xmlmsg::VerificationMode::face) {
      info.face_match_result = "1";
      info.face_match_score = std::to_string(score_);
    }
    if (answers_) {
      using Q = driver::ConsentQuestion;
      info.consents.pharmaceutical = consent_flag(answers_->answer(Q::medication));
      info.consents.specific_health_checkups = consent_flag(answers_->answer(Q::health_checkups));
      info.consents.diagnosis = consent_flag(answers_->answer(Q::diagnosis));
      info.consents.operation = consent_flag(answers_->answer(Q::operations));
      info.consents.limit = consent_flag(answers_->answer(Q::limit_certificate));
      info.consents.specific_diseases = consent_flag(answers_->answer(Q::specific_diseases));
    }
    progress("querying");
    ONSHI_TRY_ASSIGN(auto answer, client_->verify(info, c_.query.date, c_.id));
    json result = api::qualification_json(answer.parsed);
    if (c_.query.include_raw) result["raw"] = json::parse(answer.raw_json, nullptr, false);
    json path{{"method", xmlmsg::verification_mode_code(method_) == "1"   ? "pin"
                         : xmlmsg::verification_mode_code(method_) == "2" ? "face"
                                                                          : "visual"},
              {"mode", api::card_mode_name(mode_)},
              {"reader", c_.reader.key},
              {"card_reader", c_.reader.card_reader},
              {"token", pcsc::jpki::token_name(token_)},
              {"pin_less", pin_less_}};
    if (method_ == xmlmsg::VerificationMode::pin) {
      path["pin_entry"] = c_.query.pin ? "host" : "pad";
      path["after_face_failed"] = face_fallback_;
    }
    if (attempts_ > 0) path["face_attempts"] = attempts_;
    result["path"] = std::move(path);
    result["consents_answered"] = consents_json_;
    return result;
  }

  const SessionContext& c_;
  std::shared_ptr<driver::FaceReader> face_;
  Clock::time_point deadline_;
  std::deque<SessionNews> deferred_;  // news that came before the step that wants it
  api::CardMode mode_ = api::CardMode::face_then_pin;
  std::uint32_t session_ = 0;
  bool ended_ = false;  // the face reader's session is over
  bool card_read_ = false;
  std::optional<std::uint32_t> read_at_events_;  // pcscd's event count when the card was read
  bool proved_ = false;  // the card's part is done: a removal no longer matters
  bool face_fallback_ = false;
  std::shared_ptr<pcsc::Context> context_;
  pcsc::jpki::Token token_ = pcsc::jpki::Token::unknown;
  bool pin_less_ = false;
  Bytes certificate_;
  std::shared_ptr<eligibility::EligibilityClient> client_;
  eligibility::EligibilityClient::Challenge challenge_;
  Clock::time_point challenge_until_{};
  Bytes proof_;
  xmlmsg::VerificationMode method_ = xmlmsg::VerificationMode::pin;
  std::uint16_t score_ = 0;
  std::uint8_t attempts_ = 0;
  std::optional<driver::ConsentAnswers> answers_;
  json consents_json_ = json::object();
};

}  // namespace

Result<json> run_card_session(const SessionContext& context) { return Flow(context).run(); }

}  // namespace onshi::agent
