#include "card_sessions.hpp"

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "hpki_signing.hpp"
#include "onshi/driver/pairing.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/log.hpp"

namespace onshi::agent {
namespace {

using nlohmann::json;

// The reader is released whichever way a session ends.
struct ReleaseAtEnd {
  std::function<void()> release;
  ~ReleaseAtEnd() { release(); }
};

// None is expected, but an exception from a session (bad_alloc, a JSON error) must not end the
// worker thread and onshid: it is the session's outcome instead.
template <class Run>
Result<json> guarded(Run&& run) {
  try {
    return run();
  } catch (const std::exception& e) {
    return Error(Errc::internal,
                 fmt::format("the card session stopped unexpectedly: {}", e.what()));
  }
}

}  // namespace

void Mailbox::push(SessionNews news) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(news));
  }
  arrived_.notify_all();
}

std::optional<SessionNews> Mailbox::pop(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (!arrived_.wait_until(lock, deadline, [&] { return !queue_.empty(); })) return std::nullopt;
  SessionNews news = std::move(queue_.front());
  queue_.pop_front();
  return news;
}

CardSessions::CardSessions(Devices& devices, ProgressBoard& progress, CardSessionHooks hooks,
                           CardSessionSettings settings)
    : devices_(devices),
      progress_(progress),
      hooks_(std::move(hooks)),
      settings_(std::move(settings)),
      reader_started_(4) {}

CardSessions::~CardSessions() { stop(); }

void CardSessions::set_settings(CardSessionSettings settings) {
  std::lock_guard lock(mutex_);
  settings_ = std::move(settings);
}

Result<SessionReader> CardSessions::resolve(const api::MyNumberQuery& q) const {
  const auto card_readers = devices_.card_readers();
  const auto faces = devices_.face_readers();
  const auto pairing = devices_.pairing();
  CardSessionSettings settings;
  {
    std::lock_guard lock(mutex_);
    settings = settings_;
  }
  auto institution_of = [&](const driver::FaceReader& f) -> std::optional<std::string> {
    if (auto i = f.institution()) return i;
    for (const auto& c : settings.face_readers) {
      if (c.serial && *c.serial == f.serial() && c.institution) return c.institution;
    }
    if (settings.institutions.size() == 1) return settings.institutions.front();
    return std::nullopt;
  };
  auto pin_pad_of = [&](const std::string& name) {
    for (const auto& r : card_readers) {
      if (r.identity.display_name == name) return r.identity.pin_pad;
    }
    return false;
  };
  auto face_reader = [&](const std::shared_ptr<driver::FaceReader>& f) -> Result<SessionReader> {
    const auto* pair = pairing.find(f->serial());
    if (!f->connected() || pair == nullptr) {
      return Error(
          Errc::reader_not_found,
          fmt::format("the face reader {} is {}", f->serial(),
                      f->connected() ? "not paired with its card slot (yet)" : "not connected"));
    }
    if (auto inst = institution_of(*f); inst && *inst != q.institution) {
      return Error(Errc::api_bad_request,
                   fmt::format("reader: the face reader {} serves institution {}, not {}",
                               f->serial(), *inst, q.institution));
    }
    if (q.pin) {
      return Error(Errc::api_bad_request,
                   "pin: a face reader's PIN is typed on its pad and goes to the card; never "
                   "send it");
    }
    return SessionReader{f->serial(), f, pair->reader_name, pin_pad_of(pair->reader_name)};
  };

  if (q.reader) {
    for (const auto& f : faces) {
      if (f->serial() == *q.reader) return face_reader(f);
    }
    for (const auto& r : card_readers) {
      const auto& id = r.identity;
      if (id.display_name != *q.reader && id.base_name != *q.reader) continue;
      for (const auto& p : pairing.pairs) {
        if (p.reader_name != id.display_name) continue;
        // From the same snapshot as `pairing` (a face reader unplugged since is not there).
        for (const auto& f : faces) {
          if (f && f->serial() == p.face_serial) return face_reader(f);
        }
        return Error(Errc::reader_not_found, fmt::format("the face reader {} of {} went away",
                                                         p.face_serial, id.display_name));
      }
      if (q.mode && *q.mode != api::CardMode::pin) {
        return Error(Errc::api_bad_request,
                     fmt::format("mode: {} is a plain reader (no face reader): PIN mode only",
                                 id.display_name));
      }
      if (!q.pin && !id.pin_pad) {
        return Error(Errc::api_bad_request,
                     fmt::format("pin: {} has no PIN pad: send the card's PIN", id.display_name));
      }
      return SessionReader{id.display_name, nullptr, id.display_name, id.pin_pad};
    }
    return Error(
        Errc::reader_not_found,
        fmt::format("no face reader or card reader is called \"{}\" (GET /v1/readers)", *q.reader));
  }
  std::vector<SessionReader> fitting;
  std::vector<std::string> names;
  for (const auto& f : faces) {
    auto r = face_reader(f);
    if (r) {
      names.push_back(r->key);
      fitting.push_back(std::move(*r));
    }
  }
  if (fitting.size() == 1) return std::move(fitting.front());
  if (fitting.empty()) {
    return Error(Errc::reader_not_found,
                 fmt::format("no face reader of institution {} is connected and paired with its "
                             "card slot; name a plain reader with \"reader\"",
                             q.institution));
  }
  return Error(Errc::api_bad_request,
               fmt::format("reader: required: {} face readers serve institution {}: {}",
                           fitting.size(), q.institution, fmt::join(names, ", ")));
}

