#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "onshi/config/config.hpp"

namespace onshi::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kPinA = "sha256//TSlboofgCZmiD2oXoHVH5qI5UlO6uIJCwiwUxOg07JY=";
constexpr const char* kPinB = "sha256//w67n7hCaWlKKmBBAMkWBy9V6q+4HPIOPQh/4UHs0dts=";

// Four lines; whatever a test appends starts on line 5.
constexpr const char* kMinimal =
    "terminal_name = \"受付1号機\"\n"
    "[[institutions]]\n"
    "code = \"0110113719\"\n"
    "name = \"テスト医院\"\n";

// TOML puts top-level keys before the first table, so they go in front of kMinimal.
std::string doc(std::string_view top_level, std::string_view tables = "") {
  return std::string(top_level) + kMinimal + std::string(tables);
}

Config parsed(const std::string& text) {
  auto result = parse_config(text, "test.toml");
  EXPECT_TRUE(result) << result.error().to_string();
  return result ? std::move(result).value() : Config{};
}

Error error_of(const std::string& text) {
  auto result = parse_config(text, "test.toml");
  EXPECT_FALSE(result) << "parsed although it should not have:\n" << text;
  return result ? Error{} : std::move(result).error();
}

// config_invalid with exactly this message.
void expect_invalid(const std::string& text, const std::string& message) {
  const Error e = error_of(text);
  EXPECT_EQ(e.code, Errc::config_invalid) << e.to_string();
  EXPECT_EQ(e.message, message);
}

// ---- defaults ----------------------------------------------------------------------------------

void expect_defaults(const Config& c) {
  EXPECT_EQ(c.state_dir, "/var/lib/onshi");
  EXPECT_FALSE(c.test_mode);
  EXPECT_EQ(c.api.socket, "/run/onshi/api.sock");
  EXPECT_EQ(c.api.socket_group, "onshi");
  EXPECT_TRUE(c.api.allowed_users.empty());
  EXPECT_THAT(c.api.allowed_groups, ElementsAre("onshi"));
  EXPECT_FALSE(c.upstream.configured());
  EXPECT_FALSE(c.upstream.url);
  EXPECT_TRUE(c.upstream.pins.empty());
  EXPECT_FALSE(c.upstream.proxy);
  EXPECT_EQ(c.upstream.connect_timeout, 10000ms);
  EXPECT_EQ(c.upstream.request_timeout, 30000ms);
  EXPECT_TRUE(c.readers.include.empty());
  EXPECT_TRUE(c.readers.exclude.empty());
  EXPECT_FALSE(c.readers.allow_virtual);
  for (const auto& face_reader : c.face_readers) {
    EXPECT_FALSE(face_reader.serial);
    EXPECT_FALSE(face_reader.vid);
    EXPECT_FALSE(face_reader.pid);
    EXPECT_FALSE(face_reader.institution);
  }
  EXPECT_EQ(c.log.level, log::Level::info);
}

TEST(ParseConfig, MinimalFileGetsDefaults) {
  const Config c = parsed(kMinimal);
  EXPECT_EQ(c.terminal_name, "受付1号機");
  ASSERT_EQ(c.institutions.size(), 1u);
  EXPECT_EQ(c.institutions[0].code, "0110113719");
  EXPECT_EQ(c.institutions[0].name, "テスト医院");
  EXPECT_TRUE(c.face_readers.empty());
  expect_defaults(c);
}

TEST(ParseConfig, EmptySectionsKeepDefaults) {
  const Config c = parsed(doc("", "[api]\n[upstream]\n[readers]\n[face_reader]\n[log]\n"));
  EXPECT_EQ(c.face_readers.size(), 1u);  // a reader with nothing said about it
  expect_defaults(c);
}

