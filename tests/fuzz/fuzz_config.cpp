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
  if (config.face_reader.vid.has_value() != config.face_reader.pid.has_value()) std::abort();
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
