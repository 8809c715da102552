// What the client refuses before connecting: no certificate, an expired or not-yet-valid one
// (architecture.md, "Invariants"), bad settings, a request that breaks its format. A listening
// socket that nobody serves tells whether a connection was made.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "certificate_validity.hpp"
#include "made_certificate.hpp"
#include "onshi/eligibility/client.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/unique_fd.hpp"

namespace onshi::eligibility {
namespace {

using namespace std::chrono_literals;
using testing::made_identity;

constexpr auto kDay = std::chrono::seconds(std::chrono::days(1));

// The kernel completes a TCP connection into the backlog of a listening socket by itself, so a
// pending connection proves that the client connected.
class Listener {
 public:
  Listener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), n) != 0 ||
        ::listen(fd_.get(), 16) != 0 ||
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &n) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(a.sin_port);
  }
  int port() const { return port_; }
  // How many connections arrived since the last call.
  int connections() const {
    int n = 0;
    for (UniqueFd c(::accept(fd_.get(), nullptr, nullptr)); c;
         c.reset(::accept(fd_.get(), nullptr, nullptr))) {
      ++n;
    }
    return n;
  }

 private:
  UniqueFd fd_;
  int port_ = 0;
};

ClientSettings settings_for(const Listener& listener) {
  ClientSettings s;
  s.institution = "2714206386";
  s.tls.base_url = "https://127.0.0.1:" + std::to_string(listener.port()) + "/oqs-sim/v1";
  s.tls.test_mode = true;
  s.tls.pins = {tls::Sha256{}};
  s.tls.connect_timeout = 500ms;
  s.tls.handshake_timeout = 300ms;  // nobody answers the ClientHello
  s.tls.request_timeout = 300ms;
  return s;
}

const xmlmsg::SearchInfo kSearch{"06139992", "1", "2", "", "19800101", "0", ""};

// Every call that would connect, each giving its error.
std::vector<Error> every_call(EligibilityClient& client) {
  std::vector<Error> errors;
  const auto keep = [&](const auto& result) {
    if (result) {
      ADD_FAILURE() << "a call succeeded";
    } else {
      errors.push_back(result.error());
    }
  };
  keep(client.search(kSearch, "20261202", "t1"));
  keep(client.bulk_submit(std::span(&kSearch, 1), "20261202", "t2"));
  keep(client.bulk_fetch("R0001", "t3"));
  keep(client.challenge());
  xmlmsg::VerificationInfo v;
  v.challenge_id = "c1";
  v.certificate_der = "x";
  v.proof = "y";
  keep(client.verify(v, "20261202", "t4"));
  return errors;
}

TEST(EligibilityClient, WithoutACertificateNothingIsSent) {
  Listener listener;
  auto client = EligibilityClient::create(settings_for(listener), std::nullopt);
  ASSERT_TRUE(client) << client.error().to_string();
  const auto errors = every_call(**client);
  ASSERT_EQ(errors.size(), 5u);
  for (const auto& e : errors) {
    EXPECT_EQ(e.code, Errc::cert_not_found) << e.to_string();
    EXPECT_NE(e.message.find("institution 2714206386 has no client certificate"),
              std::string::npos);
    EXPECT_NE(e.message.find("nothing was sent"), std::string::npos);
  }
  EXPECT_EQ(listener.connections(), 0);
  const auto state = (*client)->state();
  EXPECT_EQ(state.health, UpstreamHealth::failing);
  ASSERT_TRUE(state.last_error);
  EXPECT_EQ(state.last_error->code, Errc::cert_not_found);
  EXPECT_TRUE(state.last_failure);
  EXPECT_FALSE(state.last_success);
  EXPECT_FALSE(state.has_token);
}

TEST(EligibilityClient, AnExpiredCertificateIsRefusedBeforeConnectingNamingItsNotAfter) {
  Listener listener;
  auto identity = made_identity(-400 * kDay, -1 * kDay);
  const std::string not_after = format_japan_time(identity.leaf.not_after());
  auto client = EligibilityClient::create(settings_for(listener), std::move(identity));
  ASSERT_TRUE(client) << client.error().to_string();
  for (const auto& e : every_call(**client)) {
    EXPECT_EQ(e.code, Errc::cert_expired) << e.to_string();
    EXPECT_NE(e.message.find("expired at " + not_after + " (notAfter)"), std::string::npos)
        << e.message;
  }
  EXPECT_EQ(listener.connections(), 0);
  EXPECT_EQ((*client)->state().last_error->code, Errc::cert_expired);
}