Error CardSessions::not_reserved(const SessionReader& reader) const {
  if (stopping_) return Error(Errc::request_interrupted, "onshid is stopping");
  return Error(
      Errc::reader_busy,
      fmt::format("another card session runs on {}; wait for it or cancel it", reader.key));
}

std::function<void(std::string)> CardSessions::step_setter(std::shared_ptr<Running> running) {
  return [this, running = std::move(running)](std::string step) {
    std::lock_guard lock(mutex_);
    running->step = std::move(step);
  };
}

std::function<bool()> CardSessions::card_present_in(std::string card_reader) const {
  return [this, name = std::move(card_reader)] {
    for (const auto& r : devices_.card_readers()) {
      if (r.identity.display_name == name) return r.card_present;
    }
    return false;
  };
}

std::shared_ptr<CardSessions::Running> CardSessions::reserve(const std::string& id,
                                                             const SessionReader& reader) {
  std::lock_guard lock(mutex_);
  if (stopping_ || by_key_.contains(reader.key)) return nullptr;
  auto running = std::make_shared<Running>();
  running->id = id;
  running->key = reader.key;
  running->card_reader = reader.card_reader;
  if (reader.face) running->face_serial = reader.face->serial();
  by_key_[reader.key] = running;
  return running;
}

void CardSessions::release(const std::shared_ptr<Running>& running) {
  {
    std::lock_guard lock(mutex_);
    auto it = by_key_.find(running->key);
    if (it != by_key_.end() && it->second == running) by_key_.erase(it);
  }
  all_ended_.notify_all();
}

std::optional<std::string> CardSessions::reader_started_session(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = by_key_.find(key);
  if (it == by_key_.end() || !it->second->reader_started || it->second->id.empty()) {
    return std::nullopt;
  }
  return it->second->id;
}

void CardSessions::run(const std::string& id, SessionReader reader, api::MyNumberQuery query) {
  auto running = reserve(id, reader);
  if (!running) return hooks_.fail(id, not_reserved(reader), query.institution);
  run_reserved(running, reader, std::move(query));
}

void CardSessions::run_reserved(const std::shared_ptr<Running>& running,
                                const SessionReader& reader, api::MyNumberQuery query) {
  const std::string id = running->id;
  const ReleaseAtEnd release_at_end{[this, running] { release(running); }};
  log::info("onshid", "card session {} on {} ({})", id, reader.key,
            query.mode ? api::card_mode_name(*query.mode) : "default mode");
  std::chrono::milliseconds face_call_timeout{};
  {
    std::lock_guard lock(mutex_);
    face_call_timeout = settings_.face_call_timeout;
  }
  SessionContext context{id,
                         reader,
                         query,
                         running->mailbox,
                         progress_,
                         hooks_,
                         face_call_timeout,
                         stopping_,
                         step_setter(running),
                         card_present_in(reader.card_reader)};
  auto outcome = guarded([&] { return run_card_session(context); });
  if (query.pin) query.pin->clear();
  if (outcome) {
    hooks_.succeed(id, *outcome);
    log::info("onshid", "card session {}: done ({})", id,
              (*outcome)["path"]["method"].get<std::string>());
  } else {
    const Error& e = outcome.error();
    hooks_.fail(id, e, query.institution);
    log::info("onshid", "card session {}: failed: {}", id, errc_name(e.code));
  }
}

