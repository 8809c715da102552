// onshictl card …: what a technician needs at the reception desk — which card is in the reader,
// its certificate and PIN counters (without spending a try), a PIN check, a test signature, and
// the certificate itself.
#pragma once

#include <optional>
#include <string>

namespace onshi::ctl {

struct CardCommandOptions {
  std::optional<std::string>
      reader;  // name, identity or index; default: the one reader with a card
  bool json = false;
  bool direct = false;                // skip onshid even when it answers
  std::optional<std::string> socket;  // onshid's API socket
  std::string config_path = "/etc/onshi/onshi.toml";
  bool use_last_try = false;  // spend the last PIN try (a person decided so)
  // Where the PIN is typed: auto (the reader's pad when it has one and the PIN is digits, else
  // the terminal), pad (secure PIN entry or an error), host (the terminal or stdin).
  std::string pin_entry = "auto";
};

int card_info(const CardCommandOptions& o);
// which: auth | sign | kenmen
int card_verify_pin(const CardCommandOptions& o, const std::string& which);
// key: auth | sign; in: message file (default: a random 32-byte challenge); out: raw signature
int card_sign(const CardCommandOptions& o, const std::string& key,
              const std::optional<std::string>& in, const std::optional<std::string>& out);
// HPKI (cards-and-readers.md §2): app: signature | authentication; the SHA-256 given as hex, or
// the hash of a file.
int card_sign_hpki(const CardCommandOptions& o, const std::string& app,
                   const std::optional<std::string>& digest_hex,
                   const std::optional<std::string>& in, const std::optional<std::string>& out);
// which: auth | auth-ca | sign-ca; PEM to stdout or DER to `out`
int card_certificate(const CardCommandOptions& o, const std::string& which,
                     const std::optional<std::string>& out);

}  // namespace onshi::ctl
