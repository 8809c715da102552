#include "onshi/api/server.hpp"

#include "request_conversion.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <vector>

namespace onshi::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using local = asio::local::stream_protocol;
using tcp = asio::ip::tcp;

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no OpenSSL reason";
  char buffer[256];
  ERR_error_string_n(e, buffer, sizeof buffer);
  return buffer;
}

std::string subject_line(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n > 0 ? n : 0));
  BIO_free(bio);
  return out;
}

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

Result<tcp::endpoint> parse_listen(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || text.size() < close + 2 || text[close + 1] != ':') {
      return Error(Errc::config_invalid,
                   fmt::format("api.tcp.listen: \"{}\" is not [ipv6]:port", text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      return Error(Errc::config_invalid, fmt::format("api.tcp.listen: \"{}\" has no port", text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  unsigned long number = 0;
  try {
    number = std::stoul(port);
  } catch (...) {
    number = 70000;
  }
  if (ec || number > 65535) {
    return Error(Errc::config_invalid,
                 fmt::format("api.tcp.listen: \"{}\" is not address:port", text));
  }
  return tcp::endpoint(address, static_cast<unsigned short>(number));
}

struct SessionBase {
  virtual ~SessionBase() = default;
  virtual void close() = 0;
};

}  // namespace

struct ApiServer::Impl : std::enable_shared_from_this<ApiServer::Impl> {
  Impl(asio::io_context& io_context, std::shared_ptr<const Router> r, ServerLimits l, Logger lg)
      : io(io_context),
        router(std::move(r)),
        limits(l),
        log(std::move(lg)),
        pool(l.handler_threads == 0 ? 1 : l.handler_threads),
        stream_pool(l.max_streams == 0 ? 1 : l.max_streams) {}

  asio::io_context& io;
  std::shared_ptr<const Router> router;
  ServerLimits limits;
  Logger log;
  asio::thread_pool pool;
  asio::thread_pool stream_pool;  // event streams wait here, not on the handlers' threads
  std::atomic<std::size_t> open_streams{0};

  mutable std::mutex mutex;
  PeerPolicy policy;
  std::vector<std::weak_ptr<SessionBase>> sessions;

  std::optional<local::acceptor> unix_acceptor;
  std::filesystem::path unix_path;
  std::optional<tcp::acceptor> tcp_acceptor;
  std::optional<ssl::context> tls;

  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::uint64_t> connections{0}, requests{0}, refused_peers{0}, bad_requests{0};
  std::atomic<bool> stopping{false};

  void track(const std::shared_ptr<SessionBase>& session) {
    std::lock_guard lock(mutex);
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    sessions.push_back(session);
  }
  bool peer_allowed(const Peer& peer) const {
    std::lock_guard lock(mutex);
    return policy.allows(peer);
  }

  void accept_unix();
  void accept_tcp();
};

namespace {

using Impl = ApiServer::Impl;

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::shared_ptr<Impl> server, Stream stream, Peer peer, bool refused)
      : server_(std::move(server)),
        stream_(std::move(stream)),
        timer_(server_->io),
        peer_(std::move(peer)),
        refused_(refused) {
    ++server_->open_connections;
    ++server_->connections;
  }
  ~Session() override { --server_->open_connections; }

  void start() {
    if constexpr (std::is_same_v<Stream, ssl::stream<tcp::socket>>) {
      arm(server_->limits.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                self->on_handshake(ec);
                              });
    } else {
      read();
    }
  }

  void close() override {
    asio::post(server_->io, [self = this->shared_from_this()] { self->close_now(); });
  }

 private:
  void close_now() {
    timer_.cancel();
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).close(ignored);
  }

  void arm(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->close_now();
    });
  }

  void on_handshake(boost::system::error_code ec) {
    if (ec) {
      server_->log(
          fmt::format("api: TLS handshake with {} failed: {}", peer_.address, ec.message()));
      close_now();
      return;
    }
    if constexpr (std::is_same_v<Stream, ssl::stream<tcp::socket>>) {
      X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
      if (cert == nullptr) {  // verify_fail_if_no_peer_cert makes this unreachable; be sure
        close_now();
        return;
      }
      peer_.certificate_subject = subject_line(cert);
      peer_.certificate_sha256 = fingerprint(cert);
      X509_free(cert);
    }
    read();
  }

  void read() {
    parser_.emplace();
    configure_parser(*parser_, server_->limits);
    arm(requests_ == 0 ? server_->limits.read_timeout : server_->limits.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(boost::system::error_code ec) {
    timer_.cancel();
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == ssl::error::stream_truncated) {
      close_now();
      return;
    }
    if (ec) {
      ++server_->bad_requests;
      answer(refusal_for(ec, server_->limits), false);
      return;
    }
    ++requests_;
    ++server_->requests;
    auto message = parser_->release();
    const bool keep_alive = message.keep_alive();
    if (refused_) {
      answer(error_response(403, "api_forbidden",
                            fmt::format("{} is not allowed to use onshid's API (see [api] "
                                        "allowed_users and allowed_groups)",
                                        peer_.describe())),
             false);
      return;
    }
    HttpRequest request = to_http_request(std::move(message));
    request.peer = peer_;
    // Handlers may wait for the eligibility system: off the io_context.
    asio::post(server_->pool, [self = this->shared_from_this(), request = std::move(request),
                               keep_alive]() mutable {
      HttpResponse response = self->server_->router->dispatch(request);
      asio::post(self->server_->io, [self, response = std::move(response), keep_alive]() mutable {
        self->answer(std::move(response), keep_alive);
      });
    });
  }

  void answer(HttpResponse r, bool keep_alive) {
    if (r.stream) return start_stream(std::move(r));
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(r.status));
    response_.set(http::field::server, "onshid");
    response_.set(http::field::content_type, r.content_type);
    response_.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) response_.set(name, value);
    response_.body() = std::move(r.body);
    response_.keep_alive(keep_alive && !server_->stopping);
    response_.prepare_payload();
    arm(server_->limits.read_timeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(boost::system::error_code ec) {
    timer_.cancel();
    if (ec || !response_.keep_alive()) {
      shut_down_and_close();
      return;
    }
    read();
  }

  // An event stream: the head without Content-Length (the body ends when the connection closes,
  // RFC 9112 §6.3), then whatever the stream gives, one piece at a time.
  void start_stream(HttpResponse r) {
    if (server_->open_streams.fetch_add(1) >= server_->limits.max_streams) {
      --server_->open_streams;
      HttpResponse busy = error_response(
          503, "busy",
          fmt::format("too many event streams are open (at most {}); use ?wait= long-polling",
                      server_->limits.max_streams));
      busy.headers.emplace_back("Retry-After", "5");
      return answer(std::move(busy), false);
    }
    stream_source_ = std::move(r.stream);
    std::string head = fmt::format(
        "HTTP/1.1 {} {}\r\nServer: onshid\r\nContent-Type: {}\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\n",
        r.status, std::string(http::obsolete_reason(static_cast<http::status>(r.status))),
        r.content_type);
    for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
    head += "\r\n";
    head += r.body;
    write_piece(std::move(head));
  }

  void write_piece(std::string piece) {
    stream_piece_ = std::move(piece);
    arm(server_->limits.read_timeout);
    asio::async_write(stream_, asio::buffer(stream_piece_),
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->timer_.cancel();
                        if (ec || self->server_->stopping) return self->end_stream();
                        self->pull_piece();
                      });
  }

  void pull_piece() {
    asio::post(server_->stream_pool, [self = this->shared_from_this()] {
      const auto wait = self->server_->limits.stream_keepalive;
      std::optional<std::string> piece;
      if (!self->server_->stopping) piece = self->stream_source_->next(wait);
      asio::post(self->server_->io, [self, piece = std::move(piece)]() mutable {
        if (!piece || self->server_->stopping) return self->end_stream();
        self->write_piece(piece->empty() ? std::string(": keep-alive\n\n") : std::move(*piece));
      });
    });
  }

  void end_stream() {
    if (!stream_source_) return;
    stream_source_.reset();
    --server_->open_streams;
    shut_down_and_close();
  }

  // The answer is complete: the client reads to EOF (a streamed body has no length).
  void shut_down_and_close() {
    boost::system::error_code ignored;
    if constexpr (std::is_same_v<Stream, local::socket>) {
      stream_.shutdown(local::socket::shutdown_send, ignored);
    } else {
      beast::get_lowest_layer(stream_).shutdown(tcp::socket::shutdown_send, ignored);
    }
    close_now();
  }

  std::shared_ptr<BodyStream> stream_source_;
  std::string stream_piece_;
  std::shared_ptr<Impl> server_;
  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  Peer peer_;
  bool refused_;
  std::uint64_t requests_ = 0;
};

}  // namespace

