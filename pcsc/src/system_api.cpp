#include "onshi/pcsc/api.hpp"

namespace onshi::pcsc {
namespace {

class SystemApi final : public PcscApi {
 public:
  LONG establish_context(DWORD scope, SCARDCONTEXT* context) override {
    return SCardEstablishContext(scope, nullptr, nullptr, context);
  }
  LONG release_context(SCARDCONTEXT context) override { return SCardReleaseContext(context); }
  LONG is_valid_context(SCARDCONTEXT context) override { return SCardIsValidContext(context); }
  LONG list_readers(SCARDCONTEXT context, char* readers, DWORD* length) override {
    return SCardListReaders(context, nullptr, readers, length);
  }
  LONG get_status_change(SCARDCONTEXT context, DWORD timeout_ms, SCARD_READERSTATE* states,
                         DWORD count) override {
    return SCardGetStatusChange(context, timeout_ms, states, count);
  }
  LONG cancel(SCARDCONTEXT context) override { return SCardCancel(context); }
  LONG connect(SCARDCONTEXT context, const char* reader, DWORD share_mode,
               DWORD preferred_protocols, SCARDHANDLE* card, DWORD* active_protocol) override {
    return SCardConnect(context, reader, share_mode, preferred_protocols, card, active_protocol);
  }
  LONG reconnect(SCARDHANDLE card, DWORD share_mode, DWORD preferred_protocols,
                 DWORD initialization, DWORD* active_protocol) override {
    return SCardReconnect(card, share_mode, preferred_protocols, initialization, active_protocol);
  }
  LONG disconnect(SCARDHANDLE card, DWORD disposition) override {
    return SCardDisconnect(card, disposition);
  }
  LONG begin_transaction(SCARDHANDLE card) override { return SCardBeginTransaction(card); }
  LONG end_transaction(SCARDHANDLE card, DWORD disposition) override {
    return SCardEndTransaction(card, disposition);
  }
  LONG status(SCARDHANDLE card, char* reader_name, DWORD* reader_length, DWORD* state,
              DWORD* protocol, BYTE* atr, DWORD* atr_length) override {
    return SCardStatus(card, reader_name, reader_length, state, protocol, atr, atr_length);
  }
  LONG transmit(SCARDHANDLE card, DWORD protocol, const BYTE* send, DWORD send_length,
                BYTE* receive, DWORD* receive_length) override {
    const SCARD_IO_REQUEST* pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    return SCardTransmit(card, pci, send, send_length, nullptr, receive, receive_length);
  }
  LONG control(SCARDHANDLE card, DWORD control_code, const void* in, DWORD in_length, void* out,
               DWORD out_length, DWORD* returned) override {
    return SCardControl(card, control_code, in, in_length, out, out_length, returned);
  }
  LONG get_attrib(SCARDHANDLE card, DWORD attribute, BYTE* value, DWORD* length) override {
    return SCardGetAttrib(card, attribute, value, length);
  }
};

}  // namespace

PcscApi& system_api() {
  // Never destroyed: a worker finishing a stuck call after its Card is gone (BlockingWorker) may
  // still use it while the process exits.
  static SystemApi* const api = new SystemApi;
  return *api;
}

}  // namespace onshi::pcsc