TEST(ParseConfig, ReadsEveryValue) {
  const Config c = parsed(doc("state_dir = \"/srv/onshi\"\ntest_mode = true\n",
                              "[certificates]\n"
                              "ca_file = \"/etc/onshi/ca.pem\"\n"
                              "crl_file = \"/etc/onshi/ca.crl\"\n"
                              "subject_match = [\"CN=^{code}$\"]\n"
                              "owner = \"onshi-agent\"\n"
                              "[api]\n"
                              "socket = \"/run/x.sock\"\n"
                              "socket_group = \"clinic\"\n"
                              "allowed_users = [\"recept\", \"host$\"]\n"
                              "allowed_groups = []\n"
                              "[upstream]\n"
                              "url = \"https://example.jp:8443/api\"\n"
                              "pins = [\"" +
                                  std::string(kPinA) +
                                  "\"]\n"
                                  "proxy = \"http://proxy.example.jp:8080\"\n"
                                  "connect_timeout_ms = 100\n"
                                  "request_timeout_ms = 300000\n"
                                  "[readers]\n"
                                  "include = [\"PaSoRi\"]\n"
                                  "exclude = [\"Virtual\", \"Other\"]\n"
                                  "allow_virtual = true\n"
                                  "[face_reader]\n"
                                  "serial = \"S1\"\n"
                                  "vid = 0x054C\n"
                                  "pid = 0\n"
                                  "institution = \"0110113719\"\n"
                                  "[log]\n"
                                  "level = \"debug\"\n"));
  EXPECT_EQ(c.state_dir, "/srv/onshi");
  EXPECT_TRUE(c.test_mode);
  EXPECT_EQ(c.certificates.ca_file, std::filesystem::path("/etc/onshi/ca.pem"));
  EXPECT_EQ(c.certificates.crl_file, std::filesystem::path("/etc/onshi/ca.crl"));
  EXPECT_THAT(c.certificates.subject_match, ElementsAre("CN=^{code}$"));
  EXPECT_EQ(c.certificates.owner, "onshi-agent");
  EXPECT_EQ(c.certificate_store(), std::filesystem::path("/srv/onshi/certs"));
  ASSERT_NE(c.institution("0110113719"), nullptr);
  EXPECT_EQ(c.institution("0110113719")->name, "テスト医院");
  EXPECT_EQ(c.institution("2714206386"), nullptr);
  EXPECT_EQ(c.api.socket, "/run/x.sock");
  EXPECT_EQ(c.api.socket_group, "clinic");
  EXPECT_THAT(c.api.allowed_users, ElementsAre("recept", "host$"));
  EXPECT_TRUE(c.api.allowed_groups.empty());
  EXPECT_EQ(c.upstream.url, "https://example.jp:8443/api");
  ASSERT_EQ(c.upstream.pins.size(), 1u);  // one pin is enough in test mode
  EXPECT_EQ(c.upstream.pins[0].text, kPinA);
  EXPECT_EQ(c.upstream.pins[0].spki_sha256[0], 0x4D);
  EXPECT_EQ(c.upstream.proxy, "http://proxy.example.jp:8080");
  EXPECT_EQ(c.upstream.connect_timeout, 100ms);
  EXPECT_EQ(c.upstream.request_timeout, 300000ms);
  EXPECT_THAT(c.readers.include, ElementsAre("PaSoRi"));
  EXPECT_THAT(c.readers.exclude, ElementsAre("Virtual", "Other"));
  EXPECT_TRUE(c.readers.allow_virtual);
  ASSERT_EQ(c.face_readers.size(), 1u);
  EXPECT_EQ(c.face_readers[0].serial, "S1");
  EXPECT_EQ(c.face_readers[0].vid, 0x054C);
  EXPECT_EQ(c.face_readers[0].pid, 0);
  EXPECT_EQ(c.face_readers[0].institution, "0110113719");
  EXPECT_EQ(c.log.level, log::Level::debug);
}

TEST(ParseConfig, LogLevels) {
  EXPECT_EQ(parsed(doc("", "[log]\nlevel = \"warning\"\n")).log.level, log::Level::warning);
  EXPECT_EQ(parsed(doc("", "[log]\nlevel = \"error\"\n")).log.level, log::Level::error);
  EXPECT_EQ(parsed(doc("", "[log]\nlevel = \"info\"\n")).log.level, log::Level::info);
  expect_invalid(doc("", "[log]\nlevel = \"verbose\"\n"),
                 "test.toml: log.level (line 6): must be \"debug\", \"info\", \"warning\" or "
                 "\"error\", got \"verbose\"");
}

// ---- syntax ------------------------------------------------------------------------------------

TEST(ParseConfig, SyntaxErrorGivesLineAndColumn) {
  const Error e = error_of("terminal_name = \"a\"\nstate_dir = \n");
  EXPECT_EQ(e.code, Errc::config_syntax);
  EXPECT_THAT(e.message, StartsWith("test.toml:2:13: "));
  EXPECT_THAT(e.message, HasSubstr("expected value"));  // toml++'s own description
}

TEST(ParseConfig, DuplicateKeyIsASyntaxError) {
  const Error e = error_of(doc("", "name = \"again\"\n"));
  EXPECT_EQ(e.code, Errc::config_syntax);
  EXPECT_THAT(e.message, StartsWith("test.toml:5:"));
}

TEST(ParseConfig, InvalidUtf8IsASyntaxError) {
  const Error e = error_of("terminal_name = \"\xFF\"\n");
  EXPECT_EQ(e.code, Errc::config_syntax);
  EXPECT_THAT(e.message, StartsWith("test.toml:1:"));
}

// toml++ 3.3 breaks an internal precondition on these (upstream #294, #301); they must come back
// as ordinary syntax errors, not aborts.
TEST(ParseConfig, MalformedTableHeadersAreSyntaxErrors) {
  for (const char* text :
       {"[&", "[[[1]]]", "[[[a]]]", "[[[]]", "[[=", "[\x01]", "a = 1\n[ &x]\n"}) {
    const Error e = error_of(text);
    EXPECT_EQ(e.code, Errc::config_syntax) << text;
    EXPECT_THAT(e.message, StartsWith("test.toml:")) << text;
  }
}

// toml++ 3.3 asks whether these characters are whitespace, which it answers with undefined
// behaviour (upstream #190, #295; src/toml.hpp). Run under UBSan (the asan preset) to see it.
TEST(ParseConfig, NonAsciiWhereTomlExpectsWhitespace) {
  for (const char* text : {"terminal_name = \"受付\"。\n", "a = \"x\"\xC3\xA9\n", "a = 01\"é\"\n",
                           "a = [1,\n「]\n", "[api]、\n"}) {
    const Error e = error_of(text);
    EXPECT_EQ(e.code, Errc::config_syntax) << text;
    EXPECT_THAT(e.message, StartsWith("test.toml:")) << text;
  }
  // Legal TOML: a line-ending backslash followed by U+00A7. It parses; the key is just unknown.
  expect_invalid(doc("s = \"\"\"\\\n\xC2\xA7\"\"\"\n"), "test.toml: s (line 1): unknown key");
}

TEST(ParseConfig, SourceNameDefaults) {
  auto result = parse_config("x = ", "");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, StartsWith("<config>:1:"));
}

// ---- top level ---------------------------------------------------------------------------------

TEST(ParseConfig, TerminalNameIsRequired) {
  expect_invalid("[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n",
                 "test.toml: terminal_name: required key is missing");
}