TEST(EligibilityClient, ANotYetValidCertificateIsRefusedBeforeConnectingNamingItsNotBefore) {
  Listener listener;
  auto identity = made_identity(1 * kDay, 400 * kDay);
  const std::string not_before = format_japan_time(identity.leaf.not_before());
  auto client = EligibilityClient::create(settings_for(listener), std::move(identity));
  ASSERT_TRUE(client) << client.error().to_string();
  for (const auto& e : every_call(**client)) {
    EXPECT_EQ(e.code, Errc::cert_not_yet_valid) << e.to_string();
    EXPECT_NE(e.message.find("valid only from " + not_before + " (notBefore)"), std::string::npos)
        << e.message;
  }
  EXPECT_EQ(listener.connections(), 0);
}

// The control for the tests above: the same client with a valid certificate does connect (and
// fails the handshake, since nobody speaks TLS on the socket), so "no connection" there is real.
TEST(EligibilityClient, AValidCertificateConnectsAndANewIdentityTakesEffect) {
  Listener listener;
  auto client =
      EligibilityClient::create(settings_for(listener), made_identity(-1 * kDay, 400 * kDay));
  ASSERT_TRUE(client) << client.error().to_string();
  auto first = (*client)->search(kSearch, "20261202", "t1");
  ASSERT_FALSE(first);
  EXPECT_TRUE(first.error().code == Errc::net_timeout || first.error().code == Errc::tls_handshake)
      << first.error().to_string();
  EXPECT_EQ(listener.connections(), 1);

  ASSERT_TRUE((*client)->set_identity(made_identity(-400 * kDay, -1 * kDay)));
  EXPECT_EQ((*client)->search(kSearch, "20261202", "t2").error().code, Errc::cert_expired);
  ASSERT_TRUE((*client)->set_identity(std::nullopt));
  EXPECT_EQ((*client)->challenge().error().code, Errc::cert_not_found);
  EXPECT_EQ(listener.connections(), 0);

  ASSERT_TRUE((*client)->set_identity(made_identity(-1 * kDay, 400 * kDay)));
  EXPECT_FALSE((*client)->challenge());
  EXPECT_EQ(listener.connections(), 1);
}

TEST(EligibilityClient, ARequestThatBreaksItsFormatIsRefusedAndLeavesTheHealthAlone) {
  Listener listener;
  auto client =
      EligibilityClient::create(settings_for(listener), made_identity(-1 * kDay, 400 * kDay));
  ASSERT_TRUE(client);
  xmlmsg::SearchInfo wrong = kSearch;
  wrong.insurer_number = "06139993";  // the check digit (§2) is 2
  auto r = (*client)->search(wrong, "20261202", "t1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument) << r.error().to_string();
  EXPECT_EQ((*client)->bulk_submit({}, "20261202", "t2").error().code, Errc::invalid_argument);
  EXPECT_EQ(listener.connections(), 0);
  EXPECT_EQ((*client)->state().health, UpstreamHealth::unknown);
  EXPECT_FALSE((*client)->state().last_error);
}

TEST(EligibilityClient, SettingsAreChecked) {
  Listener listener;
  for (const char* code : {"", "271420638", "27142063861", "27142o6386"}) {
    auto s = settings_for(listener);
    s.institution = code;
    auto client = EligibilityClient::create(s, std::nullopt);
    ASSERT_FALSE(client) << code;
    EXPECT_EQ(client.error().code, Errc::config_invalid);
  }
  auto s = settings_for(listener);
  s.renew_before = std::chrono::seconds(-1);
  EXPECT_EQ(EligibilityClient::create(s, std::nullopt).error().code, Errc::config_invalid);
  s = settings_for(listener);
  s.tls.pins.clear();  // tls::HttpsClient's own rule
  EXPECT_EQ(EligibilityClient::create(s, std::nullopt).error().code, Errc::config_invalid);
  s = settings_for(listener);
  auto client = EligibilityClient::create(s, std::nullopt);
  ASSERT_TRUE(client);
  EXPECT_EQ((*client)->institution(), "2714206386");
}

TEST(CertificateValidity, BothEndsOfThePeriodAreValid) {
  const auto identity = made_identity(-10 * kDay, 10 * kDay);
  const std::optional<tls::Certificate> leaf = identity.leaf;
  const auto from = leaf->not_before();
  const auto until = leaf->not_after();
  EXPECT_TRUE(detail::check_client_certificate(leaf, "2714206386", from));
  EXPECT_TRUE(detail::check_client_certificate(leaf, "2714206386", until));
  EXPECT_EQ(detail::check_client_certificate(leaf, "2714206386", from - 1s).error().code,
            Errc::cert_not_yet_valid);
  EXPECT_EQ(detail::check_client_certificate(leaf, "2714206386", until + 1s).error().code,
            Errc::cert_expired);
  EXPECT_EQ(detail::check_client_certificate(std::nullopt, "2714206386", from).error().code,
            Errc::cert_not_found);
}

}  // namespace
}  // namespace onshi::eligibility
