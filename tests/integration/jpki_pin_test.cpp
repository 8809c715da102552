// PIN safety, signatures and the card-present proof on emulated My Number cards behind the real
// pcscd (cards-and-readers.md §1.4, §1.5, §1.7): what the card's counters and verified state
// are after each step, seen through a second connection as another program would see them.
#include <gtest/gtest.h>

#include "jpki_rig.hpp"
#include "onshi/pcsc/card_present_proof.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/pcsc/kenmen_ap.hpp"

namespace onshi::test {
namespace {

namespace jpki = pcsc::jpki;
namespace kenmen = pcsc::kenmen;

SecretBytes secret(std::string_view s) {
  return SecretBytes(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

class JpkiPin : public JpkiRig {
 protected:
  // The auth PIN's state as another program sees it (shared connection, empty VERIFY).
  pcsc::PinStatus auth_status() {
    auto card = connect();
    EXPECT_TRUE(card) << card.error().to_string();
    if (!card) return {};
    EXPECT_TRUE(pcsc::select_application(*card, jpki::kAid, "JPKI AP"));
    auto s = pcsc::read_pin_status(*card, jpki::kEfAuthPin);
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? *s : pcsc::PinStatus{};
  }
  Result<pcsc::ExclusiveCard> exclusive() {
    return pcsc::ExclusiveCard::connect(new_context(), reader(0));
  }
  Result<pcsc::VerifyOutcome> verify_auth(std::string_view pin, pcsc::PinPolicy policy = {}) {
    auto card = exclusive();
    if (!card) return std::move(card).error();
    auto p = secret(pin);
    return jpki::verify_pin_only(*card, jpki::Key::auth, p, policy);
  }
  std::string auth_pin(const std::string& name) { return persona(name).auth_pin; }
};

TEST_F(JpkiPin, SignatureVerifiesAndTheVerifiedStateDiesWithTheHold) {
  require_emulator();
  insert_named("jpki-card");
  auto card = exclusive();
  ASSERT_TRUE(card) << card.error().to_string();
  auto pin = secret(auth_pin("jpki-card"));
  const Bytes message{'o', 'n', 's', 'h', 'i'};
  auto r =
      jpki::sign_with_pin(*card, pin, {jpki::Key::auth, message, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(pin.empty());
  EXPECT_EQ(r->certificate, auth_certificate_der("jpki-card"));
  EXPECT_EQ(r->key.kind, pcsc::KeyInfo::Kind::rsa);
  EXPECT_TRUE(
      pcsc::verify_signature(r->certificate, pcsc::HashAlgorithm::sha256, message, r->signature));
  const auto after = auth_status();
  EXPECT_FALSE(after.verified) << "SCARD_UNPOWER_CARD must end the verified state";
  EXPECT_EQ(after.tries_left, 3);
}

// The session read one card's certificate, and another card is on the reader when the PIN is to
// be entered: that card gets no VERIFY, so none of its tries is spent.
TEST_F(JpkiPin, ACardSwappedSinceTheReadGetsNoPin) {
  require_emulator();
  insert_named("jpki-card");
  auto card = exclusive();
  ASSERT_TRUE(card) << card.error().to_string();
  auto pin = secret(auth_pin("jpki-card"));
  jpki::PinSignRequest request{jpki::Key::auth, Bytes{'x'}, {}, std::nullopt, std::nullopt};
  request.expected_certificate = auth_certificate_der("jpki-card-2023");
  auto r = jpki::sign_with_pin(*card, pin, request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::card_removed) << r.error().to_string();
  EXPECT_TRUE(pin.empty());
  EXPECT_EQ(auth_status().tries_left, 3);
  // The same card as read: signed.
  auto again = exclusive();
  ASSERT_TRUE(again);
  auto pin2 = secret(auth_pin("jpki-card"));
  request.expected_certificate = auth_certificate_der("jpki-card");
  EXPECT_TRUE(jpki::sign_with_pin(*again, pin2, request));
}

TEST_F(JpkiPin, HoldIsExclusive) {
  require_emulator();
  insert_named("jpki-card");
  auto hold = exclusive();
  ASSERT_TRUE(hold);
  auto other = connect();
  ASSERT_FALSE(other) << "another program must not reach a card that may be verified";
  EXPECT_EQ(other.error().code, Errc::pcsc_sharing_violation);
}

TEST_F(JpkiPin, WrongPinsCountDownThenTheLastTryIsGuarded) {
  require_emulator();
  insert_named("jpki-card");
  auto first = verify_auth("9999");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, Errc::pin_wrong);
  EXPECT_EQ(first.error().retries_remaining, 2);
  auto second = verify_auth("9998");
  EXPECT_EQ(second.error().retries_remaining, 1);

  auto guarded = verify_auth("9997");
  ASSERT_FALSE(guarded);
  EXPECT_EQ(guarded.error().code, Errc::pin_last_try);
  EXPECT_EQ(auth_status().tries_left, 1) << "the refused attempt spent nothing";

  // Even the right PIN waits for the explicit flag: the rule is about the counter.
  EXPECT_EQ(verify_auth(auth_pin("jpki-card")).error().code, Errc::pin_last_try);
  auto allowed = verify_auth(auth_pin("jpki-card"), {true});
  ASSERT_TRUE(allowed) << allowed.error().to_string();
  EXPECT_EQ(allowed->before.tries_left, 1);
  EXPECT_EQ(auth_status().tries_left, 3) << "a right PIN resets the counter";
}

TEST_F(JpkiPin, BlockedPinIsNeverSent) {
  require_emulator();
  auto& slot = insert_named("jpki-card");
  (void)verify_auth("9999");
  (void)verify_auth("9998");
  auto blocking = verify_auth("9997", {true});
  ASSERT_FALSE(blocking);
  EXPECT_EQ(blocking.error().code, Errc::pin_blocked) << "63C0: the try that blocked it";
  EXPECT_TRUE(auth_status().blocked);
  const auto before = slot.apdu_count();
  auto again = verify_auth(auth_pin("jpki-card"), {true});
  EXPECT_EQ(again.error().code, Errc::pin_blocked);
  // detect (SELECT AP, SELECT 0006, READ) + SELECT AP + SELECT EF + empty VERIFY: no VERIFY with
  // data.
  EXPECT_EQ(slot.apdu_count() - before, 6u);
  // Each key reference has its own counter (§1.4): the sign password and 券面 PIN are untouched.
  auto card = connect();
  ASSERT_TRUE(card);
  ASSERT_TRUE(pcsc::select_application(*card, jpki::kAid, "JPKI AP"));
  EXPECT_EQ(pcsc::read_pin_status(*card, jpki::kEfSignPin)->tries_left, 5);
  ASSERT_TRUE(pcsc::select_application(*card, kenmen::kAid, "券面AP"));
  EXPECT_EQ(pcsc::read_pin_status(*card, kenmen::kEfPin)->tries_left, 3);
}

TEST_F(JpkiPin, VerifiedByAnotherProgramMeansPowerDownFirst) {
  require_emulator();
  insert_named("jpki-card");
  {
    // Another program verifies and leaves the card powered (SCARD_LEAVE_CARD).
    auto other = connect();
    ASSERT_TRUE(other);
    ASSERT_TRUE(pcsc::select_application(*other, jpki::kAid, "JPKI AP"));
    auto sw = pcsc::select_ef(*other, jpki::kEfAuthPin);
    ASSERT_EQ(*sw, 0x9000);
    const std::string pin = auth_pin("jpki-card");
    auto v = other->transmit({0x00, 0x20, 0x00, 0x80, Bytes(pin.begin(), pin.end()), std::nullopt});
    ASSERT_TRUE(v && v->ok());
    ASSERT_TRUE(other->reconnect(pcsc::Disposition::reset));
    EXPECT_TRUE(auth_status().verified) << "a warm reset keeps the verified state (§1.4)";
  }
  auto outcome = verify_auth(auth_pin("jpki-card"));
  ASSERT_TRUE(outcome) << outcome.error().to_string();
  EXPECT_TRUE(outcome->powered_down);
  EXPECT_EQ(outcome->before.tries_left, 3) << "the real counter, read after the power-down";
  EXPECT_FALSE(auth_status().verified);
}

TEST_F(JpkiPin, SignKeyNeedsItsOwnPasswordAndCertificateComesAfterIt) {
  require_emulator();
  insert_named("jpki-card");
  auto card = exclusive();
  ASSERT_TRUE(card);
  auto pw = secret(persona("jpki-card").sign_pin);
  const Bytes message{1, 2, 3};
  auto r =
      jpki::sign_with_pin(*card, pw, {jpki::Key::sign, message, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(
      pcsc::verify_signature(r->certificate, pcsc::HashAlgorithm::sha256, message, r->signature));
  EXPECT_NE(r->certificate, auth_certificate_der("jpki-card"));
}

TEST_F(JpkiPin, InventedP384CardSignsRawSha384) {
  require_emulator();
  insert_named("jpki-p384");
  auto card = exclusive();
  ASSERT_TRUE(card);
  auto pin = secret(auth_pin("jpki-p384"));
  const Bytes message{'p', '3', '8', '4'};
  auto r =
      jpki::sign_with_pin(*card, pin, {jpki::Key::auth, message, {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->key.kind, pcsc::KeyInfo::Kind::ec_p384);
  EXPECT_EQ(r->signature.size(), 96u);
  EXPECT_TRUE(
      pcsc::verify_signature(r->certificate, pcsc::HashAlgorithm::sha384, message, r->signature));
}

TEST_F(JpkiPin, PinLessCardHasNoPinButProvesPresence) {
  require_emulator();
  insert_named("jpki-pinless");
  {
    auto card = connect();
    ASSERT_TRUE(card);
    ASSERT_TRUE(jpki::detect(*card)->jpki);
    EXPECT_TRUE(*jpki::has_pin_less_marker(*card));
  }
  auto v = verify_auth("1234", {true});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::pin_not_set);

  auto card = connect();
  ASSERT_TRUE(card);
  const Bytes cert = auth_certificate_der("jpki-pinless");
  const Bytes challenge(32, 0xC3);
  auto proof = pcsc::prove_card_present(*card, challenge, cert);
  ASSERT_TRUE(proof) << proof.error().to_string();
  const auto& spki = manifest_card("jpki-pinless").card_present_public_key;
  ASSERT_TRUE(spki.has_value());
  EXPECT_TRUE(pcsc::verify_card_present_proof(*spki, challenge, cert, *proof));
}

TEST_F(JpkiPin, NormalCardIsNotPinLess) {
  require_emulator();
  insert_named("jpki-card");
  auto card = connect();
  ASSERT_TRUE(card);
  ASSERT_TRUE(jpki::detect(*card)->jpki);
  EXPECT_FALSE(*jpki::has_pin_less_marker(*card));
}

TEST_F(JpkiPin, CardPresentProofIsBoundToCardCertificateAndChallenge) {
  require_emulator();
  insert_named("jpki-card");
  auto card = connect();
  ASSERT_TRUE(card);
  ASSERT_TRUE(pcsc::select_application(*card, jpki::kAid, "JPKI AP"));
  auto cert = jpki::read_certificate(*card, jpki::kEfAuthCertificate);
  ASSERT_TRUE(cert);
  const Bytes challenge(24, 0x11);
  auto proof = pcsc::prove_card_present(*card, challenge, *cert);
  ASSERT_TRUE(proof) << proof.error().to_string();
  const Bytes spki = *manifest_card("jpki-card").card_present_public_key;
  EXPECT_TRUE(pcsc::verify_card_present_proof(spki, challenge, *cert, *proof));
  EXPECT_FALSE(pcsc::verify_card_present_proof(spki, Bytes(24, 0x12), *cert, *proof));
  EXPECT_FALSE(pcsc::verify_card_present_proof(spki, challenge,
                                               auth_certificate_der("jpki-card-2023"), *proof));
  EXPECT_FALSE(pcsc::verify_card_present_proof(
      *manifest_card("jpki-card-2023").card_present_public_key, challenge, *cert, *proof))
      << "another card's key";
}

TEST_F(JpkiPin, SmartphoneHasNoCardPresentKey) {
  require_emulator();
  insert_named("jpki-smartphone");
  auto card = connect();
  ASSERT_TRUE(card);
  auto proof =
      pcsc::prove_card_present(*card, Bytes(32, 1), auth_certificate_der("jpki-smartphone"));
  ASSERT_FALSE(proof);
  EXPECT_EQ(proof.error().code, Errc::card_unsupported);
}

TEST_F(JpkiPin, BasicFourItemsMatchTheInsuredPerson) {
  require_emulator();
  for (const std::string name : {"jpki-card", "jpki-card-2023"}) {
    SCOPED_TRACE(name);
    insert_named(name);
    auto card = exclusive();
    ASSERT_TRUE(card);
    auto pin = secret(persona(name).kenmen_pin);
    auto items = kenmen::read_basic_four(card->card(), pin, {});
    ASSERT_TRUE(items) << items.error().to_string();
    ASSERT_TRUE(card->release());
    const auto& person = manifest_card(name).insured_person;
    EXPECT_EQ(items->name, person.name);
    EXPECT_EQ(items->address, person.address);
    EXPECT_EQ(items->birth_date, person.birth_date);
    EXPECT_EQ(items->sex, person.sex);
    remove_card(0);
  }
}

TEST_F(JpkiPin, BasicFourNeedsTheRightPin) {
  require_emulator();
  insert_named("jpki-card");
  auto card = exclusive();
  ASSERT_TRUE(card);
  auto pin = secret("0000");
  auto items = kenmen::read_basic_four(card->card(), pin, {});
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, Errc::pin_wrong);
  EXPECT_EQ(items.error().retries_remaining, 2);
}

}  // namespace
}  // namespace onshi::test
