#include "common/time.hpp"

#include <gtest/gtest.h>

namespace mamori {
namespace {

TEST(TimeTest, Rfc3339RoundTrip) {
  auto t = ParseRfc3339("2026-11-21T20:42:47.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-21T20:42:47.123Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
}

TEST(TimeTest, Rfc3339Offsets) {
  EXPECT_EQ(*ParseRfc3339("2026-04-01T09:00:00+09:00"), *ParseRfc3339("2026-04-01T00:00:00Z"));
  // A bare date is midnight in Japan.
  EXPECT_EQ(*ParseRfc3339("2026-04-01"), *ParseRfc3339("2026-03-31T15:00:00Z"));
}

TEST(TimeTest, Rfc3339RejectsGarbage) {
  for (const char* bad : {"", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z",
                          "2026-01-01T00:00:00", "2026-01-01T00:00:00Zjunk", "abcd-ef-ghT00:00:00Z",
                          "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+9:00"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(TimeTest, DatesValidated) {
  EXPECT_TRUE(ParseDate("2024-02-29"));
  EXPECT_FALSE(ParseDate("2025-02-29"));
  EXPECT_FALSE(ParseDate("2025-04-31"));
  EXPECT_FALSE(ParseDate("2025-4-01"));
  EXPECT_FALSE(ParseDate("1800-01-01"));
}

TEST(TimeTest, Wareki) {
  EXPECT_EQ(FormatWareki({2025, 4, 1}), "令和7年4月1日");
  EXPECT_EQ(FormatWareki({2019, 5, 1}), "令和元年5月1日");
  EXPECT_EQ(FormatWareki({2019, 4, 30}), "平成31年4月30日");
  EXPECT_EQ(FormatWareki({1989, 1, 8}), "平成元年1月8日");
  EXPECT_EQ(FormatWareki({1989, 1, 7}), "昭和64年1月7日");
}

TEST(TimeTest, FiscalYearRunsAprilToMarch) {
  EXPECT_EQ(FiscalYear({2026, 3, 31}), 2025);
  EXPECT_EQ(FiscalYear({2026, 4, 1}), 2026);
}

TEST(TimeTest, JstDateCrossesMidnight) {
  // 15:00 UTC is midnight in Japan.
  EXPECT_EQ(JstDate(*ParseRfc3339("2026-03-31T14:59:59Z")), (CivilDate{2026, 3, 31}));
  EXPECT_EQ(JstDate(*ParseRfc3339("2026-03-31T15:00:00Z")), (CivilDate{2026, 4, 1}));
}

}  // namespace
}  // namespace mamori
