// The contents of the HPKI applications' ISO 7816-15 EFs that the emulator writes itself
// (JAHIS profile, cards-and-readers.md §2.1 Table B.1). Internal header.
#pragma once

#include "onshi/bytes.hpp"

namespace onshi::sim::hpki {

// EF.CIAInfo: a minimal ISO 7816-15 CIAInfo, SEQUENCE { version v2, label [0] "HPKI Application"
// (§2.1 p.65), cardflags (none) }. A real card's carries more (serial, manufacturer,
// algorithms); onshi writes only what a host needs to recognise the application.
Bytes cia_info();

// EF.OD: the emulator has no EF.AOD / PrKD / CD (SFI 13–15), so its object directory lists
// nothing: 16 bytes of 00, the padding ISO 7816-15 lets a reader skip.
Bytes object_directory();

}  // namespace onshi::sim::hpki
