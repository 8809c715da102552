// A PC/SC reader whose card answers are the fuzzer's input, split into chunks of
// uint16 big-endian length + bytes (OpenSC's fuzz-reader model). Shared by the fuzz targets that
// drive onshi::pcsc card code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

#include "onshi/pcsc/card.hpp"

namespace onshi::fuzz {

class ScriptedReader final : public pcsc::PcscApi {
 public:
  std::deque<onshi::Bytes> answers;
  LONG establish_context(DWORD, SCARDCONTEXT* c) override {
    *c = 1;
    return SCARD_S_SUCCESS;
  }
  LONG release_context(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG is_valid_context(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG list_readers(SCARDCONTEXT, char*, DWORD*) override { return SCARD_E_NO_READERS_AVAILABLE; }
  LONG get_status_change(SCARDCONTEXT, DWORD, SCARD_READERSTATE*, DWORD) override {
    return SCARD_E_TIMEOUT;
  }
  LONG cancel(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG connect(SCARDCONTEXT, const char*, DWORD, DWORD, SCARDHANDLE* h, DWORD* p) override {
    *h = 1;
    *p = SCARD_PROTOCOL_T1;
    return SCARD_S_SUCCESS;
  }
  LONG reconnect(SCARDHANDLE, DWORD, DWORD, DWORD, DWORD* p) override {
    *p = SCARD_PROTOCOL_T1;
    return SCARD_S_SUCCESS;
  }
  LONG disconnect(SCARDHANDLE, DWORD) override { return SCARD_S_SUCCESS; }
  LONG begin_transaction(SCARDHANDLE) override { return SCARD_S_SUCCESS; }
  LONG end_transaction(SCARDHANDLE, DWORD) override { return SCARD_S_SUCCESS; }
  // An error ends the removal check after an empty answer at once (no sleeping while fuzzing).
  LONG status(SCARDHANDLE, char*, DWORD*, DWORD*, DWORD*, BYTE*, DWORD*) override {
    return SCARD_F_INTERNAL_ERROR;
  }
  LONG transmit(SCARDHANDLE, DWORD, const BYTE*, DWORD, BYTE* out, DWORD* out_length) override {
    if (answers.empty()) return SCARD_W_REMOVED_CARD;
    onshi::Bytes a = std::move(answers.front());
    answers.pop_front();
    if (a.size() > *out_length) return SCARD_E_INSUFFICIENT_BUFFER;
    std::copy(a.begin(), a.end(), out);
    *out_length = static_cast<DWORD>(a.size());
    return SCARD_S_SUCCESS;
  }
  LONG control(SCARDHANDLE, DWORD, const void*, DWORD, void*, DWORD, DWORD*) override {
    return SCARD_E_UNSUPPORTED_FEATURE;
  }
  LONG get_attrib(SCARDHANDLE, DWORD, BYTE*, DWORD*) override {
    return SCARD_E_UNSUPPORTED_FEATURE;
  }
};

// Fills `reader` with the chunks of `data` and connects a card through it.
inline Result<pcsc::Card> connect_scripted(ScriptedReader& reader, const std::uint8_t* data,
                                           std::size_t size, pcsc::CardOptions options = {}) {
  reader.answers.clear();
  for (std::size_t i = 0; i + 2 <= size;) {
    const std::size_t n = (std::size_t{data[i]} << 8) | data[i + 1];
    i += 2;
    const std::size_t take = n < size - i ? n : size - i;
    reader.answers.emplace_back(data + i, data + i + take);
    i += take;
  }
  auto context = pcsc::Context::establish(reader);
  return pcsc::Card::connect(std::make_shared<pcsc::Context>(std::move(context).value()), "fuzz",
                             options);
}

}  // namespace onshi::fuzz
