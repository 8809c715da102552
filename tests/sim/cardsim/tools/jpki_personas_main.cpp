// onshi-jpki-personas: writes a test JPKI PKI (roots, auth/sign certificates and keys) and My
// Number personas for onshi-cardsim, plus the persona manifest. Test material only.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "onshi/sim/jpki_test_pki.hpp"

int main(int argc, char** argv) {
  CLI::App app{"onshi-jpki-personas: test JPKI certificates, keys and My Number personas"};
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
      onshi::sim::testpki::generate_jpki_personas(out, onshi::sim::testpki::today_jst());
  if (!generated) {
    fmt::print(stderr, "onshi-jpki-personas: {}\n", generated.error().to_string());
    return 1;
  }
  for (const auto& p : generated->personas) {
    fmt::print("{}  {}  auth cert SHA-256 {}\n", p.name, p.persona_file.string(),
               p.auth_cert_sha256);
  }
  fmt::print("manifest  {}\n", generated->manifest.string());
  return 0;
}