void ApiServer::Impl::accept_unix() {
  unix_acceptor->async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                          local::socket socket) {
    if (self->stopping || !self->unix_acceptor) return;
    if (!ec) {
      if (self->open_connections >= self->limits.max_connections) {
        self->log("api: too many connections; one refused");
      } else {
        auto peer = unix_peer(socket.native_handle());
        Peer p;
        p.transport = Peer::Transport::unix_socket;
        if (peer) p = *peer;
        const bool refused = !peer || !self->peer_allowed(p);
        if (refused) {
          ++self->refused_peers;
          self->log(fmt::format("api: refused a client on the socket: {} is not on the allow-list",
                                p.describe()));
        }
        auto session = std::make_shared<Session<local::socket>>(self, std::move(socket),
                                                                std::move(p), refused);
        self->track(session);
        session->start();
      }
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    self->accept_unix();
  });
}

void ApiServer::Impl::accept_tcp() {
  tcp_acceptor->async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                         tcp::socket socket) {
    if (self->stopping || !self->tcp_acceptor) return;
    if (!ec) {
      if (self->open_connections >= self->limits.max_connections) {
        self->log("api: too many connections; one refused");
      } else {
        Peer peer;
        peer.transport = Peer::Transport::tls_tcp;
        boost::system::error_code ignored;
        const auto remote = socket.remote_endpoint(ignored);
        peer.address = remote.address().is_v6()
                           ? fmt::format("[{}]:{}", remote.address().to_string(), remote.port())
                           : fmt::format("{}:{}", remote.address().to_string(), remote.port());
        auto session = std::make_shared<Session<ssl::stream<tcp::socket>>>(
            self, ssl::stream<tcp::socket>(std::move(socket), *self->tls), std::move(peer), false);
        self->track(session);
        session->start();
      }
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    self->accept_tcp();
  });
}

