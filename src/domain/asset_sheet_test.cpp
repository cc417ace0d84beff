#include "domain/asset_sheet.hpp"

#include <gtest/gtest.h>

#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

using Table = CsvTable;

class AssetSheetTest : public ::testing::Test {
 protected:
  policy::PolicyPack pack_ = testing::KobePack();
  const policy::Classification& cls() const { return pack_.classification; }

  std::vector<AssetSheetRow> Read(const Table& t) {
    auto reader = AssetSheetReader::Open(t, cls());
    EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().detail);
    return reader.ok() ? reader->Rows() : std::vector<AssetSheetRow>{};
  }

  static std::vector<std::string> Codes(const Error& e) {
    std::vector<std::string> out;
    for (const auto& f : e.fields) out.push_back(f.field + ":" + f.code + "@" + std::to_string(f.row) + ":" + f.column);
    return out;
  }
};

TEST_F(AssetSheetTest, JapaneseHeadingsAndTheWaysPeopleWriteCells) {
  const Table t = {
      {"名称", "種別", "所管課コード", "機密性", "完全性", "可用性", "取扱制限", "保管場所", "情報システム"},
      {"　住民票データ ", "電子データ", "a1", "機密性3", "２", " 1 ", "複製禁止、持出禁止\n 印刷禁止 ;", "サーバ室", "住記"},
      {"", "", "", "", "", "", "", "", ""},  // a blank row keeps its number but is no asset
      {"台帳", "paper_document", "a1", "1", "1", "1", "", "", ""},
  };
  auto rows = Read(t);
  ASSERT_EQ(rows.size(), 2u);
  const AssetSheetRow& r = rows[0];
  EXPECT_EQ(r.row, 2);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.asset.name, "住民票データ") << "spaces around a cell, full-width ones too, are dropped";
  EXPECT_EQ(r.asset.kind, "electronic_data");
  EXPECT_EQ(r.owner_code, "a1");
  EXPECT_EQ(r.asset.confidentiality, 3);
  EXPECT_EQ(r.asset.integrity, 2) << "full-width digits";
  EXPECT_EQ(r.asset.availability, 1);
  EXPECT_EQ(r.asset.handling, (std::vector<std::string>{"複製禁止", "持出禁止", "印刷禁止"}));
  EXPECT_EQ(r.asset.location, "サーバ室");
  EXPECT_EQ(r.system, "住記");
  EXPECT_EQ(rows[1].row, 4);
  EXPECT_EQ(rows[1].asset.kind, "paper_document");
}

TEST_F(AssetSheetTest, EnglishHeadingsAndKeysToo) {
  const Table t = {{"Name", "KIND", "owner", "Confidentiality", "integrity", "Availability"},
                   {"Resident data", "Electronic data", "A課", "Confidentiality 2", "1", "1"}};
  auto rows = Read(t);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].errors.empty());
  EXPECT_EQ(rows[0].asset.kind, "electronic_data");
  EXPECT_EQ(rows[0].owner_name, "A課");
  EXPECT_EQ(rows[0].asset.confidentiality, 2);
}

TEST_F(AssetSheetTest, CellProblemsNameRowAndColumn) {
  const Table t = {{"名称", "種別", "所管課", "機密性", "完全性", "可用性"},
                   {"x", "電子データ", "", "高", "", "1", "はみ出し"}};
  auto rows = Read(t);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Codes(Error::Invalid(rows[0].errors)),
            (std::vector<std::string>{"row:unexpected_cell@2:", "confidentiality:not_a_number@2:機密性",
                                      "integrity:required@2:完全性", "owner_org_unit_id:required@2:所管課"}));
}

