#include "onshi/pcsc/part10.hpp"

#include <gtest/gtest.h>

namespace onshi::pcsc {
namespace {

// As libccid answers for a pin-pad reader (test-rigs.md §5): VERIFY_PIN_DIRECT 0x42330006 ...
TEST(FeatureList, ParsesTagsAndBigEndianCodes) {
  const Bytes raw{0x06, 0x04, 0x42, 0x33, 0x00, 0x06, 0x12, 0x04, 0x42, 0x33, 0x00, 0x12};
  auto m = parse_feature_list(raw);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at(0x06), 0x42330006u);
  EXPECT_EQ(m->at(0x12), 0x42330012u);
  EXPECT_TRUE(parse_feature_list({})->empty());
}

TEST(FeatureList, RejectsWrongLengthsAndTruncation) {
  EXPECT_EQ(parse_feature_list(Bytes{0x06, 0x03, 0, 0, 0}).error().code, Errc::apdu_malformed_response);
  EXPECT_NE(parse_feature_list(Bytes{0x06, 0x04, 0x42}).error().message.find("truncated"), std::string::npos);
  EXPECT_FALSE(parse_feature_list(Bytes{0x06}));
}

TEST(TlvProperties, ParsesLittleEndianValues) {
  const Bytes raw{0x01, 0x02, 0x10, 0x02,               // wLcdLayout 0x0210
                  0x0A, 0x04, 0x00, 0x01, 0x00, 0x00,   // dwMaxAPDUDataSize 256
                  0x0B, 0x02, 0x6A, 0x04,               // wIdVendor 0x046A
                  0x0C, 0x02, 0x72, 0x00,               // wIdProduct 0x0072
                  0x08, 0x03, 'a', 'b', 'c'};           // sFirmwareID, skipped
  auto p = parse_tlv_properties(raw);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->lcd_layout, 0x0210);
  EXPECT_EQ(p->max_apdu_data_size, 256u);
  EXPECT_EQ(p->vendor_id, 0x046A);
  EXPECT_EQ(p->product_id, 0x0072);
  EXPECT_FALSE(p->min_pin_size);
}

TEST(TlvProperties, RejectsWrongSizesAndTruncation) {
  EXPECT_NE(parse_tlv_properties(Bytes{0x0B, 0x01, 0x6A}).error().message.find("expected 2"), std::string::npos);
  EXPECT_NE(parse_tlv_properties(Bytes{0x0B, 0x02, 0x6A}).error().message.find("truncated"), std::string::npos);
  EXPECT_FALSE(parse_tlv_properties(Bytes{0x0B}));
}

}  // namespace
}  // namespace onshi::pcsc
