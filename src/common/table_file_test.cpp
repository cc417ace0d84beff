#include "common/table_file.hpp"

#include <gtest/gtest.h>

namespace mamori {
namespace {

// "名称,機密性\r\n住民票,3\r\n" as Excel saves it on Japanese Windows (CP932).
const std::string kCp932Csv =
    "\x96\xbc\x8f\xcc,\x8b\x40\x96\xa7\x90\xab\r\n\x8f\x5a\x96\xaf\x95\x5b,3\r\n";

TEST(TableFileTest, DecodesUtf8WithAndWithoutBom) {
  auto plain = DecodeText("名称\r\n", TextEncoding::kAuto);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->text, "名称\r\n");
  EXPECT_EQ(plain->encoding, "utf-8");
  auto bom = DecodeText(std::string(kUtf8Bom) + "名称", TextEncoding::kAuto);
  ASSERT_TRUE(bom.ok());
  EXPECT_EQ(bom->text, "名称");
}

TEST(TableFileTest, ReadsCp932WhenTheBytesAreNotUtf8OrWhenAsked) {
  for (TextEncoding enc : {TextEncoding::kAuto, TextEncoding::kCp932}) {
    auto d = DecodeText(kCp932Csv, enc);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->text, "名称,機密性\r\n住民票,3\r\n");
    EXPECT_EQ(d->encoding, "cp932");
  }
}

TEST(TableFileTest, BytesInvalidInTheChosenEncodingNameTheirLine) {
  // CP932 bytes declared as UTF-8: the first bad byte is on line 1.
  auto as_utf8 = DecodeText(kCp932Csv, TextEncoding::kUtf8);
  ASSERT_FALSE(as_utf8.ok());
  ASSERT_EQ(as_utf8.error().fields.size(), 1u);
  EXPECT_EQ(as_utf8.error().fields[0].field, "file");
  EXPECT_EQ(as_utf8.error().fields[0].code, "invalid_encoding");
  EXPECT_EQ(as_utf8.error().fields[0].row, 1);
  // A lone lead byte at the end of line 3 is not CP932 either.
  auto broken = DecodeText("a\r\nb\r\nc\x81", TextEncoding::kCp932);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().fields[0].code, "invalid_encoding");
  EXPECT_EQ(broken.error().fields[0].row, 3);
  // Valid UTF-8 up to line 2, then a stray continuation byte.
  auto stray = DecodeText("名称\n住民\x80票\n", TextEncoding::kUtf8);
  ASSERT_FALSE(stray.ok());
  EXPECT_EQ(stray.error().fields[0].row, 2);
}

TEST(TableFileTest, EncodingNames) {
  EXPECT_EQ(*ParseEncodingName("Shift_JIS"), TextEncoding::kCp932);
  EXPECT_EQ(*ParseEncodingName("UTF-8"), TextEncoding::kUtf8);
  EXPECT_EQ(*ParseEncodingName(""), TextEncoding::kAuto);
  auto bad = ParseEncodingName("latin1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields[0].field, "encoding");
}

TEST(TableFileTest, RowsMatchTheSpreadsheetsNumbering) {
  // A quoted cell over two lines is one row; a blank line is an (empty) row; CRLF, LF and a
  // last line without an end all work.
  auto t = ParseCsv("a,b\r\n\"x\r\ny\",\"say \"\"hi\"\"\"\r\n\r\nc,\nd,e");
  ASSERT_TRUE(t.ok()) << t.error().detail;
  ASSERT_EQ(t->size(), 5u);
  EXPECT_EQ((*t)[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*t)[1], (std::vector<std::string>{"x\r\ny", "say \"hi\""}));
  EXPECT_TRUE((*t)[2].empty());
  EXPECT_EQ((*t)[3], (std::vector<std::string>{"c", ""}));
  EXPECT_EQ((*t)[4], (std::vector<std::string>{"d", "e"}));
}

TEST(TableFileTest, MalformedQuotingNamesTheRow) {
  for (const char* bad : {"a,b\r\nc,\"open\r\n", "a,b\r\nc,\"x\"y\r\n", "a,b\r\nc,d\"e\r\n"}) {
    auto t = ParseCsv(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().fields[0].code, "malformed_csv") << bad;
    EXPECT_EQ(t.error().fields[0].row, 2) << bad;
  }
}

TEST(TableFileTest, LimitsOnRowsColumnsAndCells) {
  CsvLimits limits;
  limits.max_records = 2;
  limits.max_columns = 2;
  limits.max_cell_bytes = 3;
  EXPECT_TRUE(ParseCsv("a,b\nc,d\n", limits).ok());
  EXPECT_EQ(ParseCsv("a,b\nc,d\ne,f\n", limits).error().fields[0].code, "too_many_rows");
  EXPECT_EQ(ParseCsv("a,b,c\n", limits).error().fields[0].code, "too_many_columns");
  auto long_cell = ParseCsv("a,b\nc,dddd\n", limits);
  EXPECT_EQ(long_cell.error().fields[0].code, "cell_too_long");
  EXPECT_EQ(long_cell.error().fields[0].row, 2);
}

TEST(TableFileTest, WrittenCellsNeverRunAsFormulas) {
  EXPECT_EQ(CsvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvCell("-1+1"), "\"'-1+1\"");
  EXPECT_EQ(CsvCell("住民票"), "\"住民票\"");
  EXPECT_EQ(CsvLine({"a", "b\"c"}), "\"a\",\"b\"\"c\"\r\n");
  // What is written reads back the same (apart from the defusing quote).
  auto t = ParseCsv(CsvLine({"改行\nあり", "カンマ,あり", "\"引用\""}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0], (std::vector<std::string>{"改行\nあり", "カンマ,あり", "\"引用\""}));
}

TEST(TableFileTest, ASheetAsCsvHasTheBomHeadingsAndDefusedCells) {
  Sheet sheet;
  sheet.columns = {{"名称", 30}, {"機密性", 8}};
  sheet.rows = {{std::string("=1+1"), int64_t{3}}};
  EXPECT_EQ(SheetCsv(sheet), std::string(kUtf8Bom) + "\"名称\",\"機密性\"\r\n\"'=1+1\",\"3\"\r\n");
  EXPECT_EQ(SheetCellText(SheetCell{int64_t{-2}}), "-2");
}

TEST(TableFileTest, WritesAnXlsxWorkbook) {
  Sheet sheet;
  sheet.name = "情報資産台帳";
  sheet.columns = {{"名称", 30}, {"機密性", 8}};
  sheet.rows = {{std::string("=1+1"), int64_t{3}}, {std::string("住民票"), int64_t{2}}};
  auto bytes = XlsxWorkbook(sheet);
  ASSERT_TRUE(bytes.ok()) << bytes.error().detail;
  // A ZIP container (local file header) holding the workbook parts.
  ASSERT_GT(bytes->size(), 1000u);
  EXPECT_EQ(bytes->substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(bytes->find("xl/worksheets/sheet1.xml"), std::string::npos);
}

TEST(TableFileTest, AnInvalidSheetNameIsAnErrorNotACrash) {
  Sheet sheet;
  sheet.name = "bad/name";
  sheet.columns = {{"a", 8}};
  EXPECT_FALSE(XlsxWorkbook(sheet).ok());
}

}  // namespace
}  // namespace mamori
