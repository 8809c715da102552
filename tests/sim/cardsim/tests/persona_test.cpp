#include "onshi/sim/persona.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

namespace onshi::sim {
namespace {

using testing::hex;

constexpr const char* kAtr = R"("atr": "3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 03")";

// A persona whose "files" is `files`, otherwise valid.
std::string with_files(std::string_view files) {
  return std::string(R"({"name": "t", )") + kAtr + R"(, "files": )" + std::string(files) + "}";
}

std::string error_of(const std::string& text) {
  auto persona = parse_persona(text);
  if (persona) return "parsed";
  EXPECT_EQ(persona.error().code, Errc::config_invalid);
  return persona.error().message;
}

TEST(Persona, ShippedGenericPersonaLoads) {
  const Persona p = testing::shipped_persona("generic.json");
  EXPECT_EQ(p.name, "generic");
  EXPECT_EQ(p.atr, hex("3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 03"));
  EXPECT_EQ(p.behaviour.get_response_chunk, 0);
  EXPECT_FALSE(p.behaviour.strict_le);
  const auto ap = p.files.find_df_by_aid(hex(testing::kTestAid));
  ASSERT_TRUE(ap);
  const auto large = p.files.find_child_by_fid(*ap, 0x0002, FileKind::ef);
  ASSERT_TRUE(large);
  EXPECT_EQ(p.files.node(*large).data, testing::counter_bytes(0, testing::kLargeEfSize));
  EXPECT_EQ(p.files.node(*large).sfi, 2);
  EXPECT_TRUE(p.files.find_child_by_fid(FileTree::kMf, 0x5F00, FileKind::df));
}

TEST(Persona, ShippedT0StylePersonaLoads) {
  const Persona p = testing::shipped_persona("t0-style.json");
  EXPECT_EQ(p.name, "t0-style");
  EXPECT_EQ(p.behaviour.get_response_chunk, 200);
  EXPECT_TRUE(p.behaviour.strict_le);
}

TEST(Persona, FillsGeneratedContents) {
  auto p = parse_persona(with_files(R"([
      {"type": "ef", "fid": "0001", "size": 5, "fill": "AB CD"},
      {"type": "ef", "fid": "0002", "data": "30 82", "size": 4},
      {"type": "ef", "fid": "0003", "size": 0}])"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->files.node(*p->files.find_child_by_fid(FileTree::kMf, 1)).data,
            hex("AB CD AB CD AB"));
  EXPECT_EQ(p->files.node(*p->files.find_child_by_fid(FileTree::kMf, 2)).data, hex("30 82 FF FF"));
  EXPECT_TRUE(p->files.node(*p->files.find_child_by_fid(FileTree::kMf, 3)).data.empty());
}

TEST(PersonaErrors, SyntaxErrorSaysWhere) {
  const std::string e = error_of(R"({"name": "x",)");
  EXPECT_NE(e.find("not valid JSON"), std::string::npos) << e;
  EXPECT_NE(e.find("line 1"), std::string::npos) << e;
}

TEST(PersonaErrors, TopLevel) {
  EXPECT_EQ(error_of("[]"), "(top level): expected an object, got array");
  EXPECT_EQ(error_of(std::string("{") + kAtr + R"(, "files": []})"), "name: missing");
  EXPECT_EQ(error_of(R"({"name": "t", "atr": "3B 00", "files": [], "fies": 1})"),
            "(top level): unknown field \"fies\"");
  EXPECT_EQ(error_of(R"({"name": 7, "atr": "3B 00", "files": []})"),
            "name: expected a string, got number");
  EXPECT_EQ(error_of(R"({"name": "", "atr": "3B 00", "files": []})"), "name: must not be empty");
  EXPECT_EQ(error_of(R"({"name": "t", "atr": "3B 00", "files": {}})"),
            "files: expected an array, got object");
}

TEST(PersonaErrors, Atr) {
  EXPECT_EQ(error_of(R"({"name": "t", "atr": "3B 0", "files": []})"),
            "atr: expected hex bytes such as \"3B 8A 80 01\"");
  EXPECT_EQ(
      error_of(
          R"({"name": "t", "atr": "3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 00", "files": []})"),
      "atr: TCK is 00, expected 03");
}

TEST(PersonaErrors, Behaviour) {
  const std::string head =
      std::string(R"({"name": "t", )") + kAtr + R"(, "files": [], "behaviour": )";
  EXPECT_EQ(error_of(head + R"({"get_response_chunk": 300}})"),
            "behaviour.get_response_chunk: 300 is outside 0..256");
  EXPECT_EQ(error_of(head + R"({"get_response_chunk": -1}})"),
            "behaviour.get_response_chunk: -1 is outside 0..256");
  EXPECT_EQ(error_of(head + R"({"get_response_chunk": 1.5}})"),
            "behaviour.get_response_chunk: expected an integer, got number");
  EXPECT_EQ(error_of(head + R"({"strict_le": "yes"}})"),
            "behaviour.strict_le: expected true or false, got string");
  EXPECT_EQ(error_of(head + R"({"strictle": true}})"), "behaviour: unknown field \"strictle\"");
}

TEST(PersonaErrors, ElementaryFiles) {
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "01", "data": ""}])")),
            "files[0].fid: expected 2 bytes of hex, got 1");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "data": "00"}])")),
            "files[0].fid: missing (an EF needs a FID)");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "3F00", "data": "00"}])")),
            "files[0]: FID 3F00 is reserved by ISO 7816-4");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "data": "00"},
                                    {"type": "ef", "fid": "0001", "data": "00"}])")),
            "files[1]: FID 0001 is already used in this DF");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "sfi": 31, "data": "00"}])")),
            "files[0].sfi: 31 is outside 1..30");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "sfi": 4, "data": "00"},
                                    {"type": "ef", "fid": "0002", "sfi": 4, "data": "00"}])")),
            "files[1]: SFI 4 is already used in this DF");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001"}])")),
            "files[0]: an EF needs \"data\" or \"size\"");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "data": "00 01", "size": 1}])")),
            "files[0].size: 1 is smaller than the 2 bytes of \"data\"");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "size": 40000}])")),
            "files[0].size: 40000 is outside 0..32768");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "size": 4, "fill": "zz"}])")),
            "files[0].fill: expected \"counter\" or a non-empty hex pattern such as \"FF\"");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "data": "00", "fill": "FF"}])")),
            "files[0].fill: only meaningful with \"size\"");
  EXPECT_EQ(error_of(with_files(R"([{"type": "ef", "fid": "0001", "data": "00", "aid": "A0"}])")),
            "files[0]: unknown field \"aid\"");
}

