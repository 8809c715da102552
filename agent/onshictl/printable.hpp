// Text from outside (certificate names, ledger files from a share, error messages quoting them)
// on its way to a technician's terminal: nothing in it may move the cursor, recolour the screen or
// reorder what follows.
#pragma once

#include <string>
#include <string_view>

namespace onshi::ctl {

// `text` with every C0 control, DEL, C1 control, bidirectional override or isolate (U+202A-202E,
// U+2066-2069) and every byte that is not valid UTF-8 replaced by '?'.
std::string printable(std::string_view text);

}  // namespace onshi::ctl