Result<SessionReader> CardSessions::resolve_card_reader(const std::optional<std::string>& name,
                                                        bool pin_given) const {
  auto reader = find_card_reader(name);
  if (reader && !pin_given && !reader->pin_pad) {
    return Error(Errc::api_bad_request,
                 fmt::format("pin: {} has no PIN pad: send the card's PIN", reader->card_reader));
  }
  return reader;
}

Result<SessionReader> CardSessions::find_card_reader(const std::optional<std::string>& name) const {
  const auto card_readers = devices_.card_readers();
  const auto pairing = devices_.pairing();
  auto from = [&](const pcsc::ReaderIdentity& id) {
    std::shared_ptr<driver::FaceReader> face;
    std::string key = id.display_name;
    for (const auto& p : pairing.pairs) {
      if (p.reader_name == id.display_name) {
        face = devices_.face_reader(p.face_serial);
        key = p.face_serial;
      }
    }
    return SessionReader{key, face, id.display_name, id.pin_pad};
  };
  if (name) {
    for (const auto& r : card_readers) {
      if (r.identity.display_name == *name || r.identity.base_name == *name)
        return from(r.identity);
    }
    for (const auto& p : pairing.pairs) {
      if (p.face_serial != *name) continue;
      for (const auto& r : card_readers) {
        if (r.identity.display_name == p.reader_name) return from(r.identity);
      }
    }
    return Error(Errc::reader_not_found,
                 fmt::format("no card reader is called \"{}\", and no face reader of that "
                             "serial is paired with its card slot (GET /v1/readers)",
                             *name));
  }
  if (card_readers.size() == 1) return from(card_readers.front().identity);
  if (card_readers.empty()) return Error(Errc::reader_not_found, "no card reader is connected");
  std::vector<std::string> names;
  for (const auto& r : card_readers) names.push_back(r.identity.display_name);
  return Error(Errc::api_bad_request,
               fmt::format("reader: required: {} card readers are connected: {}", names.size(),
                           fmt::join(names, ", ")));
}

void CardSessions::run_signature(const std::string& id, SessionReader reader,
                                 api::SignatureRequest request) {
  auto running = reserve(id, reader);
  if (!running) {
    if (request.pin) request.pin->clear();
    return hooks_.fail(id, not_reserved(reader), request.institution);
  }
  const ReleaseAtEnd release_at_end{[this, running] { release(running); }};
  log::info("onshid", "HPKI signature {} on {} ({})", id, reader.key,
            api::hpki_application_name(request.application));
  SigningContext context{id,
                         reader,
                         request,
                         running->mailbox,
                         progress_,
                         stopping_,
                         step_setter(running),
                         card_present_in(reader.card_reader)};
  auto outcome = guarded([&] { return run_hpki_signature(context); });
  if (request.pin) request.pin->clear();
  if (outcome) {
    hooks_.succeed(id, *outcome);
    log::info("onshid", "HPKI signature {}: done", id);
  } else {
    hooks_.fail(id, outcome.error(), request.institution);
    log::info("onshid", "HPKI signature {}: failed: {}", id, errc_name(outcome.error().code));
  }
}

Status CardSessions::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  for (auto& [key, running] : by_key_) {
    if (running->id == id) {
      running->mailbox.push(CancelAsked{});
      return {};
    }
  }
  return Error(Errc::api_not_found, fmt::format("no card session {} is running", id));
}

