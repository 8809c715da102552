// A one-shot look at every reader and its card, for tools (onshictl readers) that do not keep a
// monitor running.
#pragma once

#include <memory>
#include <vector>

#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/reader_monitor.hpp"

namespace onshi::pcsc {

Result<std::vector<ReaderInfo>> scan_readers(const std::shared_ptr<Context>& context);

}  // namespace onshi::pcsc
