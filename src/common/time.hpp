// Time in mamori: instants are UTC microseconds since the epoch; calendar dates are civil
// dates in Japan (JST, UTC+9, no daylight saving), shown in 西暦 or 和暦, grouped by 年度.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori {

// A source of the current instant; tests substitute a manual clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() const = 0;
  int64_t NowSeconds() const { return NowMicros() / 1000000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  static const SystemClock& Instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t micros) : now_(micros) {}
  int64_t NowMicros() const override { return now_; }
  void Advance(int64_t micros) { now_ += micros; }
  void Set(int64_t micros) { now_ = micros; }

 private:
  int64_t now_;
};

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;
// Japan has one time zone and no daylight saving; all civil dates are JST.
constexpr int64_t kJstOffsetMicros = 9 * kMicrosPerHour;

struct CivilDate {
  int year = 1970;
  int month = 1;
  int day = 1;
  auto operator<=>(const CivilDate&) const = default;
};

// RFC 3339 UTC with milliseconds: "2026-11-21T20:42:47.123Z".
std::string FormatRfc3339(int64_t micros);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]" and a bare "YYYY-MM-DD" (midnight JST).
std::optional<int64_t> ParseRfc3339(std::string_view text);

// "YYYY-MM-DD", validated (month lengths, leap years, 1868..9999).
std::optional<CivilDate> ParseDate(std::string_view text);
std::string FormatDate(const CivilDate& date);
// The JST civil date of an instant.
CivilDate JstDate(int64_t micros);
// Midnight JST at the start of a civil date, as UTC micros.
int64_t JstMidnightMicros(const CivilDate& date);
int64_t DaysFromCivil(const CivilDate& date);

// 和暦: "令和7年4月1日"; the first year of an era is "元年". Dates before 明治 are refused
// (returns the 西暦 form).
std::string FormatWareki(const CivilDate& date);
// 年度 (April–March): 2026-03-31 belongs to 2025年度.
int FiscalYear(const CivilDate& date);

}  // namespace mamori