TEST(ParseConfig, TerminalNameRules) {
  expect_invalid("terminal_name = \"\"\n[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n",
                 "test.toml: terminal_name (line 1): must not be empty");
  expect_invalid(
      "terminal_name = \"a\\tb\"\n[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n",
      "test.toml: terminal_name (line 1): must not contain control characters (U+0009 "
      "at character 2)");
  std::string long_name;
  for (int i = 0; i < 65; ++i) long_name += "号";
  expect_invalid("terminal_name = \"" + long_name +
                     "\"\n[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n",
                 "test.toml: terminal_name (line 1): must be at most 64 characters, got 65");
}

TEST(ParseConfig, WrongTypesNameTheExpectedType) {
  expect_invalid("terminal_name = 1\n[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n",
                 "test.toml: terminal_name (line 1): expected a string, got an integer");
  expect_invalid(doc("test_mode = \"yes\"\n"),
                 "test.toml: test_mode (line 1): expected a boolean (true or false), got a string");
  expect_invalid(doc("readers = 5\n"),
                 "test.toml: readers (line 1): expected a table ([readers]), got an integer");
  expect_invalid(doc("", "[upstream]\nconnect_timeout_ms = 1.5\n"),
                 "test.toml: upstream.connect_timeout_ms (line 6): expected an integer, got a "
                 "floating-point number");
  expect_invalid(
      doc("", "[api]\nallowed_users = \"recept\"\n"),
      "test.toml: api.allowed_users (line 6): expected an array of strings, got a string");
  expect_invalid(doc("", "[api]\nallowed_users = [\"recept\", 7]\n"),
                 "test.toml: api.allowed_users[1] (line 6): expected a string, got an integer");
}

TEST(ParseConfig, StateDirMustBeAbsolute) {
  expect_invalid(doc("state_dir = \"var/lib/onshi\"\n"),
                 "test.toml: state_dir (line 1): must be an absolute path, got \"var/lib/onshi\"");
}

// ---- institutions ------------------------------------------------------------------------------

TEST(ParseConfig, InstitutionsAreRequired) {
  expect_invalid("terminal_name = \"a\"\n", "test.toml: institutions: required key is missing");
  expect_invalid("terminal_name = \"a\"\ninstitutions = []\n",
                 "test.toml: institutions (line 2): at least one institution is required");
  expect_invalid("terminal_name = \"a\"\n[institutions]\ncode = \"0110113719\"\n",
                 "test.toml: institutions (line 2): expected an array of tables "
                 "([[institutions]]), got a table");
  expect_invalid("terminal_name = \"a\"\ninstitutions = [1]\n",
                 "test.toml: institutions[0] (line 2): expected a table, got an integer");
}

TEST(ParseConfig, InstitutionCodeIsValidatedWithReason) {
  expect_invalid(doc("", "[[institutions]]\ncode = \"0110113718\"\nname = \"b\"\n"),
                 "test.toml: institutions[1].code (line 6): is not a valid 医療機関コード: check "
                 "digit is 8 but should be 9");
  expect_invalid(doc("", "[[institutions]]\ncode = \"011011371\"\nname = \"b\"\n"),
                 "test.toml: institutions[1].code (line 6): is not a valid 医療機関コード: must be "
                 "10 digits, got 9 characters");
  // Written as a TOML integer by mistake.
  expect_invalid(doc("", "[[institutions]]\ncode = 2714206386\nname = \"b\"\n"),
                 "test.toml: institutions[1].code (line 6): expected a string, got an integer");
}

TEST(ParseConfig, InstitutionKeysRequiredAtTheirTable) {
  expect_invalid(doc("", "[[institutions]]\ncode = \"2714206386\"\n"),
                 "test.toml: institutions[1].name (line 5): required key is missing");
  expect_invalid(doc("", "[[institutions]]\nname = \"b\"\n"),
                 "test.toml: institutions[1].code (line 5): required key is missing");
  expect_invalid("terminal_name = \"a\"\n[[institutions]]\ncode = \"0110113719\"\nname = \"\"\n",
                 "test.toml: institutions[0].name (line 4): must not be empty");
}

TEST(ParseConfig, CertificateSettingsAreChecked) {
  expect_invalid(doc("", "[certificates]\nca_file = \"ca.pem\"\n"),
                 "test.toml: certificates.ca_file (line 6): must be an absolute path, got "
                 "\"ca.pem\"");
  expect_invalid(doc("", "[certificates]\nsubject_match = [\"OU=^{terminal}$\"]\n"),
                 "test.toml: certificates.subject_match (line 6): a subject rule must use {code}, "
                 "or every institution's certificate would match");
  expect_invalid(doc("", "[certificates]\nsubject_match = [\"CN=({code}\"]\n"),
                 "test.toml: certificates.subject_match (line 6): subject rule \"CN=({code}\": "
                 "not a valid regular expression (Mismatched '(' and ')' in regular expression)");
}

