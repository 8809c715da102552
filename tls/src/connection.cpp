#include "connection.hpp"

#include <poll.h>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "onshi/japan_time.hpp"
#include "ossl.hpp"

namespace onshi::tls::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

// Drives the connection's own io_context until the started operation has called back. Every
// operation carries its own deadline (tcp_stream timeouts, or a timer for name resolution), so
// this always ends.
void run_until(asio::io_context& ioc, const bool& done) {
  ioc.restart();
  while (!done && ioc.run_one() > 0) {
  }
}

bool is_timeout(const error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out ||
         ec == asio::error::operation_aborted;
}

Error timeout_error(const char* stage, const HostPort& peer, std::chrono::milliseconds limit) {
  return Error(Errc::net_timeout, fmt::format("{} with {} did not finish within {} ms", stage,
                                              peer.authority(), limit.count()));
}

std::string verify_advice(long result) {
  switch (result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      return ": its CA is not in the configured server CA file (or the system's trust store)";
    default:
      return "";
  }
}

// The failed handshake or read, in the terms of what to fix.
Error classify_tls(const error_code& ec, SSL* ssl, const HostPort& peer, bool cert_requested,
                   bool have_identity) {
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  if (ec.category() == asio::error::get_ssl_category() &&
      reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    const long result = SSL_get_verify_result(ssl);
    const std::string text = X509_verify_cert_error_string(result);
    if (result == X509_V_ERR_CERT_HAS_EXPIRED || result == X509_V_ERR_CERT_NOT_YET_VALID) {
      return Error(Errc::tls_server_cert_expired,
                   fmt::format("the certificate of {} is not valid now ({}); this terminal's clock "
                               "says {}: if that is wrong, fix the clock (NTP)",
                               peer.authority(), text,
                               format_japan_time(std::chrono::time_point_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now()))),
                   result);
    }
    if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      return Error(Errc::tls_server_cert_invalid,
                   fmt::format("the certificate of {} is not for \"{}\" ({})", peer.authority(),
                               peer.host, text),
                   result);
    }
    return Error(Errc::tls_server_cert_invalid,
                 fmt::format("the certificate of {} does not verify: {}{}", peer.authority(), text,
                             verify_advice(result)),
                 result);
  }
  if (ec.category() == asio::error::get_ssl_category() && reason >= SSL_AD_REASON_OFFSET &&
      reason < SSL_AD_REASON_OFFSET + 256) {
    const int alert = reason - SSL_AD_REASON_OFFSET;
    // OpenSSL 3.0 has no text for TLS 1.3's certificate_required (RFC 8446 §6.2).
    const std::string alert_text = alert == SSL_AD_CERTIFICATE_REQUIRED
                                       ? "certificate required"
                                       : SSL_alert_desc_string_long(alert);
    switch (alert) {
      case SSL_AD_BAD_CERTIFICATE:
      case SSL_AD_UNSUPPORTED_CERTIFICATE:
      case SSL_AD_CERTIFICATE_REVOKED:
      case SSL_AD_CERTIFICATE_EXPIRED:
      case SSL_AD_CERTIFICATE_UNKNOWN:
      case SSL_AD_UNKNOWN_CA:
      case SSL_AD_ACCESS_DENIED:
      case SSL_AD_CERTIFICATE_REQUIRED:
        return Error(Errc::tls_client_cert_rejected,
                     fmt::format("{} rejected {} (TLS alert \"{}\")", peer.authority(),
                                 have_identity ? "this terminal's client certificate"
                                               : "the connection: no client certificate is "
                                                 "installed",
                                 alert_text),
                     alert);
      case SSL_AD_HANDSHAKE_FAILURE:
        if (cert_requested) {
          return Error(
              Errc::tls_client_cert_rejected,
              fmt::format("{} asked for a client certificate and refused {} (TLS alert "
                          "\"{}\")",
                          peer.authority(), have_identity ? "this terminal's" : "the missing one",
                          alert_text),
              alert);
        }
        break;
      case SSL_AD_PROTOCOL_VERSION:
        return Error(Errc::tls_handshake,
                     fmt::format("{} does not accept TLS 1.2 or 1.3 (TLS alert \"{}\")",
                                 peer.authority(), alert_text),
                     alert);
      default:
        break;
    }
    return Error(
        Errc::tls_handshake,
        fmt::format("{} ended the handshake with TLS alert \"{}\"", peer.authority(), alert_text),
        alert);
  }
  if (ec.category() == asio::error::get_ssl_category() && reason == SSL_R_WRONG_VERSION_NUMBER) {
    return Error(Errc::tls_handshake,
                 fmt::format("{} did not answer in TLS (a plain HTTP port, or a proxy that does "
                             "not tunnel?)",
                             peer.authority()));
  }
  if (ec == asio::ssl::error::stream_truncated || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return Error(Errc::net_closed,
                 fmt::format("{} closed the connection ({}){}", peer.authority(), ec.message(),
                             cert_requested ? "; it had asked for a client certificate" : ""));
  }
  return Error(Errc::tls_handshake,
               fmt::format("TLS with {} failed: {}", peer.authority(), ec.message()), ec.value());
}

