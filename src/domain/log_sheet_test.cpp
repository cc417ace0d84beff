#include "domain/log_sheet.hpp"

#include <gtest/gtest.h>

#include <set>

namespace mamori::domain {
namespace {

LogEntryView Row() {
  LogEntryView v;
  v.entry = {.seq = 7,
             .at = 1'790'000'000'000'000,
             .actor = "u1",
             .actor_login = "=cmd|' /C calc'!A0",
             .session = "s",
             .address = "192.0.2.1",
             .action = "asset.create",
             .target = "asset:a1",
             .result = "success",
             .clause = "kobe:4.2",
             .detail = R"({"name":"防災計画書"})",
             .prev_hash = "",
             .hash = std::string(64, 'a')};
  v.actor_name = "山田 太郎";
  v.target_type = "asset";
  v.target_id = "a1";
  v.target_label = "防災計画書";
  return v;
}

std::string FirstLine(const std::string& csv) { return csv.substr(3, csv.find("\r\n") - 3); }

TEST(LogSheet, HeadingsAreJapaneseByDefaultAndEnglishOnRequest) {
  const std::string ja = LogCsv({Row()}, false);
  ASSERT_EQ(ja.substr(0, 3), "\xEF\xBB\xBF") << "UTF-8 with BOM so Excel reads Japanese";
  EXPECT_EQ(FirstLine(ja),
            R"("番号","日時","操作者ID","操作者","ログインID","接続元","操作","対象","対象の名称","結果","条項","詳細","ハッシュ","セッション","日時（マイクロ秒）","直前のハッシュ")");
  EXPECT_EQ(FirstLine(LogCsv({}, true)),
            R"("seq","at","actor","actor_name","actor_login_id","address","action","target","target_label","result","clause","detail","hash","session","at_us","prev_hash")");
}

TEST(LogSheet, ARowHoldsTheNamesAndTheValuesAsRecorded) {
  const std::string csv = LogCsv({Row()}, false);
  const std::string row = csv.substr(csv.find("\r\n") + 2);
  EXPECT_NE(row.find(R"("山田 太郎")"), std::string::npos) << row;
  EXPECT_NE(row.find(R"("防災計画書")"), std::string::npos) << row;
  EXPECT_NE(row.find(R"("asset.create")"), std::string::npos) << "the action as recorded, for the hash chain";
  EXPECT_NE(row.find(R"("{""name"":""防災計画書""}")"), std::string::npos) << "the detail's JSON as recorded";
  EXPECT_NE(row.find(R"("2026-)"), std::string::npos) << row;
}

TEST(LogSheet, ATypedFormulaReachesTheSheetAsText) {
  const std::string csv = LogCsv({Row()}, false);
  EXPECT_EQ(csv.find(",\"=cmd"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",\"'=cmd"), std::string::npos) << csv;
}

TEST(LogSheet, ColumnIdsAreUniqueAndEveryColumnHasBothHeadings) {
  std::set<std::string> ids;
  for (const auto& c : LogColumns()) {
    EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    EXPECT_NE(std::string(c.ja), "") << c.id;
    EXPECT_NE(std::string(c.en), "") << c.id;
  }
}

}  // namespace
}  // namespace mamori::domain