TEST(ParseConfig, UpstreamNetworkSettings) {
  Config c = parsed(kMinimal);
  // eligibility-system.md §3.2: the eligibility hosts bypass the proxy by default.
  EXPECT_THAT(c.upstream.no_proxy, ::testing::Contains("*.onshikaku.org"));
  c = parsed(doc("",
                 "[upstream]\nno_proxy = [\"*.example.jp\", \"<local>\", \"::1\"]\n"
                 "server_ca_file = \"/etc/onshi/server-ca.pem\"\n"
                 "handshake_timeout_ms = 2000\nmax_clock_skew_s = 60\n"));
  EXPECT_THAT(c.upstream.no_proxy, ElementsAre("*.example.jp", "<local>", "::1"));
  EXPECT_EQ(c.upstream.server_ca_file, std::filesystem::path("/etc/onshi/server-ca.pem"));
  EXPECT_EQ(c.upstream.handshake_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(c.upstream.max_clock_skew, std::chrono::seconds(60));
  expect_invalid(doc("", "[upstream]\nno_proxy = [\"a b\"]\n"),
                 "test.toml: upstream.no_proxy[0] (line 6): \"a b\" is not a no-proxy pattern: "
                 "use \"*\", \"*.domain\", \".domain\", a host name, an IP address or "
                 "\"<local>\"");
}

TEST(ParseConfig, DuplicateInstitutionCodes) {
  expect_invalid(doc("",
                     "[[institutions]]\ncode = \"2714206386\"\nname = \"b\"\n"
                     "[[institutions]]\ncode = \"0110113719\"\nname = \"c\"\n"),
                 "test.toml: institutions[2].code (line 9): duplicate of institutions[0].code");
}

TEST(ParseConfig, InlineInstitutionsWork) {
  const Config c = parsed(
      "terminal_name = \"a\"\n"
      "institutions = [{ code = \"0110113719\", name = \"x\" }, { code = \"2714206386\", name = "
      "\"y\" }]\n");
  ASSERT_EQ(c.institutions.size(), 2u);
  EXPECT_EQ(c.institutions[1].code, "2714206386");
  EXPECT_EQ(c.institutions[1].name, "y");
}

// ---- [api] -------------------------------------------------------------------------------------

TEST(ParseConfig, ApiRules) {
  expect_invalid(doc("", "[api]\nsocket = \"api.sock\"\n"),
                 "test.toml: api.socket (line 6): must be an absolute path, got \"api.sock\"");
  expect_invalid(doc("", "[api]\nsocket = \"/" + std::string(107, 's') + "\"\n"),
                 "test.toml: api.socket (line 6): is 108 bytes long, but a Unix socket path holds "
                 "at most 107");
  expect_invalid(
      doc("", "[api]\nsocket_group = \"Onshi\"\n"),
      "test.toml: api.socket_group (line 6): must start with a lower-case letter or '_', "
      "not 'O'");
  expect_invalid(doc("", "[api]\nallowed_users = [\"ok\", \"bad name\"]\n"),
                 "test.toml: api.allowed_users[1] (line 6): has byte 0x20 at position 4; user and "
                 "group names use a-z, 0-9, '_', '-' (and '$' at the end)");
  expect_invalid(
      doc("", "[api]\nallowed_groups = [\"" + std::string(33, 'g') + "\"]\n"),
      "test.toml: api.allowed_groups[0] (line 6): must be at most 32 characters, got 33");
}

// ---- [upstream] --------------------------------------------------------------------------------

std::string upstream(std::string_view body, std::string_view top_level = "") {
  return doc(top_level, "[upstream]\n" + std::string(body));
}

std::string pins(std::initializer_list<const char*> list) {
  std::string out = "pins = [";
  for (const char* pin : list) out += std::string("\"") + pin + "\", ";
  return out + "]\n";
}

TEST(ParseConfig, UpstreamUrlRules) {
  expect_invalid(upstream("url = \"http://example.jp/\"\n" + pins({kPinA, kPinB})),
                 "test.toml: upstream.url (line 6): must use https://, got \"http://\"");
  expect_invalid(upstream("url = \"https:///x\"\n" + pins({kPinA, kPinB})),
                 "test.toml: upstream.url (line 6): has no host");
}

TEST(ParseConfig, UrlNeedsTwoPins) {
  const Config c = parsed(upstream("url = \"https://example.jp/\"\n" + pins({kPinA, kPinB})));
  EXPECT_TRUE(c.upstream.configured());
  ASSERT_EQ(c.upstream.pins.size(), 2u);
  EXPECT_EQ(c.upstream.pins[1].text, kPinB);
  EXPECT_EQ(c.upstream.pins[1].spki_sha256[0], 0xC3);

  expect_invalid(upstream("url = \"https://example.jp/\"\n" + pins({kPinA})),
                 "test.toml: upstream.pins (line 7): at least 2 pins (the current key and a "
                 "backup) are required when upstream.url is set, got 1");
  // Without pins the problem is placed at the [upstream] header.
  expect_invalid(upstream("url = \"https://example.jp/\"\n"),
                 "test.toml: upstream.pins (line 5): at least 2 pins (the current key and a "
                 "backup) are required when upstream.url is set, got 0");
}

TEST(ParseConfig, TestModeRelaxesThePinCount) {
  EXPECT_EQ(parsed(upstream("url = \"https://example.jp/\"\n", "test_mode = true\n"))
                .upstream.pins.size(),
            0u);
  EXPECT_EQ(
      parsed(upstream("url = \"https://example.jp/\"\n" + pins({kPinA}), "test_mode = true\n"))
          .upstream.pins.size(),
      1u);
}

TEST(ParseConfig, PinsWithoutUrlAreCheckedButNotCounted) {
  EXPECT_EQ(parsed(upstream(pins({kPinA}))).upstream.pins.size(), 1u);
  expect_invalid(upstream(pins({"sha256//abc"})),
                 "test.toml: upstream.pins[0] (line 6): is not valid base64 after \"sha256//\" "
                 "(standard alphabet, '=' padded, as `openssl enc -base64` prints it)");
}

TEST(ParseConfig, PinFormat) {
  const std::string url = "url = \"https://example.jp/\"\n";
  expect_invalid(upstream(url + pins({kPinA, "sha1//AAAA"})),
                 "test.toml: upstream.pins[1] (line 7): must have the form sha256//<base64 SHA-256 "
                 "of the server's public key (SPKI)>");
  const std::string short_pin = "sha256//" + std::string(40, 'A') + "AA==";
  expect_invalid(upstream(url + pins({kPinA, short_pin.c_str()})),
                 "test.toml: upstream.pins[1] (line 7): must be a 32-byte SHA-256 digest, but "
                 "decodes to 31 bytes");
}

TEST(ParseConfig, DuplicatePinsAreNoBackup) {
  expect_invalid(upstream("url = \"https://example.jp/\"\n" + pins({kPinA, kPinA})),
                 "test.toml: upstream.pins[1] (line 7): duplicate of upstream.pins[0]");
}

TEST(ParseConfig, ProxyAndTimeoutRules) {
  expect_invalid(upstream("proxy = \"http://proxy.example.jp\"\n"),
                 "test.toml: upstream.proxy (line 6): must include a port (http://host:port)");
  expect_invalid(upstream("connect_timeout_ms = 99\n"),
                 "test.toml: upstream.connect_timeout_ms (line 6): must be between 100 and 120000, "
                 "got 99");
  expect_invalid(upstream("connect_timeout_ms = 120001\n"),
                 "test.toml: upstream.connect_timeout_ms (line 6): must be between 100 and 120000, "
                 "got 120001");
  expect_invalid(
      upstream("request_timeout_ms = 999\n"),
      "test.toml: upstream.request_timeout_ms (line 6): must be between 1000 and 300000, "
      "got 999");
  expect_invalid(
      upstream("request_timeout_ms = 300001\n"),
      "test.toml: upstream.request_timeout_ms (line 6): must be between 1000 and 300000, "
      "got 300001");
}

// ---- [readers] ---------------------------------------------------------------------------------

TEST(ParseConfig, VirtualReadersOnlyInTestMode) {
  expect_invalid(doc("", "[readers]\nallow_virtual = true\n"),
                 "test.toml: readers.allow_virtual (line 6): virtual readers are only allowed with "
                 "test_mode = true (a virtual reader on a clinic machine accepts fake cards)");
  expect_invalid(doc("test_mode = false\n", "[readers]\nallow_virtual = true\n"),
                 "test.toml: readers.allow_virtual (line 7): virtual readers are only allowed with "
                 "test_mode = true (a virtual reader on a clinic machine accepts fake cards)");
  EXPECT_TRUE(
      parsed(doc("test_mode = true\n", "[readers]\nallow_virtual = true\n")).readers.allow_virtual);
  EXPECT_FALSE(parsed(doc("", "[readers]\nallow_virtual = false\n")).readers.allow_virtual);
}

TEST(ParseConfig, ReaderPatternsAreText) {
  expect_invalid(doc("", "[readers]\ninclude = [\"\"]\n"),
                 "test.toml: readers.include[0] (line 6): must not be empty");
  expect_invalid(doc("", "[readers]\nexclude = [\"a\", \"b\\u0007\"]\n"),
                 "test.toml: readers.exclude[1] (line 6): must not contain control characters "
                 "(U+0007 at character 2)");
}

// ---- [face_reader] -----------------------------------------------------------------------------

TEST(ParseConfig, FaceReaderVidAndPidGoTogether) {
  expect_invalid(doc("", "[face_reader]\nvid = 0x054C\n"),
                 "test.toml: face_reader.vid (line 6): vid and pid must be given together "
                 "(face_reader.pid is missing)");
  expect_invalid(doc("", "[face_reader]\nserial = \"x\"\npid = 1\n"),
                 "test.toml: face_reader.pid (line 7): vid and pid must be given together "
                 "(face_reader.vid is missing)");
  expect_invalid(doc("", "[face_reader]\nvid = 0x10000\npid = 1\n"),
                 "test.toml: face_reader.vid (line 6): must be between 0 and 65535, got 65536");
  expect_invalid(doc("", "[face_reader]\nvid = 1\npid = -1\n"),
                 "test.toml: face_reader.pid (line 7): must be between 0 and 65535, got -1");
}

TEST(ParseConfig, FaceReaderInstitutionMustBeConfigured) {
  expect_invalid(doc("", "[face_reader]\ninstitution = \"2714206386\"\n"),
                 "test.toml: face_reader.institution (line 6): is not the code of a configured "
                 "institution (configured: 0110113719)");
  expect_invalid(
      doc("", "[face_reader]\ninstitution = \"2714206387\"\n"),
      "test.toml: face_reader.institution (line 6): is not a valid 医療機関コード: check "
      "digit is 7 but should be 6");
  const Config c = parsed(doc("", "[face_reader]\ninstitution = \"0110113719\"\n"));
  ASSERT_EQ(c.face_readers.size(), 1u);
  EXPECT_EQ(c.face_readers[0].institution, "0110113719");
}

// A second institution, on lines 5-7: what a test appends to this starts on line 8.
std::string two_institutions(std::string_view tables) {
  return doc("", "[[institutions]]\ncode = \"2714206386\"\nname = \"b\"\n" + std::string(tables));
}

TEST(ParseConfig, SingleFaceReaderTableIsOneEntry) {
  const Config c = parsed(doc("", "[face_reader]\nserial = \"S1\"\n"));
  ASSERT_EQ(c.face_readers.size(), 1u);
  EXPECT_EQ(c.face_readers[0].serial, "S1");
  EXPECT_FALSE(c.face_readers[0].institution);  // optional with one institution
  EXPECT_FALSE(c.face_readers[0].vid);
  // A single reader needs no serial: the only one connected is used.
  EXPECT_EQ(parsed(doc("", "[face_reader]\n")).face_readers.size(), 1u);
  // One [[face_reader]] entry is the same as the table.
  const Config one = parsed(doc("", "[[face_reader]]\nvid = 1\npid = 2\n"));
  ASSERT_EQ(one.face_readers.size(), 1u);
  EXPECT_FALSE(one.face_readers[0].serial);
  EXPECT_EQ(one.face_readers[0].vid, 1);
  EXPECT_EQ(one.face_readers[0].pid, 2);
}

TEST(ParseConfig, SeveralFaceReadersInDocumentOrder) {
  const Config c =
      parsed(two_institutions("[[face_reader]]\nserial = \"FR2\"\ninstitution = \"2714206386\"\n"
                              "[[face_reader]]\nserial = \"FR1\"\nvid = 0x1234\npid = 0x5678\n"
                              "institution = \"0110113719\"\n"
                              "[[face_reader]]\nserial = \"FR3\"\ninstitution = \"2714206386\"\n"));
  ASSERT_EQ(c.face_readers.size(), 3u);
  EXPECT_EQ(c.face_readers[0].serial, "FR2");
  EXPECT_EQ(c.face_readers[0].institution, "2714206386");
  EXPECT_FALSE(c.face_readers[0].vid);
  EXPECT_EQ(c.face_readers[1].serial, "FR1");
  EXPECT_EQ(c.face_readers[1].vid, 0x1234);
  EXPECT_EQ(c.face_readers[1].pid, 0x5678);
  EXPECT_EQ(c.face_readers[1].institution, "0110113719");
  // Two readers may serve the same institution.
  EXPECT_EQ(c.face_readers[2].serial, "FR3");
  EXPECT_EQ(c.face_readers[2].institution, "2714206386");
  // An inline array of tables is the same thing.
  const Config inline_form =
      parsed(doc("face_reader = [{ serial = \"A\" }, { serial = \"B\", vid = 1, pid = 2 }]\n"));
  ASSERT_EQ(inline_form.face_readers.size(), 2u);
  EXPECT_EQ(inline_form.face_readers[0].serial, "A");
  EXPECT_EQ(inline_form.face_readers[1].serial, "B");
  // An empty array is no reader at all.
  EXPECT_TRUE(parsed("face_reader = []\n" + doc("")).face_readers.empty());
}

TEST(ParseConfig, FaceReaderSerialsMustDiffer) {
  expect_invalid(doc("",
                     "[[face_reader]]\nserial = \"FR1\"\n"
                     "[[face_reader]]\nserial = \"FR2\"\n"
                     "[[face_reader]]\nserial = \"FR1\"\n"),
                 "test.toml: face_reader[2].serial (line 10): \"FR1\" is also "
                 "face_reader[0].serial (line 6); each face reader needs its own serial");
}

TEST(ParseConfig, SeveralFaceReadersNeedSerials) {
  expect_invalid(doc("",
                     "[[face_reader]]\nserial = \"FR1\"\n"
                     "[[face_reader]]\nvid = 1\npid = 2\n"),
                 "test.toml: face_reader[1].serial (line 7): required when more than one face "
                 "reader is configured (there are 2): it tells the readers apart");
  // Reported at the first entry without one.
  expect_invalid(doc("", "[[face_reader]]\n[[face_reader]]\nserial = \"FR1\"\n"),
                 "test.toml: face_reader[0].serial (line 5): required when more than one face "
                 "reader is configured (there are 2): it tells the readers apart");
}

TEST(ParseConfig, FaceReaderInstitutionRequiredWithSeveralInstitutions) {
  expect_invalid(two_institutions("[face_reader]\nserial = \"FR1\"\n"),
                 "test.toml: face_reader.institution (line 8): required when more than one "
                 "institution is configured: which institution does this reader serve? "
                 "(configured: 0110113719, 2714206386)");
  expect_invalid(
      two_institutions("[[face_reader]]\nserial = \"FR1\"\ninstitution = \"2714206386\"\n"
                       "[[face_reader]]\nserial = \"FR2\"\n"),
      "test.toml: face_reader[1].institution (line 11): required when more than one "
      "institution is configured: which institution does this reader serve? "
      "(configured: 0110113719, 2714206386)");
  // Not with a single institution.
  EXPECT_EQ(parsed(doc("",
                       "[[face_reader]]\nserial = \"FR1\"\n[[face_reader]]\nserial = "
                       "\"FR2\"\n"))
                .face_readers.size(),
            2u);
  // A code listed twice is one mistake, reported at the institutions, not a second institution.
  expect_invalid(
      "terminal_name = \"a\"\n[face_reader]\n"
      "[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n"
      "[[institutions]]\ncode = \"0110113719\"\nname = \"y\"\n",
      "test.toml: institutions[1].code (line 7): duplicate of institutions[0].code");
  // An invalid code makes the number of institutions unknown: no follow-on problem.
  expect_invalid(
      "terminal_name = \"a\"\n[face_reader]\n"
      "[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n"
      "[[institutions]]\ncode = \"2714206387\"\nname = \"y\"\n",
      "test.toml: institutions[1].code (line 7): is not a valid 医療機関コード: check "
      "digit is 7 but should be 6");
}

TEST(ParseConfig, FaceReaderEntryErrorsNameTheEntry) {
  const std::string first = "[[face_reader]]\nserial = \"FR1\"\n";
  expect_invalid(
      doc("", first + "[[face_reader]]\nserial = \"FR2\"\ninstitution = \"2714206386\"\n"),
      "test.toml: face_reader[1].institution (line 9): is not the code of a configured "
      "institution (configured: 0110113719)");
  expect_invalid(doc("", first + "[[face_reader]]\nserial = \"FR2\"\nvid = 1\n"),
                 "test.toml: face_reader[1].vid (line 9): vid and pid must be given together "
                 "(face_reader[1].pid is missing)");
  expect_invalid(doc("", first + "[[face_reader]]\nserial = \"\"\n"),
                 "test.toml: face_reader[1].serial (line 8): must not be empty");
  expect_invalid(doc("", first + "[[face_reader]]\nserial = 7\n"),
                 "test.toml: face_reader[1].serial (line 8): expected a string, got an integer");
}

TEST(ParseConfig, FaceReaderEntryRejectsUnknownKeys) {
  expect_invalid(doc("",
                     "[[face_reader]]\nserial = \"FR1\"\n[[face_reader]]\nserial = \"FR2\"\n"
                     "institutoin = \"0110113719\"\n"),
                 "test.toml: face_reader[1].institutoin (line 9): unknown key (did you mean "
                 "face_reader[1].institution?)");
  expect_invalid(doc("", "[[face_reader]]\nserial = \"FR1\"\nmodel = \"x\"\n"),
                 "test.toml: face_reader[0].model (line 7): unknown key");
}

TEST(ParseConfig, FaceReaderMustBeATableOrTables) {
  expect_invalid("face_reader = 1\n" + doc(""),
                 "test.toml: face_reader (line 1): expected a table ([face_reader]) or an array "
                 "of tables ([[face_reader]]), got an integer");
  expect_invalid("face_reader = [{ serial = \"A\" }, \"B\"]\n" + doc(""),
                 "test.toml: face_reader[1] (line 1): expected a table, got a string");
}

// ---- unknown keys ------------------------------------------------------------------------------

TEST(ParseConfig, UnknownKeysAreErrors) {
  expect_invalid(doc("", "[api]\nfoo = 1\n"), "test.toml: api.foo (line 6): unknown key");
  expect_invalid(doc("", "[api]\nsocet = \"/x\"\n"),
                 "test.toml: api.socet (line 6): unknown key (did you mean api.socket?)");
  expect_invalid(doc("", "[upstrem]\n"),
                 "test.toml: upstrem (line 5): unknown key (did you mean upstream?)");
  expect_invalid(doc("", "nme = \"/x\"\n"),
                 "test.toml: institutions[0].nme (line 5): unknown key (did you mean "
                 "institutions[0].name?)");
  expect_invalid(doc("\"odd key\" = 1\n"), "test.toml: \"odd key\" (line 1): unknown key");
  expect_invalid(doc("", "[log.extra]\n"), "test.toml: log.extra (line 5): unknown key");
}

TEST(ParseConfig, MisspelledRequiredKeyReportsTheTypoFirst) {
  expect_invalid("Terminal_Name = \"a\"\n[[institutions]]\ncode = \"0110113719\"\nname = \"x\"\n",
                 "test.toml: Terminal_Name (line 1): unknown key (did you mean terminal_name?)");
}

// ---- ordering ----------------------------------------------------------------------------------

// The first problem in the file is reported, whatever order the checks run in.
TEST(ParseConfig, ReportsTheFirstProblemInTheDocument) {
  // [log] is checked after [api], but comes first in the file.
  expect_invalid(doc("", "[log]\nlevel = \"loud\"\n[api]\nsocket = \"x\"\n"),
                 "test.toml: log.level (line 6): must be \"debug\", \"info\", \"warning\" or "
                 "\"error\", got \"loud\"");
  // Two problems on one line: the earlier column wins.
  expect_invalid(doc("", "[api]\nallowed_users = [\"Bad\", \"worse one\"]\n"),
                 "test.toml: api.allowed_users[0] (line 6): must start with a lower-case letter or "
                 "'_', not 'B'");
}

// One mistake is reported once: an invalid institution code does not also make
// face_reader.institution "not configured", even where [face_reader] comes first.
TEST(ParseConfig, NoFollowOnProblems) {
  expect_invalid(
      "terminal_name = \"a\"\n"
      "[face_reader]\ninstitution = \"0110113719\"\n"
      "[[institutions]]\ncode = \"0110113718\"\nname = \"x\"\n",
      "test.toml: institutions[0].code (line 5): is not a valid 医療機関コード: check "
      "digit is 8 but should be 9");
  // An invalid test_mode does not also make allow_virtual an error.
  expect_invalid(
      doc("test_mode = 1\n", "[readers]\nallow_virtual = true\n"),
      "test.toml: test_mode (line 1): expected a boolean (true or false), got an integer");
}

TEST(ParseConfig, IsDeterministic) {
  const std::string text = doc("", "[api]\nx = 1\ny = 2\n[log]\nz = 3\n");
  const Error first = error_of(text);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(error_of(text).message, first.message);
  EXPECT_EQ(first.message, "test.toml: api.x (line 6): unknown key");
}

// ---- [api.tcp], [journal] ----------------------------------------------------------------------

TEST(ParseConfig, ApiTcpIsOffByDefault) {
  const Config c = parsed(doc(""));
  EXPECT_FALSE(c.api.tcp);
  EXPECT_EQ(c.journal.retention, std::chrono::seconds(90 * 24 * 3600));
  EXPECT_EQ(c.journal_file(), c.state_dir / "journal.sqlite3");
}

TEST(ParseConfig, ApiTcpReadsEveryValue) {
  const Config c = parsed(doc("",
                              "[api.tcp]\n"
                              "listen = \"[::1]:0\"\n"
                              "certificate = \"/etc/onshi/tcp.pem\"\n"
                              "key = \"/etc/onshi/tcp.key\"\n"
                              "client_ca = \"/etc/onshi/ca.pem\"\n"
                              "client_crl = \"/etc/onshi/crl.pem\"\n"
                              "[journal]\nretention_days = 7\n"));
  ASSERT_TRUE(c.api.tcp);
  EXPECT_EQ(c.api.tcp->listen, "[::1]:0");
  EXPECT_EQ(c.api.tcp->client_ca, "/etc/onshi/ca.pem");
  EXPECT_EQ(c.api.tcp->client_crl, "/etc/onshi/crl.pem");
  EXPECT_EQ(c.journal.retention, std::chrono::seconds(7 * 24 * 3600));
}

void expect_invalid_with(const std::string& text, const std::string& part) {
  const Error e = error_of(text);
  EXPECT_EQ(e.code, Errc::config_invalid) << e.to_string();
  EXPECT_NE(e.message.find(part), std::string::npos) << e.message;
}

TEST(ParseConfig, ApiTcpRules) {
  const std::string rest = "certificate = \"/c.pem\"\nkey = \"/k.pem\"\nclient_ca = \"/ca.pem\"\n";
  // A client CA is not optional: without it anyone on the network could query patients.
  expect_invalid_with(doc("",
                          "[api.tcp]\nlisten = \"127.0.0.1:8443\"\ncertificate = \"/c.pem\"\n"
                          "key = \"/k.pem\"\n"),
                      "api.tcp.client_ca");
  expect_invalid_with(doc("", "[api.tcp]\nlisten = \"localhost:8443\"\n" + rest),
                      "names are not resolved");
  expect_invalid_with(doc("", "[api.tcp]\nlisten = \"127.0.0.1\"\n" + rest), "ipv4:port");
  expect_invalid_with(doc("", "[api.tcp]\nlisten = \"127.0.0.256:1\"\n" + rest), "IPv4");
  expect_invalid_with(doc("", "[api.tcp]\nlisten = \"127.0.0.1:65536\"\n" + rest), "invalid port");
  expect_invalid_with(doc("", "[api.tcp]\nlisten = \"[::1]8443\"\n" + rest), "[ipv6]:port");
  expect_invalid_with(doc("", "[api.tcp]\nlisten = \"[::1]:1\"\n" + rest + "cert = \"/x\"\n"),
                      "unknown key");
  expect_invalid_with(doc("", "[journal]\nretention_days = 0\n"), "journal.retention_days");
}

// ---- [ledger] -----------------------------------------------------------------------------------

TEST(ParseConfig, LedgerDefaultsToTheStateDirectory) {
  const Config c = parsed(doc("state_dir = \"/srv/onshi\"\n"));
  EXPECT_FALSE(c.ledger.directory);
  EXPECT_EQ(c.ledger_directory(), "/srv/onshi/ledger");
  EXPECT_EQ(c.ledger.lock_stale_after, 120s);
  EXPECT_EQ(c.ledger.lock_wait, 10s);
  // The one public 分類 value (eligibility-system.md §3.3) seeds the table.
  ASSERT_EQ(c.ledger.categories.size(), 1u);
  EXPECT_EQ(c.ledger.categories[0].first, '3');
  EXPECT_EQ(c.ledger.categories[0].second, "2:保険医療機関（歯科）");
}

TEST(ParseConfig, LedgerReadsEveryValue) {
  const Config c = parsed(doc("",
                              "[ledger]\n"
                              "directory = \"/mnt/share/onshi-ledger\"\n"
                              "lock_stale_after_s = 300\n"
                              "lock_wait_s = 30\n"
                              "[ledger.categories]\n"
                              "\"1\" = \"1:保険医療機関（医科）\"\n"
                              "\"4\" = \"4:保険薬局\"\n"));
  EXPECT_EQ(c.ledger_directory(), "/mnt/share/onshi-ledger");
  EXPECT_EQ(c.ledger.lock_stale_after, 300s);
  EXPECT_EQ(c.ledger.lock_wait, 30s);
  // A table given replaces the default one.
  ASSERT_EQ(c.ledger.categories.size(), 2u);
  EXPECT_EQ(c.ledger.categories[0].first, '1');
  EXPECT_EQ(c.ledger.categories[1].second, "4:保険薬局");
}

TEST(ParseConfig, LedgerRules) {
  expect_invalid(doc("", "[ledger]\ndirectory = \"share\"\n"),
                 "test.toml: ledger.directory (line 6): must be an absolute path, got \"share\"");
  expect_invalid(
      doc("", "[ledger]\nlock_stale_after_s = 5\n"),
      "test.toml: ledger.lock_stale_after_s (line 6): must be between 10 and 3600, got 5");
  expect_invalid(doc("", "[ledger]\nlock_stale_after_s = 20\nlock_wait_s = 20\n"),
                 "test.toml: ledger.lock_wait_s (line 7): must be shorter than "
                 "lock_stale_after_s: a writer would otherwise wait for a lock it is allowed to "
                 "break");
  expect_invalid(doc("", "[ledger.categories]\n\"12\" = \"x\"\n"),
                 "test.toml: ledger.categories.12 (line 6): must be a 点数表 digit (\"1\" 医科, "
                 "\"3\" 歯科, \"4\" 調剤)");
  expect_invalid(doc("", "[ledger.categories]\n\"3\" = \"\"\n"),
                 "test.toml: ledger.categories.3 (line 6): must not be empty");
  expect_invalid(doc("", "[ledger]\nshare = true\n"),
                 "test.toml: ledger.share (line 6): unknown key");
}

}  // namespace
}  // namespace onshi::config