Error classify_connect(const error_code& ec, const HostPort& peer, const char* what) {
  if (ec == asio::error::connection_refused) {
    return Error(Errc::net_refused,
                 fmt::format("{} refused the connection: nothing listens there, or a firewall "
                             "rejects it",
                             peer.authority()),
                 ec.value());
  }
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    return Error(Errc::net_unreachable,
                 fmt::format("{} cannot be reached ({}): check the line and the routes of the "
                             "eligibility network's NIC",
                             peer.authority(), ec.message()),
                 ec.value());
  }
  return Error(Errc::net_closed,
               fmt::format("{} to {} failed: {}", what, peer.authority(), ec.message()),
               ec.value());
}

// OpenSSL asks this when the server sends a CertificateRequest: record it, keep the configured
// certificate (returning 1 continues the handshake).
int note_certificate_request(SSL*, void* arg) {
  *static_cast<bool*>(arg) = true;
  return 1;
}

}  // namespace

Connection::Connection(std::shared_ptr<TlsContext> context)
    : context_(std::move(context)), stream_(ioc_, context_->ssl) {}

Connection::~Connection() {
  // OpenSSL marks the session of a connection freed without close_notify as not resumable (it
  // might have been truncated). Queue a close_notify first: the connection ended by our choice.
  if (handshake_done_) {
    SSL_shutdown(stream_.native_handle());
    ERR_clear_error();
  }
  error_code ignored;
  beast::get_lowest_layer(stream_).socket().close(ignored);
}

