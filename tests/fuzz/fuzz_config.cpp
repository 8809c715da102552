// The configuration file is operator-written text: whatever it holds, parse_config must answer with
// a Config or an Error, never crash, hang or leak. Successful parses are also checked against the
// guarantees later code relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "onshi/check_digit.hpp"
#include "onshi/config/config.hpp"

namespace {

void check_invariants(const onshi::config::Config& config) {
  if (config.terminal_name.empty() || config.institutions.empty()) std::abort();
  if (!config.state_dir.is_absolute() || !config.api.socket.is_absolute()) std::abort();
  for (const auto& institution : config.institutions) {
    if (onshi::institution_code_problem(institution.code)) std::abort();
  }
  if (config.readers.allow_virtual && !config.test_mode) std::abort();
  if (config.upstream.configured() && !config.test_mode && config.upstream.pins.size() < 2)
    std::abort();
  for (const auto& face_reader : config.face_readers) {
    if (face_reader.vid.has_value() != face_reader.pid.has_value()) std::abort();
    // Several readers are told apart by serial: each has one, and no two are the same.
    if (config.face_readers.size() > 1 && !face_reader.serial) std::abort();
    if (config.institutions.size() > 1 && !face_reader.institution) std::abort();
    if (face_reader.institution && config.institution(*face_reader.institution) == nullptr)
      std::abort();
  }
  if (config.ledger.lock_wait >= config.ledger.lock_stale_after) std::abort();
  if (!config.ledger_directory().is_absolute()) std::abort();
  for (const auto& [digit, label] : config.ledger.categories) {
    if (digit < '0' || digit > '9' || label.empty()) std::abort();
  }
  for (std::size_t i = 0; i < config.face_readers.size(); ++i) {
    for (std::size_t j = i + 1; j < config.face_readers.size(); ++j) {
      if (config.face_readers[i].serial &&
          config.face_readers[i].serial == config.face_readers[j].serial)
        std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = onshi::config::parse_config(text, "fuzz.toml");
  if (result) {
    check_invariants(*result);
  } else if (result.error().message.empty()) {
    std::abort();
  }
  return 0;
}