TEST_F(AssetSheetTest, HeaderProblemsAreAllReportedAtRowOne) {
  auto bad = AssetSheetReader::Open({{"名称", "名前?", "名称", "機密性", "状態"}}, cls());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(Codes(bad.error()),
            (std::vector<std::string>{"header:unknown_column@1:名前?", "header:duplicate_column@1:名称",
                                      "kind:missing_column@1:種別", "integrity:missing_column@1:完全性",
                                      "availability:missing_column@1:可用性",
                                      "owner_org_unit_id:missing_column@1:所管課コード / 所管課"}));
  auto empty = AssetSheetReader::Open({}, cls());
  EXPECT_EQ(empty.error().fields[0].code, "empty");
  const Table header_only = {{"名称", "種別", "所管課", "機密性", "完全性", "可用性"}, {"", ""}};
  auto no_rows = AssetSheetReader::Open(header_only, cls());
  ASSERT_FALSE(no_rows.ok());
  EXPECT_EQ(no_rows.error().fields[0].field, "file");
  EXPECT_EQ(no_rows.error().fields[0].code, "empty");
}

TEST_F(AssetSheetTest, AnExportsReadOnlyColumnsAreIgnoredOnImport) {
  // What the export writes reads back: its headings, in order, are all known.
  std::vector<std::string> headings;
  for (const auto& c : AssetColumns(cls())) headings.push_back(c.ja);
  const Table t = {headings,
                   {"0123", "x", "紙文書", "a1", "A課", "2", "1", "1", "機密性2・完全性1・可用性1", "", "", "", "利用中",
                    "2026-09-01", "3"}};
  auto rows = Read(t);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].errors.empty());
  EXPECT_EQ(rows[0].owner_code, "a1");
  EXPECT_EQ(rows[0].owner_name, "A課");
}

TEST_F(AssetSheetTest, ErrorsOfTheServiceMapToTheFilesHeadings) {
  auto reader = AssetSheetReader::Open({{"Name", "種別", "owner_code", "機密性", "完全性", "可用性", "取扱制限", "System"}},
                                       cls());
  // Header only is "empty"; a row makes it readable.
  ASSERT_FALSE(reader.ok());
  reader = AssetSheetReader::Open(
      {{"Name", "種別", "owner_code", "機密性", "完全性", "可用性", "取扱制限", "System"}, {"x"}}, cls());
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->ColumnFor("name"), "Name");
  EXPECT_EQ(reader->ColumnFor("owner_org_unit_id"), "owner_code");
  EXPECT_EQ(reader->ColumnFor("handling[3]"), "取扱制限");
  EXPECT_EQ(reader->ColumnFor("system_id"), "System");
  EXPECT_EQ(reader->ColumnFor("location"), "") << "no such column in this file";
}

TEST_F(AssetSheetTest, ClassificationHeadingsAreThePacks) {
  // Another town calls confidentiality 秘匿性: its sheet does too, and reads its own word.
  for (auto& d : pack_.classification.dimensions)
    if (d.id == "confidentiality") d.label = "秘匿性";
  auto headings = AssetTemplateHeadings(cls(), false);
  EXPECT_EQ(headings, (std::vector<std::string>{"名称", "種別", "所管課コード", "所管課", "秘匿性", "完全性", "可用性",
                                                "取扱制限", "保管場所", "情報システム"}));
  auto rows = Read({{"名称", "種別", "所管課", "秘匿性", "完全性", "可用性"}, {"x", "端末", "A課", "秘匿性2", "1", "1"}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].asset.confidentiality, 2);
  EXPECT_FALSE(AssetSheetReader::Open({{"名称", "種別", "所管課", "機密性", "完全性", "可用性"}, {"x"}}, cls()).ok())
      << "the Kobe word is not this pack's";
}

TEST_F(AssetSheetTest, KindAndStateNames) {
  EXPECT_EQ(AssetKindLabel("removable_medium", false), "電磁的記録媒体");
  EXPECT_EQ(AssetKindLabel("removable_medium", true), "Removable medium");
  EXPECT_EQ(AssetStateLabel("taken_out", false), "持出中");
  EXPECT_EQ(AssetKindLabel("nonsense", false), "");
  // Every kind the register knows has a name.
  for (const char* k : kAssetKinds) EXPECT_FALSE(AssetKindLabel(k, false).empty()) << k;
  for (const char* s : kAssetStates) EXPECT_FALSE(AssetStateLabel(s, true).empty()) << s;
}

}  // namespace
}  // namespace mamori::domain
