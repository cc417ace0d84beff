#include "common/json_input.hpp"

#include <gtest/gtest.h>

namespace mamori {
namespace {

TEST(JsonInputTest, MalformedAndNonObjectBodies) {
  for (const char* body : {"", "{", "nul", "{\"a\":}", "\xff\xfe"}) {
    auto r = JsonInput::Parse(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().fields[0].field, "body");
    EXPECT_EQ(r.error().fields[0].code, "malformed_json");
  }
  auto r = JsonInput::Parse("[1,2]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields[0].code, "not_object");
}

TEST(JsonInputTest, AnEnumFromANamedListTakesItsMembersAndNamesTheFieldOtherwise) {
  static constexpr const char* kKinds[] = {"bureau", "section"};
  auto in = JsonInput::Parse(R"({"ok": "section", "bad": "galaxy", "number": 3})");
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->Enum("ok", true, kKinds), "section");
  EXPECT_EQ(in->Enum("bad", true, kKinds), std::nullopt);
  EXPECT_EQ(in->Enum("number", true, kKinds), std::nullopt);
  EXPECT_EQ(in->Enum("absent", false, kKinds), std::nullopt);
  auto st = in->Finish();
  ASSERT_FALSE(st.ok());
  const std::vector<FieldError> want = {{"bad", "not_allowed"}, {"number", "wrong_type"}};
  EXPECT_EQ(st.error().fields, want);
}

TEST(JsonInputTest, ReportsEveryBadField) {
  auto in = JsonInput::Parse(R"({"name": 5, "count": 999, "kind": "x", "extra": true, "date": "2025-02-30"})");
  ASSERT_TRUE(in.ok());
  in->String("name", true);
  in->Int("count", true, 0, 10);
  in->Enum("kind", true, {"a", "b"});
  in->Date("date", true);
  in->String("missing", true);
  in->RejectUnknown({"name", "count", "kind", "date", "missing"});
  auto st = in->Finish();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kValidationFailed);
  const std::vector<FieldError> want = {{"name", "wrong_type"},     {"count", "out_of_range"},
                                        {"kind", "not_allowed"},    {"date", "invalid_date"},
                                        {"missing", "required"},    {"extra", "unknown_field"}};
  EXPECT_EQ(st.error().fields, want);
}

TEST(JsonInputTest, HostileStrings) {
  auto in = JsonInput::Parse(R"({"a": "x\u0000y", "b": "\u0007", "c": "ok 日本語", "d": ""})");
  ASSERT_TRUE(in.ok());
  EXPECT_FALSE(in->String("a", true));
  EXPECT_FALSE(in->String("b", true));
  EXPECT_EQ(*in->String("c", true, {1, 6}), "ok 日本語");
  EXPECT_FALSE(in->String("d", true));
  auto st = in->Finish();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().fields[0].code, "control_characters");
  EXPECT_EQ(st.error().fields[2].code, "required");
}

TEST(JsonInputTest, LengthCountsCodePoints) {
  EXPECT_EQ(CheckString("日本語", {1, 3}), "");
  EXPECT_EQ(CheckString("日本語x", {1, 3}), "too_long");
  EXPECT_EQ(CheckString("\xc0\xaf", {0, 10}), "invalid_encoding");
  EXPECT_EQ(CheckString("\xed\xa0\x80", {0, 10}), "invalid_encoding");  // surrogate
}

TEST(JsonInputTest, HugeUnsignedIsOutOfRange) {
  auto in = JsonInput::Parse(R"({"n": 18446744073709551615, "f": 1.5})");
  ASSERT_TRUE(in.ok());
  EXPECT_FALSE(in->Int("n", true, 0, 100));
  EXPECT_FALSE(in->Int("f", true, 0, 100));
  auto st = in->Finish();
  EXPECT_EQ(st.error().fields[0].code, "out_of_range");
  EXPECT_EQ(st.error().fields[1].code, "wrong_type");
}

}  // namespace
}  // namespace mamori