void CardSessions::on_card_event(const pcsc::MonitorEvent& e) {
  using Kind = pcsc::MonitorEvent::Kind;
  if (e.kind != Kind::card_inserted && e.kind != Kind::card_removed &&
      e.kind != Kind::reader_removed) {
    return;
  }
  std::lock_guard lock(mutex_);
  for (auto& [key, running] : by_key_) {
    if (running->card_reader != e.reader.identity.display_name) continue;
    if (e.kind == Kind::card_inserted) {
      running->mailbox.push(CardInserted{});
    } else {
      running->mailbox.push(CardGone{});
    }
  }
}

void CardSessions::on_face_event(const driver::ReaderEvent& e) {
  std::shared_ptr<Running> running;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, r] : by_key_) {
      if (r->face_serial && *r->face_serial == e.serial) running = r;
    }
  }
  if (running) {
    if (const auto* ev = std::get_if<driver::DeviceEvent>(&e.news)) {
      running->mailbox.push(*ev);
    } else if (const auto* gone = std::get_if<driver::Disconnected>(&e.news)) {
      running->mailbox.push(FaceGone{gone->reason});
    }
    return;
  }
  // A patient put a card on a face reader with nothing pending: the reader starts a session.
  if (const auto* ev = std::get_if<driver::DeviceEvent>(&e.news)) {
    if (std::holds_alternative<driver::CardPlaced>(*ev) && !stopping_) {
      boost::asio::post(reader_started_,
                        [this, serial = e.serial] { start_reader_session(serial); });
    }
  }
}

void CardSessions::start_reader_session(const std::string& serial) {
  const auto face = devices_.face_reader(serial);
  if (!face) return;
  std::vector<std::string> institutions;
  {
    std::lock_guard lock(mutex_);
    if (by_key_.contains(serial)) return;  // the API was quicker
    institutions = settings_.institutions;
  }
  api::MyNumberQuery q;
  q.mode = api::CardMode::face_then_pin;
  {
    std::string date = format_japan_date(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    std::erase(date, '-');
    q.date = date;
  }
  std::optional<std::string> institution = face->institution();
  if (!institution) {
    std::lock_guard lock(mutex_);
    for (const auto& c : settings_.face_readers) {
      if (c.serial && *c.serial == serial && c.institution) institution = c.institution;
    }
  }
  if (!institution && institutions.size() == 1) institution = institutions.front();
  if (!institution) {
    log::warning("onshid",
                 "face reader {}: a card was placed, but the reader has no institution in the "
                 "configuration ([[face_reader]] institution) and several are configured: no "
                 "session started",
                 serial);
    return;
  }
  q.institution = *institution;
  api::MyNumberQuery probe = q;
  probe.reader = serial;
  auto reader = resolve(probe);
  if (!reader) {
    log::warning("onshid", "face reader {}: a card was placed, but {}", serial,
                 reader.error().message);
    return;
  }
  // The reader first, so that a receipt program asking at this moment either gets it (and this
  // session does not start) or joins this one.
  auto running = reserve("", *reader);
  if (!running) return;
  json request = api::journal_request_json(probe);
  request["origin"] = "face_reader";
  auto id = hooks_.admit_reader_session(q.institution, request);
  if (!id) {
    log::error("onshid", "face reader {}: cannot record the session: {}", serial,
               id.error().to_string());
    release(running);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    running->id = *id;
    running->reader_started = true;
  }
  progress_.publish(*id, "started", {{"origin", "face_reader"}, {"reader", serial}});
  run_reserved(running, *reader, std::move(probe));
}

json CardSessions::sessions_json() const {
  json out = json::array();
  std::lock_guard lock(mutex_);
  for (const auto& [key, r] : by_key_) {
    out.push_back(
        {{"id", r->id}, {"reader", key}, {"card_reader", r->card_reader}, {"step", r->step}});
  }
  return out;
}

void CardSessions::begin_stop() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  for (auto& [key, r] : by_key_) r->mailbox.push(CancelAsked{});
}

bool CardSessions::idle() const {
  std::lock_guard lock(mutex_);
  return by_key_.empty();
}

void CardSessions::stop() {
  begin_stop();
  reader_started_.join();
  std::unique_lock lock(mutex_);
  all_ended_.wait_for(lock, std::chrono::seconds(40), [&] { return by_key_.empty(); });
}

}  // namespace onshi::agent
