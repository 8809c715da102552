#include "onshi/pcsc/pcsc_error.hpp"

#include <gtest/gtest.h>

namespace onshi::pcsc {
namespace {

TEST(PcscError, MapsCodesToOnshiErrors) {
  EXPECT_EQ(pcsc_error(SCARD_E_NO_SERVICE, "x").code, Errc::pcsc_no_service);
  EXPECT_EQ(pcsc_error(SCARD_E_SERVICE_STOPPED, "x").code, Errc::pcsc_service_mismatch);
  EXPECT_EQ(pcsc_error(SCARD_W_REMOVED_CARD, "x").code, Errc::card_removed);
  EXPECT_EQ(pcsc_error(SCARD_W_RESET_CARD, "x").code, Errc::card_reset);
  EXPECT_EQ(pcsc_error(SCARD_E_SHARING_VIOLATION, "x").code, Errc::pcsc_sharing_violation);
  EXPECT_EQ(pcsc_error(SCARD_W_SECURITY_VIOLATION, "x").code, Errc::pcsc_access_denied);
  EXPECT_EQ(pcsc_error(0x12345, "x").code, Errc::pcsc_failure);
}

TEST(PcscError, MessageNamesCallAndCode) {
  const Error e = pcsc_error(SCARD_W_REMOVED_CARD, "SCardTransmit on \"R 00 00\"");
  EXPECT_EQ(e.message, "SCardTransmit on \"R 00 00\" failed: SCARD_W_REMOVED_CARD");
  EXPECT_EQ(e.native, 0x80100069);
  EXPECT_EQ(pcsc_code_name(0x12345), "SCARD_?");
}

TEST(PcscError, LostContextCodes) {
  EXPECT_TRUE(context_is_lost(SCARD_E_NO_SERVICE));
  EXPECT_TRUE(context_is_lost(SCARD_F_COMM_ERROR));
  EXPECT_TRUE(context_is_lost(SCARD_E_INVALID_HANDLE));
  // pcsc-lite: a protocol mismatch, which a new context does not cure (cards-and-readers.md §4.2).
  EXPECT_FALSE(context_is_lost(SCARD_E_SERVICE_STOPPED));
  EXPECT_FALSE(context_is_lost(SCARD_W_REMOVED_CARD));
}

}  // namespace
}  // namespace onshi::pcsc
