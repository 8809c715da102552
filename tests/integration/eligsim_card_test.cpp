// The whole My Number path on the emulated card: onshi's PC/SC layer reads the certificate and
// signs the challenge (PIN mode) or proves the card present (face mode) on the card in the real
// pcscd, onshi's mutual-TLS client carries it to onshi-eligsim, and eligsim finds the person. This
// is where the modelled proof must agree on all three sides: emulator, host and service.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eligsim_rig.hpp"
#include "jpki_rig.hpp"
#include "onshi/base64.hpp"
#include "onshi/pcsc/card_present_proof.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/xmlmsg/json_form.hpp"
#include "onshi/xmlmsg/messages.hpp"

namespace onshi::test {
namespace {

namespace jpki = pcsc::jpki;
namespace es = sim::eligsim::testing;

class EligsimCard : public JpkiRig {
 protected:
  void SetUp() override {
    JpkiRig::SetUp();
    // On a rig's real card the persona manifest (the service's link to a person) does not apply.
    if (on_hardware()) GTEST_SKIP() << "needs the emulated cards and their persona manifest";
    auto started = es::start_eligsim({}, manifest_dir());
    ASSERT_TRUE(started) << started.error().to_string();
    sim_.emplace(std::move(*started));
    auto client = es::onshi_client(*sim_, "good-rsa");
    ASSERT_TRUE(client) << client.error().to_string();
    client_ = *client;
    auto token = es::login(*client_);
    ASSERT_TRUE(token) << token.error().to_string();
    token_ = *token;
  }

  std::pair<std::string, Bytes> challenge() {
    auto r = es::post(*client_, "/mynumber/challenge", "", token_);
    EXPECT_TRUE(r && r->status == 200);
    const auto j = nlohmann::json::parse(r->body)["result"];
    return {j["challengeId"], *from_base64(j["challenge"].get<std::string>())};
  }

  xmlmsg::QualificationResponse verify(const xmlmsg::VerificationInfo& v) {
    const auto body =
        xmlmsg::to_json(*xmlmsg::make_verification_request({"20261202", "2714206386", "card"}, v));
    auto r = es::post(*client_, "/mynumber/verify", *body, token_);
    EXPECT_TRUE(r) << r.error().to_string();
    auto a = xmlmsg::parse_qualification_response(*xmlmsg::parse_json(r->body));
    EXPECT_TRUE(a) << a.error().message;
    return a ? *a : xmlmsg::QualificationResponse{};
  }

  static std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

  std::optional<es::Eligsim> sim_;
  std::shared_ptr<tls::HttpsClient> client_;
  std::string token_;
};

TEST_F(EligsimCard, PinModeSignatureFromTheCardIsAcceptedAndFindsTheHolder) {
  insert_named("jpki-card");
  const auto [id, bytes] = challenge();
  auto card = pcsc::ExclusiveCard::connect(new_context(), reader(0));
  ASSERT_TRUE(card) << card.error().to_string();
  const std::string pin_text = persona("jpki-card").auth_pin;
  SecretBytes pin(
      ByteView(reinterpret_cast<const std::uint8_t*>(pin_text.data()), pin_text.size()));
  auto signed_challenge =
      jpki::sign_with_pin(*card, pin, {jpki::Key::auth, bytes, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(signed_challenge) << signed_challenge.error().to_string();

  xmlmsg::VerificationInfo v;
  v.challenge_id = id;
  v.certificate_der = text(signed_challenge->certificate);
  v.proof = text(signed_challenge->signature);
  const auto a = verify(v);
  EXPECT_EQ(a.qualification_validity, "1")
      << a.processing_result_code << " " << a.processing_result_message;
  ASSERT_EQ(a.results.size(), 1u);
  EXPECT_EQ(a.results[0].name, manifest_card("jpki-card").insured_person.name);
  EXPECT_EQ(a.results[0].insured_identification_number,
            manifest_card("jpki-card").insured_person.insured_identification_number);
}

TEST_F(EligsimCard, FaceModeCardPresentProofFromTheCardIsAccepted) {
  insert_named("jpki-card-2023");
  const auto [id, bytes] = challenge();
  auto card = connect();
  ASSERT_TRUE(card) << card.error().to_string();
  ASSERT_TRUE(pcsc::select_application(*card, jpki::kAid, "JPKI AP"));
  auto cert = jpki::read_certificate(*card, jpki::kEfAuthCertificate);
  ASSERT_TRUE(cert) << cert.error().to_string();
  auto proof = pcsc::prove_card_present(*card, bytes, *cert);
  ASSERT_TRUE(proof) << proof.error().to_string();

  xmlmsg::VerificationInfo v;
  v.challenge_id = id;
  v.mode = xmlmsg::VerificationMode::face;
  v.face_match_result = "1";
  v.certificate_der = text(*cert);
  v.proof = text(*proof);
  v.consents.pharmaceutical = "1";
  const auto a = verify(v);
  EXPECT_EQ(a.qualification_validity, "1")
      << a.processing_result_code << " " << a.processing_result_message;
  ASSERT_EQ(a.results.size(), 1u);
  EXPECT_EQ(a.results[0].name, manifest_card("jpki-card-2023").insured_person.name);
  EXPECT_EQ(a.results[0].consents.pharmaceutical, "1");
}

}  // namespace
}  // namespace onshi::test