Status Connection::open(const HostPort& server, const std::optional<HostPort>& proxy,
                        const ConnectLimits& limits, SSL_SESSION* resume, bool check_pins,
                        std::vector<Step>* steps) {
  server_ = server;
  const HostPort& first_hop = proxy ? *proxy : server;
  auto record = [&](const char* name, Clock::time_point start, std::string detail) {
    if (steps) steps->push_back(Step{name, since(start), std::move(detail)});
  };

  // Name resolution, with a timer: getaddrinfo has no deadline of its own. IPv6 and IPv4 both
  // (no AI_ADDRCONFIG: the eligibility NIC may be IPv6-only, eligibility-system.md §3.2).
  auto start = Clock::now();
  asio::ip::tcp::resolver resolver(ioc_);
  asio::ip::tcp::resolver::results_type endpoints;
  bool done = false;
  error_code ec;
  asio::steady_timer resolve_deadline(ioc_, limits.connect);
  bool resolve_timed_out = false;
  resolve_deadline.async_wait([&](const error_code& e) {
    if (!e && !done) {
      resolve_timed_out = true;
      resolver.cancel();
    }
  });
  resolver.async_resolve(first_hop.host, std::to_string(first_hop.port),
                         asio::ip::tcp::resolver::numeric_service,
                         [&](const error_code& e, asio::ip::tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                           done = true;
                           resolve_deadline.cancel();
                         });
  run_until(ioc_, done);
  ioc_.restart();
  ioc_.poll();  // let the cancelled timer's handler run
  if (resolve_timed_out) return timeout_error("name resolution", first_hop, limits.connect);
  if (ec) {
    return Error(
        Errc::net_resolve,
        fmt::format("cannot resolve \"{}\" ({}): check the DNS servers of the NIC that "
                    "reaches {}",
                    first_hop.host, ec.message(), proxy ? "the proxy" : "the eligibility network"),
        ec.value());
  }
  std::string addresses;
  for (const auto& e : endpoints) {
    addresses += (addresses.empty() ? "" : ", ") + e.endpoint().address().to_string();
  }
  record("resolve", start, fmt::format("{} → {}", first_hop.host, addresses));

  // TCP, trying each address in turn within the one deadline.
  start = Clock::now();
  auto& tcp = beast::get_lowest_layer(stream_);
  tcp.expires_after(limits.connect -
                    std::chrono::duration_cast<std::chrono::milliseconds>(since(start)));
  done = false;
  asio::ip::tcp::endpoint connected;
  tcp.async_connect(endpoints, [&](const error_code& e, const asio::ip::tcp::endpoint& ep) {
    ec = e;
    connected = ep;
    done = true;
  });
  run_until(ioc_, done);
  if (ec) {
    if (is_timeout(ec)) return timeout_error("TCP connect", first_hop, limits.connect);
    return classify_connect(ec, first_hop, "TCP connect");
  }
  error_code ignored;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  record("connect", start,
         fmt::format("{} port {}{}", connected.address().to_string(), connected.port(),
                     proxy ? " (proxy)" : ""));

  if (proxy) {
    // An HTTP CONNECT tunnel (RFC 9110 §9.3.6) to the server through the proxy.
    start = Clock::now();
    http::request<http::empty_body> connect{http::verb::connect, server.authority(), 11};
    connect.set(http::field::host, server.authority());
    connect.set(http::field::proxy_connection, "keep-alive");
    tcp.expires_after(limits.connect);
    done = false;
    http::async_write(tcp, connect, [&](const error_code& e, std::size_t) {
      ec = e;
      done = true;
    });
    run_until(ioc_, done);
    http::response_parser<http::empty_body> answer;
    answer.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts right after
    answer.header_limit(16 * 1024);
    if (!ec) {
      done = false;
      http::async_read_header(tcp, buffer_, answer, [&](const error_code& e, std::size_t) {
        ec = e;
        done = true;
      });
      run_until(ioc_, done);
    }
    if (ec) {
      if (is_timeout(ec)) return timeout_error("the proxy tunnel", *proxy, limits.connect);
      return Error(Errc::proxy_refused,
                   fmt::format("the proxy {} broke off the tunnel to {}: {}", proxy->authority(),
                               server.authority(), ec.message()),
                   ec.value());
    }
    const unsigned status = answer.get().result_int();
    if (status / 100 != 2) {
      return Error(Errc::proxy_refused,
                   fmt::format("the proxy {} refused the tunnel to {}: {} {}{}", proxy->authority(),
                               server.authority(), status, std::string(answer.get().reason()),
                               status == 407 ? " (it wants a user name and password)" : ""),
                   status);
    }
    if (buffer_.size() != 0) {
      return Error(
          Errc::proxy_refused,
          fmt::format("the proxy {} sent data before the tunnel was set up", proxy->authority()));
    }
    record("proxy", start,
           fmt::format("CONNECT {} via {}", server.authority(), proxy->authority()));
  }

  // TLS: host name or IP address checked by OpenSSL during verification; SNI only for names
  // (RFC 6066 §3 forbids IP literals in server_name).
  start = Clock::now();
  SSL* ssl = stream_.native_handle();
  if (server.is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server.host.c_str());
  } else {
    SSL_set1_host(ssl, server.host.c_str());
    // SSL_set_tlsext_host_name, without the macro's old-style cast.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(server.host.c_str()));
  }
  SSL_set_cert_cb(ssl, note_certificate_request, &server_asked_for_certificate_);
  if (resume) SSL_set_session(ssl, resume);
  tcp.expires_after(limits.handshake);
  done = false;
  stream_.async_handshake(asio::ssl::stream_base::client, [&](const error_code& e) {
    ec = e;
    done = true;
  });
  run_until(ioc_, done);
  if (ec) {
    if (is_timeout(ec)) return timeout_error("the TLS handshake", server, limits.handshake);
    return classify_tls(ec, ssl, server, server_asked_for_certificate_, context_->has_identity);
  }
  handshake_done_ = true;
  record("handshake", start,
         fmt::format("{} {}{}", tls_version(), cipher(), resumed() ? ", resumed session" : ""));

  // Pins on the verified chain only (anchors-and-conventions.md §3.4: OkHttp CVE-2016-2402). A
  // resumed session carries no chain; only sessions that passed this check are ever offered.
  if (check_pins) {
    start = Clock::now();
    const auto chain = verified_chain();
    if (chain.empty() && !resumed()) {
      return fail(
          Errc::tls_pin_mismatch,
          fmt::format("{}: no verified chain to check the pins against", server.authority()));
    }
    if (!chain.empty() && pinned_positions().empty()) {
      std::string found;
      for (std::size_t i = 0; i < chain.size(); ++i) {
        found += fmt::format("{} [{}] {} ({})", i == 0 ? "" : ";", i, chain[i].pin(),
                             chain[i].subject());
      }
      return fail(Errc::tls_pin_mismatch,
                  fmt::format("no key of {}'s verified chain matches a configured pin; the chain "
                              "has{}",
                              server.authority(), found));
    }
    record("pins", start,
           resumed() && chain.empty()
               ? std::string("resumed session of a pinned connection")
               : fmt::format("pinned key at chain position {}", pinned_positions().front()));
  }
  last_used_ = Clock::now();
  return {};
}

