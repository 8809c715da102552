#include "onshi/pcsc/reader_scan.hpp"

#include "onshi/pcsc/pcsc_error.hpp"

namespace onshi::pcsc {

Result<std::vector<ReaderInfo>> scan_readers(const std::shared_ptr<Context>& context) {
  ONSHI_TRY_ASSIGN(std::vector<std::string> names, context->list_readers());
  std::vector<ReaderInfo> out;
  if (names.empty()) return out;

  std::vector<SCARD_READERSTATE> states(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    states[i].szReader = names[i].c_str();
    states[i].dwCurrentState = SCARD_STATE_UNAWARE;  // answer at once with the current state
  }
  const LONG rv = context->api().get_status_change(context->handle(), 0, states.data(),
                                                   static_cast<DWORD>(states.size()));
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return pcsc_error(rv, "SCardGetStatusChange");

  for (std::size_t i = 0; i < names.size(); ++i) {
    auto identity = query_reader_identity(context, names[i]);
    if (!identity) {
      if (identity.error().code == Errc::pcsc_unknown_reader) continue;  // unplugged meanwhile
      return std::move(identity).error();
    }
    ReaderInfo info;
    info.identity = std::move(identity).value();
    apply_reader_state(info, states[i]);
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace onshi::pcsc
