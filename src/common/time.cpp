#include "common/time.hpp"

#include <chrono>
#include <cstdio>

namespace mamori {

int64_t SystemClock::NowMicros() const {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

// Howard Hinnant's civil-date algorithms (public domain descriptions), days since 1970-01-01.
int64_t DaysFromCivil(const CivilDate& date) {
  int64_t y = date.year;
  const unsigned m = static_cast<unsigned>(date.month);
  const unsigned d = static_cast<unsigned>(date.day);
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

static CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

static int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string FormatRfc3339(int64_t micros) {
  const int64_t days = FloorDiv(micros, kMicrosPerDay);
  const int64_t rem = micros - days * kMicrosPerDay;
  const CivilDate d = CivilFromDays(days);
  const int64_t secs = rem / kMicrosPerSecond;
  const int64_t millis = (rem % kMicrosPerSecond) / 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), static_cast<int>(millis));
  return buf;
}

static bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int MonthLength(int y, int m) {
  static const int kLen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kLen[m - 1];
}

static bool ParseDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<CivilDate> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  CivilDate d;
  if (!ParseDigits(text, 0, 4, d.year) || !ParseDigits(text, 5, 2, d.month) ||
      !ParseDigits(text, 8, 2, d.day))
    return std::nullopt;
  if (d.year < 1868 || d.month < 1 || d.month > 12 || d.day < 1 ||
      d.day > MonthLength(d.year, d.month))
    return std::nullopt;
  return d;
}

std::string FormatDate(const CivilDate& date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
  return buf;
}

CivilDate JstDate(int64_t micros) {
  return CivilFromDays(FloorDiv(micros + kJstOffsetMicros, kMicrosPerDay));
}

int64_t JstMidnightMicros(const CivilDate& date) {
  return DaysFromCivil(date) * kMicrosPerDay - kJstOffsetMicros;
}

std::optional<int64_t> ParseRfc3339(std::string_view text) {
  if (text.size() == 10) {
    auto d = ParseDate(text);
    if (!d) return std::nullopt;
    return JstMidnightMicros(*d);
  }
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return std::nullopt;
  auto d = ParseDate(text.substr(0, 10));
  if (!d) return std::nullopt;
  int hh, mm, ss;
  if (!ParseDigits(text, 11, 2, hh) || text[13] != ':' || !ParseDigits(text, 14, 2, mm) ||
      text[16] != ':' || !ParseDigits(text, 17, 2, ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  size_t pos = 19;
  int64_t frac_micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      frac_micros += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!ParseDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ParseDigits(text, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 60 + om) * kMicrosPerMinute * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return DaysFromCivil(*d) * kMicrosPerDay + (hh * 3600 + mm * 60 + ss) * kMicrosPerSecond +
         frac_micros - offset;
}

namespace {
struct Era {
  CivilDate start;
  const char* name;
};
// Newest first. Dates before 明治6年 (the Gregorian switch) are not meaningful here.
constexpr Era kEras[] = {
    {{2019, 5, 1}, "令和"}, {{1989, 1, 8}, "平成"}, {{1926, 12, 25}, "昭和"},
    {{1912, 7, 30}, "大正"}, {{1868, 10, 23}, "明治"},
};
}  // namespace

std::string FormatWareki(const CivilDate& date) {
  for (const Era& era : kEras) {
    if (date >= era.start) {
      const int year = date.year - era.start.year + 1;
      std::string y = year == 1 ? "元" : std::to_string(year);
      return std::string(era.name) + y + "年" + std::to_string(date.month) + "月" +
             std::to_string(date.day) + "日";
    }
  }
  return FormatDate(date);
}

int FiscalYear(const CivilDate& date) { return date.month >= 4 ? date.year : date.year - 1; }

}  // namespace mamori
