// The seam between onshi and the platform's PC/SC library (libfido2's io-vtable model): the
// production implementation forwards to pcsc-lite (WinSCard on Windows); tests substitute
// fakes that inject the failures real daemons produce (cards-and-readers.md §4.2).
#pragma once

#include <winscard.h>

#include <cstdint>

namespace onshi::pcsc {

class PcscApi {
 public:
  virtual ~PcscApi() = default;

  virtual LONG establish_context(DWORD scope, SCARDCONTEXT* context) = 0;
  virtual LONG release_context(SCARDCONTEXT context) = 0;
  virtual LONG is_valid_context(SCARDCONTEXT context) = 0;
  // `readers` may be null to ask for the length; `*length` in characters, including the final NUL.
  virtual LONG list_readers(SCARDCONTEXT context, char* readers, DWORD* length) = 0;
  virtual LONG get_status_change(SCARDCONTEXT context, DWORD timeout_ms,
                                 SCARD_READERSTATE* states, DWORD count) = 0;
  virtual LONG cancel(SCARDCONTEXT context) = 0;
  virtual LONG connect(SCARDCONTEXT context, const char* reader, DWORD share_mode,
                       DWORD preferred_protocols, SCARDHANDLE* card, DWORD* active_protocol) = 0;
  virtual LONG reconnect(SCARDHANDLE card, DWORD share_mode, DWORD preferred_protocols,
                         DWORD initialization, DWORD* active_protocol) = 0;
  virtual LONG disconnect(SCARDHANDLE card, DWORD disposition) = 0;
  virtual LONG begin_transaction(SCARDHANDLE card) = 0;
  virtual LONG end_transaction(SCARDHANDLE card, DWORD disposition) = 0;
  virtual LONG status(SCARDHANDLE card, char* reader_name, DWORD* reader_length, DWORD* state,
                      DWORD* protocol, BYTE* atr, DWORD* atr_length) = 0;
  virtual LONG transmit(SCARDHANDLE card, DWORD protocol, const BYTE* send, DWORD send_length,
                        BYTE* receive, DWORD* receive_length) = 0;
  virtual LONG control(SCARDHANDLE card, DWORD control_code, const void* in, DWORD in_length,
                       void* out, DWORD out_length, DWORD* returned) = 0;
  virtual LONG get_attrib(SCARDHANDLE card, DWORD attribute, BYTE* value, DWORD* length) = 0;
};

// The platform PC/SC library. Thread-safe, lives for the whole program.
PcscApi& system_api();

}  // namespace onshi::pcsc
