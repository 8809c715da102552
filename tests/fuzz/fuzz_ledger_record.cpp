// Ledger records come from a share other machines write: whatever a file holds, parse_record must
// answer with a Record or an Error, never crash, hang or leak. A parsed record must survive a
// write and a read unchanged, and assessing it on any day must not fail either.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "onshi/ledger/assessment.hpp"
#include "onshi/ledger/record_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto record = onshi::ledger::parse_record(text);
  if (!record) {
    if (record.error().message.empty() || record.error().code != onshi::Errc::ledger_invalid) {
      std::abort();
    }
    return 0;
  }
  const std::string written = onshi::ledger::serialize_record(*record);
  auto again = onshi::ledger::parse_record(written);
  if (!again || onshi::ledger::serialize_record(*again) != written) std::abort();
  using namespace std::chrono;
  for (const auto day :
       {sys_days{2026y / 12 / 2}, sys_days{2099y / 12 / 31}, sys_days{1999y / 1 / 1}}) {
    const auto a = onshi::ledger::assess(*record, sys_seconds(day));
    if (a.next_action.empty()) std::abort();
    (void)onshi::ledger::assess_terminal({*record}, record->institution, record->terminal_name,
                                         sys_seconds(day));
  }
  return 0;
}
