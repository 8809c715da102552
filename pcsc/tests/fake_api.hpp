// A scripted PC/SC library for unit tests (libfido2's fuzz/pcsc.c model): each transmit pops the
// next scripted answer, and any call can be told to fail with the codes real daemons return.
#pragma once

#include <gmock/gmock.h>

#include <deque>
#include <string>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/api.hpp"

namespace onshi::pcsc::testing {

struct ScriptedReply {
  LONG rv = SCARD_S_SUCCESS;
  Bytes response;
};

class FakeApi : public PcscApi {
 public:
  // Establish / list
  LONG establish_rv = SCARD_S_SUCCESS;
  int establish_calls = 0;
  int release_calls = 0;
  std::vector<std::string> readers{"Fake Reader 00 00"};
  LONG list_rv = SCARD_S_SUCCESS;
  // Card
  LONG connect_rv = SCARD_S_SUCCESS;
  DWORD active_protocol = SCARD_PROTOCOL_T1;
  std::deque<ScriptedReply> replies;
  std::vector<Bytes> sent;
  int reconnect_calls = 0;
  DWORD last_reconnect_init = 0;
  int disconnect_calls = 0;
  DWORD last_disconnect = 0;

  LONG establish_context(DWORD, SCARDCONTEXT* context) override {
    ++establish_calls;
    *context = static_cast<SCARDCONTEXT>(100 + establish_calls);
    return establish_rv;
  }
  LONG release_context(SCARDCONTEXT) override {
    ++release_calls;
    return SCARD_S_SUCCESS;
  }
  LONG is_valid_context(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG list_readers(SCARDCONTEXT, char* out, DWORD* length) override {
    if (list_rv != SCARD_S_SUCCESS) return list_rv;
    std::string multi;
    for (const auto& r : readers) multi += r + '\0';
    multi += '\0';
    if (readers.empty()) return SCARD_E_NO_READERS_AVAILABLE;
    if (out == nullptr) {
      *length = static_cast<DWORD>(multi.size());
      return SCARD_S_SUCCESS;
    }
    if (*length < multi.size()) return SCARD_E_INSUFFICIENT_BUFFER;
    std::copy(multi.begin(), multi.end(), out);
    *length = static_cast<DWORD>(multi.size());
    return SCARD_S_SUCCESS;
  }
  LONG get_status_change(SCARDCONTEXT, DWORD, SCARD_READERSTATE*, DWORD) override {
    return SCARD_E_TIMEOUT;
  }
  LONG cancel(SCARDCONTEXT) override { return SCARD_S_SUCCESS; }
  LONG connect(SCARDCONTEXT, const char*, DWORD, DWORD, SCARDHANDLE* card, DWORD* active) override {
    *card = 7;
    *active = active_protocol;
    return connect_rv;
  }
  LONG reconnect(SCARDHANDLE, DWORD, DWORD, DWORD init, DWORD* active) override {
    ++reconnect_calls;
    last_reconnect_init = init;
    *active = active_protocol;
    return SCARD_S_SUCCESS;
  }
  LONG disconnect(SCARDHANDLE, DWORD disposition) override {
    ++disconnect_calls;
    last_disconnect = disposition;
    return SCARD_S_SUCCESS;
  }
  LONG begin_transaction(SCARDHANDLE) override { return SCARD_S_SUCCESS; }
  LONG end_transaction(SCARDHANDLE, DWORD) override { return SCARD_S_SUCCESS; }
  LONG status_rv = SCARD_S_SUCCESS;
  DWORD status_state = SCARD_PRESENT;
  int status_calls = 0;
  LONG status(SCARDHANDLE, char*, DWORD*, DWORD* state, DWORD*, BYTE*, DWORD* atr_length) override {
    ++status_calls;
    *state = status_state;
    *atr_length = 0;
    return status_rv;
  }
  LONG transmit(SCARDHANDLE, DWORD, const BYTE* send, DWORD send_length, BYTE* receive,
                DWORD* receive_length) override {
    sent.emplace_back(send, send + send_length);
    if (replies.empty()) return SCARD_F_INTERNAL_ERROR;
    ScriptedReply r = replies.front();
    replies.pop_front();
    if (r.rv != SCARD_S_SUCCESS) return r.rv;
    if (r.response.size() > *receive_length) return SCARD_E_INSUFFICIENT_BUFFER;
    std::copy(r.response.begin(), r.response.end(), receive);
    *receive_length = static_cast<DWORD>(r.response.size());
    return SCARD_S_SUCCESS;
  }
  // SCardControl: each call takes the next scripted reply (none left: unsupported).
  std::deque<ScriptedReply> control_replies;
  std::vector<std::pair<DWORD, Bytes>> controls_sent;
  LONG control(SCARDHANDLE, DWORD code, const void* in, DWORD in_length, void* out,
               DWORD out_length, DWORD* returned) override {
    const auto* bytes = static_cast<const std::uint8_t*>(in);
    controls_sent.emplace_back(code, Bytes(bytes, bytes + in_length));
    if (control_replies.empty()) return SCARD_E_UNSUPPORTED_FEATURE;
    ScriptedReply r = std::move(control_replies.front());
    control_replies.pop_front();
    if (r.rv != SCARD_S_SUCCESS) return r.rv;
    if (r.response.size() > out_length) return SCARD_E_INSUFFICIENT_BUFFER;
    std::copy(r.response.begin(), r.response.end(), static_cast<std::uint8_t*>(out));
    *returned = static_cast<DWORD>(r.response.size());
    return SCARD_S_SUCCESS;
  }
  LONG get_attrib(SCARDHANDLE, DWORD, BYTE*, DWORD*) override {
    return SCARD_E_UNSUPPORTED_FEATURE;
  }
};

}  // namespace onshi::pcsc::testing