ApiServer::ApiServer(asio::io_context& io, std::shared_ptr<const Router> router,
                     ServerLimits limits, Logger log)
    : impl_(std::make_shared<Impl>(io, std::move(router), limits,
                                   log ? std::move(log) : Logger([](std::string_view) {}))) {}

ApiServer::~ApiServer() { stop(); }

void ApiServer::set_policy(PeerPolicy policy) {
  std::lock_guard lock(impl_->mutex);
  impl_->policy = std::move(policy);
}

Status ApiServer::listen_unix(const UnixListenerOptions& options) {
  const auto& path = options.path;
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Error(Errc::io, fmt::format("{} exists and is not a socket; remove it or set [api] "
                                         "socket elsewhere",
                                         path.string()));
    }
    local::socket probe(impl_->io);
    boost::system::error_code ec;
    probe.connect(local::endpoint(path.string()), ec);
    if (!ec) {
      return Error(Errc::io, fmt::format("another process (another onshid?) already listens on {}",
                                         path.string()));
    }
    ::unlink(path.c_str());  // stale: left by a process that died
  }
  boost::system::error_code ec;
  local::acceptor acceptor(impl_->io);
  acceptor.open(local(), ec);
  // The socket file is created by bind() with the umask's mode: create it closed, then open it
  // to the group, so there is no moment when others could connect.
  const mode_t old_mask = ::umask(0177);
  if (!ec) acceptor.bind(local::endpoint(path.string()), ec);
  ::umask(old_mask);
  if (ec) {
    return Error(Errc::io, fmt::format("cannot listen on {}: {}", path.string(), ec.message()),
                 ec.value());
  }
  if (options.group && ::chown(path.c_str(), static_cast<uid_t>(-1), *options.group) != 0) {
    const int e = errno;
    ::unlink(path.c_str());
    return Error(Errc::io,
                 fmt::format("cannot give {} to group {}: {}", path.string(), *options.group,
                             std::strerror(e)),
                 e);
  }
  if (::chmod(path.c_str(), 0660) != 0) {
    const int e = errno;
    ::unlink(path.c_str());
    return Error(Errc::io, fmt::format("cannot chmod {}: {}", path.string(), std::strerror(e)), e);
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error(Errc::io, fmt::format("listen on {}: {}", path.string(), ec.message()));
  impl_->unix_acceptor.emplace(std::move(acceptor));
  impl_->unix_path = path;
  impl_->accept_unix();
  return {};
}

