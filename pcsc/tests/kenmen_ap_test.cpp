// The 券面事項入力補助AP's basic-four parser (cards-and-readers.md §1.7) on hand-built files,
// and what the read side sends.
#include "onshi/pcsc/kenmen_ap.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace onshi::pcsc::kenmen {
namespace {

using testing::FakeApi;

void put_tlv(Bytes& out, std::uint16_t tag, const Bytes& value) {
  out.push_back(static_cast<std::uint8_t>(tag >> 8));
  out.push_back(static_cast<std::uint8_t>(tag));
  if (value.size() > 255) {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(value.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(value.size()));
  } else if (value.size() > 127) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(value.size()));
  } else {
    out.push_back(static_cast<std::uint8_t>(value.size()));
  }
  out.insert(out.end(), value.begin(), value.end());
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

struct Items {
  std::string name = "試験　花子";
  std::string address = "東京都千代田区霞が関１丁目";
  std::string birth = "19800229";
  std::string sex = "2";
};

// A file as the card holds it: [prefix] FF 20 len { DF21 DF22 DF23 DF24 DF25 } FF filler.
Bytes file(const Items& it, Bytes prefix = {}, std::size_t padded_to = 512) {
  Bytes inner;
  put_tlv(inner, 0xDF21, Bytes(8, 0x00));
  put_tlv(inner, 0xDF22, text(it.name));
  put_tlv(inner, 0xDF23, text(it.address));
  put_tlv(inner, 0xDF24, text(it.birth));
  put_tlv(inner, 0xDF25, text(it.sex));
  Bytes out = std::move(prefix);
  out.push_back(0xFF);
  out.push_back(0x20);
  if (inner.size() > 127) {
    out.push_back(0x81);
  }
  out.push_back(static_cast<std::uint8_t>(inner.size()));
  out.insert(out.end(), inner.begin(), inner.end());
  if (out.size() < padded_to) out.resize(padded_to, 0xFF);
  return out;
}

TEST(KenmenParse, ClassicLayout) {
  auto r = parse_basic_four(file({}));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->name, "試験　花子");
  EXPECT_EQ(r->address, "東京都千代田区霞が関１丁目");
  EXPECT_EQ(r->birth_date, "19800229");
  EXPECT_EQ(r->sex, "2");
}

TEST(KenmenParse, Layout2023HasTwoBytesBeforeTheTag) {
  auto r = parse_basic_four(file({}, Bytes{0x01, 0x00}));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->sex, "2");
}

TEST(KenmenParse, TagsInAnyOrderAndUnknownTagsSkipped) {
  Bytes inner;
  put_tlv(inner, 0xDF25, text("1"));
  put_tlv(inner, 0xDF2F, text("future"));
  put_tlv(inner, 0xDF24, text("20000101"));
  put_tlv(inner, 0xDF23, text("A"));
  put_tlv(inner, 0xDF22, text("B"));
  Bytes f{0xFF, 0x20, static_cast<std::uint8_t>(inner.size())};
  f.insert(f.end(), inner.begin(), inner.end());
  auto r = parse_basic_four(f);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->name, "B");
}

TEST(KenmenParse, LongAddressUsesTwoByteLength) {
  Items it;
  it.address = std::string(50, 'X') +
               "東京都千代田区霞が関１丁目２番３号　試験マンション１０１号室" +
               std::string(40, 'Y');
  auto r = parse_basic_four(file(it));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->address, it.address);
}

void expect_invalid(const Bytes& f, std::string_view fragment) {
  auto r = parse_basic_four(f);
  ASSERT_FALSE(r) << "expected an error containing " << fragment;
  EXPECT_EQ(r.error().code, Errc::card_data_invalid);
  EXPECT_NE(r.error().message.find(fragment), std::string::npos)
      << fragment << " vs " << r.error().message;
}

