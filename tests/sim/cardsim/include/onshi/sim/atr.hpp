// Structural check of an Answer-to-Reset, so a persona cannot hand pcscd an ATR it would misparse.
#pragma once

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::sim {

// ISO 7816-3 §8.2: TS (3B/3F), T0, the interface bytes T0 and each TDi announce, K historical
// bytes, and TCK exactly when a protocol other than T=0 is indicated, with T0..TCK XOR-ing to 0.
// At most 33 bytes. Fails with Errc::invalid_argument and the first problem found.
Status check_atr(ByteView atr);

}  // namespace onshi::sim
