#include "onshi/tls/https_client.hpp"

#include <fmt/format.h>
#include <boost/beast/http/field.hpp>
#include <boost/beast/version.hpp>

#include <algorithm>
#include <mutex>
#include <thread>

#include "connection.hpp"
#include "onshi/tls/http_date.hpp"
#include "onshi/tls/no_proxy.hpp"
#include "ossl.hpp"
#include "url.hpp"

namespace onshi::tls {

using detail::Connection;
using detail::HostPort;
using detail::TlsContext;
using Clock = std::chrono::steady_clock;
namespace http = boost::beast::http;

Request Request::get(std::string target) {
  Request r;
  r.target = std::move(target);
  return r;
}

Request Request::post(std::string target, std::string body, std::string content_type) {
  Request r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

bool Request::idempotent() const {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return std::nullopt;
}

Status Response::expect_success() const {
  if (status < 400) return {};
  std::string excerpt;
  for (char c : body.substr(0, 200)) excerpt += (c >= 0x20 && c < 0x7F) ? c : ' ';
  return Error(
      Errc::http_status,
      fmt::format("the server answered HTTP {}{}{}", status, excerpt.empty() ? "" : ": ", excerpt),
      status);
}

struct HttpsClient::Impl {
  ClientOptions options;
  detail::HttpsUrl url;
  std::optional<HostPort> proxy;  // set only when the server is not on the no-proxy list

  mutable std::mutex mutex;
  std::optional<ClientIdentity> identity;
  std::shared_ptr<TlsContext> context;
  std::uint64_t generation = 0;
  std::vector<std::unique_ptr<Connection>> idle;  // most recently used last
  ossl::Session session;                          // passed the pins on `context`
  ClientStats stats;

  std::shared_ptr<TlsContext> current_context() const {
    const std::lock_guard lock(mutex);
    return context;
  }

  detail::ConnectLimits limits() const {
    return {options.connect_timeout, options.handshake_timeout};
  }

  // Replaces the context; idle connections and the cached session belong to the old one.
  Status rebuild(std::optional<ClientIdentity> new_identity, std::vector<Sha256> pins) {
    std::uint64_t next;
    {
      const std::lock_guard lock(mutex);
      next = generation + 1;
    }
    auto ctx = detail::make_tls_context(options, new_identity, std::move(pins), next);
    if (!ctx) return std::move(ctx).error();
    std::vector<std::unique_ptr<Connection>> dropped;
    const std::lock_guard lock(mutex);
    identity = std::move(new_identity);
    context = std::move(*ctx);
    generation = next;
    dropped.swap(idle);
    session.reset();
    return {};
  }

  std::unique_ptr<Connection> checkout() {
    const std::lock_guard lock(mutex);
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      const bool fresh = Clock::now() - c->last_used() < options.idle_lifetime;
      if (c->context() == context && fresh && c->reusable()) return c;
    }
    return nullptr;
  }

  void checkin(std::unique_ptr<Connection> c) {
    if (!c->reusable()) return;
    const std::lock_guard lock(mutex);
    if (c->context() != context) return;  // from before a rotation: finished, now dropped
    idle.push_back(std::move(c));
    if (idle.size() > options.max_idle_connections) idle.erase(idle.begin());
  }

  void remember_session(const Connection& c) {
    SSL_SESSION* s = c.take_session();
    if (!s) return;
    const std::lock_guard lock(mutex);
    if (c.context() == context) {
      session.reset(s);
    } else {
      SSL_SESSION_free(s);
    }
  }

  Result<std::unique_ptr<Connection>> connect(std::vector<Step>* steps, bool check_pins,
                                              bool use_session) {
    std::shared_ptr<TlsContext> ctx;
    ossl::Session resume;
    {
      const std::lock_guard lock(mutex);
      ctx = context;
      if (use_session && session) {
        SSL_SESSION_up_ref(session.get());
        resume.reset(session.get());
      }
      ++stats.connections;
    }
    auto c = std::make_unique<Connection>(ctx);
    if (auto s = c->open(url.server, proxy, limits(), resume.get(), check_pins, steps); !s) {
      if (s.error().code == Errc::tls_pin_mismatch || resume) {
        // Never offer this session again; a mismatch invalidates everything cached.
        const std::lock_guard lock(mutex);
        if (context == ctx) session.reset();
      }
      return std::move(s).error();
    }
    {
      const std::lock_guard lock(mutex);
      ++(c->resumed() ? stats.resumed_handshakes : stats.full_handshakes);
    }
    return c;
  }

  detail::HttpRequest build(const Request& r) const {
    detail::HttpRequest req;
    req.method_string(r.method);
    req.target(url.path_prefix + r.target);
    req.version(11);
    req.set(http::field::host,
            url.server.is_ip && url.server.host.find(':') != std::string::npos
                ? url.server.authority()
                : (url.server.port == 443 ? url.server.host : url.server.authority()));
    req.set(http::field::user_agent, options.user_agent);
    req.keep_alive(true);
    for (const auto& [k, v] : r.headers) req.set(k, v);
    if (!r.content_type.empty()) req.set(http::field::content_type, r.content_type);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
      req.body() = r.body;
      req.prepare_payload();
    }
    return req;
  }

