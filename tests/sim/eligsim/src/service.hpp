// onshi-eligsim's service: the routes of the modelled eligibility system (README.md "The
// protocol"), as a function of the request and the connection's client certificate, so it is
// unit-tested without sockets. It owns the data set, the access tokens, the challenges, the
// 一括 jobs, the faults and the record of calls. Single-threaded (the server's one io_context).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "card_verifier.hpp"
#include "dataset.hpp"
#include "faults.hpp"
#include "routes.hpp"

namespace onshi::sim::eligsim {

namespace ts = onshi::sim::tlsserver;

inline constexpr std::string_view kApiPrefix = "/oqs-sim/v1";

struct ServiceOptions {
  std::chrono::seconds token_lifetime{600};
  std::chrono::seconds challenge_lifetime{60};
  std::chrono::milliseconds bulk_delay{1000};  // a 一括 job is 処理中 this long
  std::size_t max_calls_kept = 10000;
  // The client certificate's subject attributes naming institution and terminal (the test PKI's
  // invented layout, tests/sim/pki/README.md).
  std::string institution_attribute = "CN";
  std::string terminal_attribute = "OU";
};

struct Call {
  std::uint64_t seq = 0;
  std::string route;
  std::string institution;
  std::string terminal;
  std::string certificate_sha256;
  int http_status = 0;
  std::string outcome;  // "segment=1 status=1 validity=1", "SIM2002", "fault:reset", …
};

class Service {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  Service(Dataset dataset, std::optional<CardVerifier> verifier, ServiceOptions options,
          Clock clock = {});

  // The API on the mutual-TLS listener.
  ts::Reply handle(const ts::Request& request, const ts::ConnectionInfo& connection);
  // The control listener (plain HTTP on loopback): faults, token expiry, calls, data set.
  ts::Reply control(const ts::Request& request);
  // Whether the next TLS handshake is to be refused (a "handshake" fault).
  bool refuse_handshake();

  const Dataset& dataset() const { return dataset_; }

 private:
  struct Caller {
    std::string institution, terminal, fingerprint;
  };
  struct Token {
    std::string institution, fingerprint;
    std::chrono::system_clock::time_point expires;
  };
  struct Challenge {
    Bytes bytes;
    std::string institution;
    std::string fingerprint;  // the client certificate it was issued to
    std::chrono::system_clock::time_point expires;
  };
  struct BulkJob {
    std::string institution;
    std::chrono::system_clock::time_point ready;
    Header header;
    std::vector<xmlmsg::Element> units;
    std::size_t errors = 0;
  };

  struct Routed {
    ts::Reply reply;
    std::string outcome;
  };

  Caller caller_of(const ts::ConnectionInfo& connection) const;
  std::optional<Routed> check_token(const ts::Request& request, const Caller& caller);
  Routed auth(const ts::Request& request, const Caller& caller);
  Routed search(const ts::Request& request, const Caller& caller);
  Routed challenge(const ts::Request& request, const Caller& caller);
  Routed verify(const ts::Request& request, const Caller& caller);
  Routed bulk_submit(const ts::Request& request, const Caller& caller);
  Routed bulk_fetch(const ts::Request& request, const Caller& caller);
  Routed xml_reply(const ts::Request& request, const xmlmsg::Element& msg);
  void apply_faults(std::string_view route, ts::Reply& reply, std::string& outcome);
  void record(Call call);
  std::string now_text() const;
  // Random bytes as hex; nullopt when OpenSSL's generator fails (answered 500, never zeros).
  std::optional<std::string> random_id(std::size_t bytes);

  Dataset dataset_;
  std::optional<CardVerifier> verifier_;
  ServiceOptions options_;
  Clock clock_;
  FaultSet faults_;
  std::map<std::string, Token> tokens_;
  std::map<std::string, Challenge> challenges_;
  std::map<std::string, BulkJob> bulk_jobs_;
  std::deque<Call> calls_;
  std::uint64_t next_call_ = 1;
  std::uint64_t next_reception_ = 1;
};

}  // namespace onshi::sim::eligsim