TEST(PersonaErrors, DedicatedFilesAndNesting) {
  EXPECT_EQ(error_of(with_files(R"([{"type": "df", "name": "lost"}])")),
            "files[0]: a DF needs an AID or a FID, or it cannot be selected");
  EXPECT_EQ(
      error_of(with_files(
          R"([{"type": "df", "aid": "A0 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"}])")),
      "files[0].aid: expected 1..16 bytes of hex, got 17");
  EXPECT_EQ(error_of(with_files(R"([{"type": "df", "fid": "5F00", "children": [
                                      {"type": "df", "aid": "A0 01"},
                                      {"type": "xf"}]}])")),
            "files[0].children[1].type: \"xf\" is neither \"df\" nor \"ef\"");
  EXPECT_EQ(error_of(with_files(R"([{"type": "df", "aid": "A0 01"},
                                    {"type": "df", "fid": "5F00", "children": [{"type": "df", "aid": "A0 01"}]}])")),
            "files[1].children[0]: AID A001 is already used on this card");
  EXPECT_EQ(error_of(with_files(R"([{"type": "df", "fid": "5F00", "children": {}}])")),
            "files[0].children: expected an array, got object");
  EXPECT_EQ(error_of(with_files(R"([7])")), "files[0]: expected an object, got number");

  std::string deep = R"([{"type": "df", "fid": "5F00", "children": [)";
  std::string tail = "]}]";
  for (int i = 0; i < 9; ++i) {
    deep += R"({"type": "df", "fid": "5F00", "children": [)";
    tail = "]}" + tail;
  }
  const std::string e = error_of(with_files(deep + tail));
  EXPECT_NE(e.find("DFs are nested deeper than 8 levels"), std::string::npos) << e;
}

TEST(PersonaErrors, MissingFileIsNotFound) {
  auto p = load_persona_file("/nonexistent/persona.json");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::config_not_found);
}

}  // namespace
}  // namespace onshi::sim