  // The server's Date against our clock (a wrong clock silently breaks certificate checks).
  Status check_clock(Response& response) const {
    const auto date = response.header("Date");
    if (!date) return {};
    const auto server_time = parse_http_date(*date);
    if (!server_time) return {};
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto skew = *server_time - now;
    response.clock_skew = skew;
    if (std::chrono::abs(skew) > options.max_clock_skew) {
      return Error(Errc::clock_skew,
                   fmt::format("this terminal's clock is {} s {} the server's (server Date: {}); "
                               "certificate checks cannot be trusted: fix the time (NTP server "
                               "of the eligibility network: ntp.base.oqs-pdl.org)",
                               std::chrono::abs(skew).count(),
                               skew.count() > 0 ? "behind" : "ahead of", *date),
                   skew.count());
    }
    return {};
  }
};

namespace {

bool retriable(const Error& e) {
  switch (e.code) {
    case Errc::net_resolve:
    case Errc::net_refused:
    case Errc::net_unreachable:
    case Errc::net_timeout:
    case Errc::net_closed:
      return true;
    case Errc::proxy_refused:
      // A proxy that is overloaded or cannot reach the server (5xx) may do better next time; a
      // refusal (403, 407) will not.
      return !e.native || *e.native >= 500;
    default:
      return false;  // pins, certificates, clock, HTTP answers: retrying cannot help
  }
}

}  // namespace

HttpsClient::HttpsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsClient::~HttpsClient() = default;

Result<std::shared_ptr<HttpsClient>> HttpsClient::create(ClientOptions options,
                                                         std::optional<ClientIdentity> identity) {
  auto url = detail::parse_https_url(options.base_url);
  if (!url) return std::move(url).error();
  if (options.pins.empty()) {
    return fail(Errc::config_invalid,
                "the upstream needs at least one pin (sha256//…): `onshictl tls pin HOST:PORT` "
                "prints them");
  }
  std::vector<Sha256> distinct = options.pins;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (!options.test_mode && distinct.size() < 2) {
    return fail(Errc::config_invalid,
                "the upstream needs a backup pin besides the current one (two different "
                "sha256// pins), or a key change would cut the terminal off");
  }
  auto impl = std::make_unique<Impl>();
  impl->url = std::move(*url);
  if (options.proxy.url && !bypasses_proxy(impl->url.server.host, options.proxy.no_proxy)) {
    auto proxy = detail::parse_proxy_url(*options.proxy.url);
    if (!proxy) return std::move(proxy).error();
    impl->proxy = std::move(*proxy);
  }
  impl->options = std::move(options);
  if (auto s = impl->rebuild(std::move(identity), impl->options.pins); !s) {
    return std::move(s).error();
  }
  return std::shared_ptr<HttpsClient>(new HttpsClient(std::move(impl)));
}