TEST(KenmenParse, EachDefectHasItsOwnError) {
  expect_invalid(Bytes(64, 0xFF), "no FF 20");
  expect_invalid(Bytes{}, "no FF 20");
  expect_invalid(Bytes{0xFF, 0x20, 0x7F, 0xDF, 0x22}, "announced");
  expect_invalid(Bytes{0xFF, 0x20, 0x80, 0xDF, 0x22, 0x01, 0x41, 0x00, 0x00}, "indefinite length");
  expect_invalid(Bytes{0xFF, 0x20, 0x84, 0, 0, 0, 1}, "malformed TLV header");
  expect_invalid(Bytes{0xFF, 0x20}, "malformed TLV header");
  Items bad_date;
  bad_date.birth = "19810229";
  expect_invalid(file(bad_date), "calendar date");
  Items short_date;
  short_date.birth = "1980022";
  expect_invalid(file(short_date), "8 digits");
  Items bad_sex;
  bad_sex.sex = "3";
  expect_invalid(file(bad_sex), "ISO 5218");
  Items bad_utf8;
  bad_utf8.name = std::string("\xE8\xA9", 2);
  expect_invalid(file(bad_utf8), "UTF-8");
  Items control;
  control.name = "A\nB";
  expect_invalid(file(control), "UTF-8");

  Bytes missing;
  put_tlv(missing, 0xDF22, text("N"));
  put_tlv(missing, 0xDF24, text("20000101"));
  put_tlv(missing, 0xDF25, text("1"));
  Bytes f{0xFF, 0x20, static_cast<std::uint8_t>(missing.size())};
  f.insert(f.end(), missing.begin(), missing.end());
  expect_invalid(f, "address (DF23) missing");

  Bytes twice;
  put_tlv(twice, 0xDF22, text("N"));
  put_tlv(twice, 0xDF22, text("M"));
  Bytes g{0xFF, 0x20, static_cast<std::uint8_t>(twice.size())};
  g.insert(g.end(), twice.begin(), twice.end());
  expect_invalid(g, "appears twice");

  Bytes overrun{0xFF, 0x20, 0x05, 0xDF, 0x22, 0x09, 'a', 'b'};
  expect_invalid(overrun, "announced");
}

TEST(KenmenRead, VerifiesThenReadsOnlyEf0002) {
  FakeApi api;
  auto ctx = std::make_shared<Context>(Context::establish(api).value());
  CardOptions o;
  o.share = ShareMode::exclusive;
  Card card = Card::connect(ctx, "Fake Reader 00 00", o).value();
  const Bytes f = file({}, {}, 300);
  auto ok = [&](Bytes b) { api.replies.push_back({SCARD_S_SUCCESS, std::move(b)}); };
  ok({0x90, 0x00});  // SELECT AP
  ok({0x90, 0x00});  // SELECT EF 0011
  ok({0x63, 0xC3});
  ok({0x90, 0x00});  // VERIFY
  ok({0x90, 0x00});  // SELECT EF 0002
  Bytes chunk(f.begin(), f.begin() + 256);
  chunk.push_back(0x90);
  chunk.push_back(0x00);
  ok(chunk);
  SecretBytes pin(Bytes{'1', '2', '3', '4'});
  auto r = read_basic_four(card, pin, {});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(pin.empty()) << "the PIN is wiped";
  EXPECT_EQ(r->birth_date, "19800229");
  ASSERT_EQ(api.sent.size(), 6u) << "the whole TLV fits in the first 256 bytes";
  EXPECT_EQ(api.sent[4], (Bytes{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02}));
  for (const auto& apdu : api.sent) {
    EXPECT_NE(apdu, (Bytes{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01})) << "never the My Number EF";
  }
}

}  // namespace
}  // namespace onshi::pcsc::kenmen

namespace onshi::pcsc::kenmen {
namespace {

// Short strings live inside the string object: a defaulted move would leave the birth date and
// sex readable in the moved-from object. The move wipes the source.
TEST(KenmenBasicFour, MoveLeavesNothingBehind) {
  BasicFour a;
  a.name = "N";
  a.birth_date = "19800229";
  a.sex = "2";
  BasicFour b(std::move(a));
  EXPECT_EQ(b.birth_date, "19800229");
  EXPECT_TRUE(a.name.empty() && a.birth_date.empty() && a.sex.empty());  // NOLINT: checked on purpose
  BasicFour c;
  c = std::move(b);
  EXPECT_EQ(c.sex, "2");
  EXPECT_TRUE(b.birth_date.empty());  // NOLINT
}

}  // namespace
}  // namespace onshi::pcsc::kenmen
