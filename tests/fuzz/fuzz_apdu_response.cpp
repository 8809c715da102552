// Card responses are untrusted. Two layers: ResponseApdu::parse and the status-word table on the
// raw input, then the whole Card::transmit path (GET RESPONSE / 6Cxx handling) fed by a scripted
// reader whose answers are the input split into length-prefixed chunks (OpenSC's fuzz-reader
// model).
#include <cstddef>
#include <cstdint>
#include <deque>

#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/status_word.hpp"

namespace {

class ScriptedReader final : public onshi::pcsc::PcscApi {
 public:
  std::deque<onshi::Bytes> answers;
  LONG establish_context(DWORD, SCARDCONTEXT* c) override { *c = 1; return SCARD_S_SUCCESS; }
  LONG release_context(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG is_valid_context(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG list_readers(SCARDCONTEXT, char*, DWORD*) override { return SCARD_E_NO_READERS_AVAILABLE; }
  LONG get_status_change(SCARDCONTEXT, DWORD, SCARD_READERSTATE*, DWORD) override { return SCARD_E_TIMEOUT; }
  LONG cancel(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG connect(SCARDCONTEXT, const char*, DWORD, DWORD, SCARDHANDLE* h, DWORD* p) override {
    *h = 1;
    *p = SCARD_PROTOCOL_T1;
    return SCARD_S_SUCCESS;
  }
  LONG reconnect(SCARDHANDLE, DWORD, DWORD, DWORD, DWORD* p) override { *p = SCARD_PROTOCOL_T1; return SCARD_S_SUCCESS; }
  LONG disconnect(SCARDHANDLE, DWORD) override { return SCARD_S_SUCCESS; }
  LONG begin_transaction(SCARDHANDLE) override { return SCARD_S_SUCCESS; }
  LONG end_transaction(SCARDHANDLE, DWORD) override { return SCARD_S_SUCCESS; }
  // An error ends the removal check after an empty answer at once (no sleeping while fuzzing).
  LONG status(SCARDHANDLE, char*, DWORD*, DWORD*, DWORD*, BYTE*, DWORD*) override { return SCARD_F_INTERNAL_ERROR; }
  LONG transmit(SCARDHANDLE, DWORD, const BYTE*, DWORD, BYTE* out, DWORD* out_length) override {
    if (answers.empty()) return SCARD_W_REMOVED_CARD;
    onshi::Bytes a = std::move(answers.front());
    answers.pop_front();
    if (a.size() > *out_length) return SCARD_E_INSUFFICIENT_BUFFER;
    std::copy(a.begin(), a.end(), out);
    *out_length = static_cast<DWORD>(a.size());
    return SCARD_S_SUCCESS;
  }
  LONG control(SCARDHANDLE, DWORD, const void*, DWORD, void*, DWORD, DWORD*) override { return SCARD_E_UNSUPPORTED_FEATURE; }
  LONG get_attrib(SCARDHANDLE, DWORD, BYTE*, DWORD*) override { return SCARD_E_UNSUPPORTED_FEATURE; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const onshi::ByteView input(data, size);
  if (auto r = onshi::pcsc::ResponseApdu::parse(input)) {
    (void)onshi::pcsc::describe_sw(r->sw());
    (void)onshi::pcsc::sw_error(r->sw(), "fuzz");
  }

  static ScriptedReader reader;
  reader.answers.clear();
  for (std::size_t i = 0; i + 2 <= size;) {  // chunks: uint16 big-endian length, then bytes
    const std::size_t n = (std::size_t{data[i]} << 8) | data[i + 1];
    i += 2;
    const std::size_t take = n < size - i ? n : size - i;
    reader.answers.emplace_back(data + i, data + i + take);
    i += take;
  }
  auto context = onshi::pcsc::Context::establish(reader);
  auto card = onshi::pcsc::Card::connect(std::make_shared<onshi::pcsc::Context>(std::move(context).value()), "fuzz");
  if (card) (void)card->transmit({0x00, 0xB0, 0x00, 0x00, {}, 256});
  return 0;
}
