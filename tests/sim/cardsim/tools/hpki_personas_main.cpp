// onshi-hpki-personas: writes an HPKI test PKI (root, signature and authentication CAs,
// end-entity certificates and keys), HPKI card personas for onshi-cardsim and the HPKI
// manifest. Test material only.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "onshi/sim/hpki_test_pki.hpp"
#include "onshi/sim/jpki_test_pki.hpp"

int main(int argc, char** argv) {
  CLI::App app{"onshi-hpki-personas: test HPKI certificates, keys and HPKI card personas"};
  std::string out;
  app.add_option("--out", out, "directory to write into (created if missing)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return 2;
  }
  auto generated =
      onshi::sim::testpki::generate_hpki_personas(out, onshi::sim::testpki::today_jst());
  if (!generated) {
    fmt::print(stderr, "onshi-hpki-personas: {}\n", generated.error().to_string());
    return 1;
  }
  for (const auto& p : generated->personas) {
    fmt::print("{}  {}  {}  role \"{}\"\n", p.name, onshi::sim::hpki::profile(p.profile).name,
               p.persona_file.string(), p.role);
  }
  fmt::print("manifest  {}\n", generated->manifest.string());
  return 0;
}