Result<Response> Connection::exchange(HttpRequest& request, std::chrono::milliseconds timeout,
                                      std::size_t max_body) {
  auto& tcp = beast::get_lowest_layer(stream_);
  tcp.expires_after(timeout);
  bool done = false;
  error_code ec;
  http::async_write(stream_, request, [&](const error_code& e, std::size_t) {
    ec = e;
    done = true;
  });
  run_until(ioc_, done);
  http::response_parser<http::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(max_body);
  // The header first: Beast 1.74 enters the body state before it compares Content-Length with
  // body_limit, so a read that goes on after the header would ignore the limit.
  if (!ec) {
    done = false;
    http::async_read_header(stream_, buffer_, parser, [&](const error_code& e, std::size_t) {
      ec = e;
      done = true;
    });
    run_until(ioc_, done);
  }
  if (!ec && parser.content_length() && *parser.content_length() > max_body) {
    ec = http::error::body_limit;
  }
  if (!ec && !parser.is_done()) {
    done = false;
    http::async_read(stream_, buffer_, parser, [&](const error_code& e, std::size_t) {
      ec = e;
      done = true;
    });
    run_until(ioc_, done);
  }
  ++requests_;
  last_used_ = Clock::now();
  if (ec) {
    keep_alive_ = false;
    if (is_timeout(ec)) return timeout_error("the request", server_, timeout);
    if (ec == http::error::body_limit) {
      return Error(Errc::http_malformed, fmt::format("the answer of {} is larger than {} bytes",
                                                     server_.authority(), max_body));
    }
    if (ec.category() == asio::error::get_ssl_category()) {
      // TLS 1.3: a client certificate is judged after the client's handshake ends, so a
      // rejection arrives here, as an alert on the first read.
      return classify_tls(ec, stream_.native_handle(), server_, server_asked_for_certificate_,
                          context_->has_identity);
    }
    if (ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == http::error::end_of_stream || ec == asio::error::broken_pipe ||
        ec == asio::ssl::error::stream_truncated) {
      return Error(Errc::net_closed,
                   fmt::format("{} closed the connection before answering ({})",
                               server_.authority(), ec.message()),
                   ec.value());
    }
    return Error(
        Errc::http_malformed,
        fmt::format("the answer of {} cannot be read: {}", server_.authority(), ec.message()),
        ec.value());
  }
  auto message = parser.release();
  keep_alive_ = message.keep_alive();
  Response out;
  out.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(message.body());
  out.resumed_session = resumed();
  out.tls_version = tls_version();
  return out;
}

std::vector<Certificate> Connection::verified_chain() const {
  std::vector<Certificate> out;
  STACK_OF(X509)* chain = SSL_get0_verified_chain(
      const_cast<SSL*>(const_cast<Connection*>(this)->stream_.native_handle()));
  for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
    X509* x = sk_X509_value(chain, i);
    X509_up_ref(x);
    out.emplace_back(x);
  }
  return out;
}

std::vector<std::size_t> Connection::pinned_positions() const {
  std::vector<std::size_t> out;
  const auto chain = verified_chain();
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const Sha256 spki = chain[i].spki_sha256();
    for (const auto& pin : context_->pins) {
      if (pin == spki) {
        out.push_back(i);
        break;
      }
    }
  }
  return out;
}

SSL_SESSION* Connection::take_session() const {
  SSL_SESSION* s = SSL_get1_session(const_cast<Connection*>(this)->stream_.native_handle());
  if (s && SSL_SESSION_is_resumable(s) != 1) {
    SSL_SESSION_free(s);
    return nullptr;
  }
  return s;
}

bool Connection::resumed() const {
  return SSL_session_reused(const_cast<Connection*>(this)->stream_.native_handle()) == 1;
}

std::string Connection::tls_version() const {
  return SSL_get_version(const_cast<Connection*>(this)->stream_.native_handle());
}

std::string Connection::cipher() const {
  const char* name = SSL_get_cipher_name(const_cast<Connection*>(this)->stream_.native_handle());
  return name ? name : "";
}

bool Connection::reusable() const {
  if (!keep_alive_ || buffer_.size() != 0) return false;
  auto& socket = const_cast<Connection*>(this)->stream_.next_layer().socket();
  if (!socket.is_open()) return false;
  // Readable now means the server closed it or sent something unasked (an alert): not reusable.
  pollfd p{socket.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace onshi::tls::detail