Status ApiServer::listen_tcp(const TcpListenerOptions& options) {
  auto endpoint = parse_listen(options.listen);
  if (!endpoint) return endpoint.error();
  ssl::context context(ssl::context::tls_server);
  SSL_CTX* ctx = context.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, options.certificate.c_str()) != 1) {
    return Error(Errc::cert_malformed, fmt::format("api.tcp.certificate {}: {}",
                                                   options.certificate.string(), openssl_reason()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error(Errc::cert_malformed,
                 fmt::format("api.tcp.key {}: {}", options.key.string(), openssl_reason()));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return Error(Errc::cert_key_mismatch,
                 fmt::format("api.tcp.key {} does not belong to api.tcp.certificate {}",
                             options.key.string(), options.certificate.string()));
  }
  if (SSL_CTX_load_verify_locations(ctx, options.client_ca.c_str(), nullptr) != 1) {
    return Error(Errc::cert_malformed, fmt::format("api.tcp.client_ca {}: {}",
                                                   options.client_ca.string(), openssl_reason()));
  }
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca.c_str())) {
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  if (options.client_crl) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == nullptr ||
        X509_load_crl_file(lookup, options.client_crl->c_str(), X509_FILETYPE_PEM) <= 0) {
      return Error(
          Errc::cert_malformed,
          fmt::format("api.tcp.client_crl {}: {}", options.client_crl->string(), openssl_reason()));
    }
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  // A client without a certificate from the clinic's CA does not get past the handshake.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  static const unsigned char kSessionContext[] = "onshid-api";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  impl_->tls.emplace(std::move(context));

  boost::system::error_code ec;
  tcp::acceptor acceptor(impl_->io);
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && endpoint->address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(Errc::io, fmt::format("cannot listen on {}: {}", options.listen, ec.message()),
                 ec.value());
  }
  impl_->tcp_acceptor.emplace(std::move(acceptor));
  impl_->accept_tcp();
  return {};
}

std::optional<std::string> ApiServer::tcp_address() const {
  if (!impl_->tcp_acceptor) return std::nullopt;
  boost::system::error_code ec;
  const auto e = impl_->tcp_acceptor->local_endpoint(ec);
  if (ec) return std::nullopt;
  return e.address().is_v6() ? fmt::format("[{}]:{}", e.address().to_string(), e.port())
                             : fmt::format("{}:{}", e.address().to_string(), e.port());
}

ServerStats ApiServer::stats() const {
  return {impl_->connections.load(), impl_->requests.load(), impl_->refused_peers.load(),
          impl_->bad_requests.load()};
}

void ApiServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  boost::system::error_code ignored;
  if (impl_->unix_acceptor) {
    impl_->unix_acceptor->close(ignored);
    ::unlink(impl_->unix_path.c_str());
  }
  if (impl_->tcp_acceptor) impl_->tcp_acceptor->close(ignored);
  std::vector<std::shared_ptr<SessionBase>> open;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& w : impl_->sessions) {
      if (auto s = w.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->close();
  impl_->pool.join();
  impl_->stream_pool.join();
}

}  // namespace onshi::api