Result<Response> HttpsClient::request(const Request& request) {
  Impl& d = *impl_;
  const int max_attempts = request.idempotent() ? std::max(1, d.options.max_attempts) : 1;
  auto backoff = d.options.retry_backoff;
  std::optional<Error> last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    auto connection = d.checkout();
    const bool reused = connection != nullptr;
    if (!connection) {
      auto fresh = d.connect(nullptr, true, true);
      if (!fresh) {
        last = std::move(fresh).error();
        if (!retriable(*last) || attempt == max_attempts) break;
        {
          const std::lock_guard lock(d.mutex);
          ++d.stats.retries;
        }
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
        continue;
      }
      connection = std::move(*fresh);
    }
    auto http_request = d.build(request);
    auto response =
        connection->exchange(http_request, d.options.request_timeout, d.options.max_response_bytes);
    {
      const std::lock_guard lock(d.mutex);
      ++d.stats.requests;
    }
    if (!response) {
      last = std::move(response).error();
      // A pooled connection the server closed meanwhile: one more try on a fresh one, at once.
      const bool stale = reused && last->code == Errc::net_closed;
      if (!request.idempotent() || !(stale || retriable(*last)) || attempt == max_attempts) {
        break;
      }
      {
        const std::lock_guard lock(d.mutex);
        ++d.stats.retries;
      }
      if (!stale) {
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
      }
      continue;
    }
    response->reused_connection = reused;
    response->attempts = attempt;
    if (auto s = d.check_clock(*response); !s) return std::move(s).error();
    d.remember_session(*connection);
    d.checkin(std::move(connection));
    return response;
  }
  return *last;
}

Status HttpsClient::set_identity(std::optional<ClientIdentity> identity) {
  std::vector<Sha256> pins = impl_->current_context()->pins;
  return impl_->rebuild(std::move(identity), std::move(pins));
}

void HttpsClient::set_pins(std::vector<Sha256> pins) {
  std::optional<ClientIdentity> identity;
  {
    const std::lock_guard lock(impl_->mutex);
    identity = impl_->identity;
  }
  // The identity already built once, so only allocation can fail here; keep the old on failure.
  (void)impl_->rebuild(std::move(identity), std::move(pins));
}

Probe HttpsClient::probe(const std::optional<Request>& request, bool check_pins) {
  Impl& d = *impl_;
  Probe out;
  out.via_proxy = d.proxy.has_value();
  auto connection = d.connect(&out.steps, check_pins, false);
  if (!connection) {
    out.error = std::move(connection).error();
    return out;
  }
  auto& c = **connection;
  out.verified_chain = c.verified_chain();
  out.matched_pins = c.pinned_positions();
  out.tls_version = c.tls_version();
  out.cipher = c.cipher();
  if (request) {
    const auto start = Clock::now();
    auto http_request = d.build(*request);
    auto response =
        c.exchange(http_request, d.options.request_timeout, d.options.max_response_bytes);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    if (!response) {
      out.error = std::move(response).error();
      return out;
    }
    out.steps.push_back(
        Step{"request", elapsed,
             fmt::format("{} {} → {}", request->method, request->target, response->status)});
    if (auto s = d.check_clock(*response); !s) out.error = std::move(s).error();
    out.response = std::move(*response);
  }
  return out;
}

std::optional<Sha256> HttpsClient::identity_fingerprint() const {
  const std::lock_guard lock(impl_->mutex);
  if (!impl_->identity) return std::nullopt;
  return impl_->identity->leaf.fingerprint();
}

ClientStats HttpsClient::stats() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

const ClientOptions& HttpsClient::options() const { return impl_->options; }

}  // namespace onshi::tls
