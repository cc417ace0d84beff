#include "domain/register_children.hpp"

#include <gtest/gtest.h>

#include "common/time.hpp"

namespace mamori::domain {
namespace {

using nlohmann::json;

policy::Expr Cond(const char* text) {
  auto e = policy::Expr::Parse(text);
  EXPECT_TRUE(e.ok()) << text;
  return e.ok() ? *e : policy::Expr();
}

// A pending state due in 72 hours, or 24 for MIC, or at the end of a date field for the police.
policy::StateDef Pending() {
  policy::Deadline d{.after_minutes = 72 * 60, .on_pass = "escalate"};
  d.cases.push_back({.when = Cond(R"(record.authority == "mic")"), .after_minutes = 24 * 60});
  d.cases.push_back({.when = Cond(R"(record.authority == "police")"), .field = "due_on"});
  return policy::StateDef{.id = "pending", .label = "未報告", .deadline = d};
}

constexpr int64_t kHour = 3600LL * 1000000;

TEST(DeadlineByCases, TheFirstCaseThatHoldsGivesTheTiming) {
  const int64_t entered = *ParseRfc3339("2026-12-01T00:00:00Z");
  EXPECT_EQ(DeadlineByCases(Pending(), json{{"authority", "mic"}}, entered), entered + 24 * kHour);
  // The end of the date field's day, JST: 2026-12-05 24:00 JST is 15:00 UTC that day.
  EXPECT_EQ(DeadlineByCases(Pending(), json{{"authority", "police"}, {"due_on", "2026-12-05"}}, entered),
            *ParseRfc3339("2026-12-05T15:00:00Z"));
}

TEST(DeadlineByCases, NoCaseHoldingFallsBackToTheDeadlinesOwnTiming) {
  const int64_t entered = *ParseRfc3339("2026-12-01T00:00:00Z");
  EXPECT_EQ(DeadlineByCases(Pending(), json{{"authority", "press"}}, entered), entered + 72 * kHour);
  EXPECT_EQ(DeadlineByCases(Pending(), json{{"authority", nullptr}}, entered), entered + 72 * kHour);
}

TEST(DeadlineByCases, WithoutAFallbackARecordNoCaseMatchesHasNoDeadline) {
  policy::StateDef s = Pending();
  s.deadline->after_minutes = 0;
  EXPECT_FALSE(DeadlineByCases(s, json{{"authority", "press"}}, 0).has_value());
  // A matching case whose date field is empty gives none either.
  EXPECT_FALSE(DeadlineByCases(s, json{{"authority", "police"}}, 0).has_value());
}

TEST(IsOverdue, APassedDeadlineIsOverdueUnlessTheStateIsFinal) {
  policy::RegisterSpec r{.id = "x"};
  r.workflow = policy::Workflow{.initial = "open",
                                .states = {policy::StateDef{.id = "open", .label = "対応中"},
                                           policy::StateDef{.id = "done", .label = "完了", .final = true}}};
  storage::RegisterRecord rec{.id = "1", .state = "open", .deadline_at = 1000};
  EXPECT_FALSE(IsOverdue(r, rec, 999));
  EXPECT_TRUE(IsOverdue(r, rec, 1000));
  rec.state = "done";
  EXPECT_FALSE(IsOverdue(r, rec, 5000));
  rec.state = "open";
  rec.deadline_at.reset();
  EXPECT_FALSE(IsOverdue(r, rec, 5000)) << "no deadline, never overdue";
}

TEST(ApplyStamps, WritesNowTodayTheActorAndFixedValuesInTheFieldsTypes) {
  policy::RegisterSpec r{.id = "x"};
  r.fields = {policy::RegisterField{.id = "sent_at", .type = policy::RegisterFieldType::kDateTime},
              policy::RegisterField{.id = "sent_on", .type = policy::RegisterFieldType::kDate},
              policy::RegisterField{.id = "sent_by", .type = policy::RegisterFieldType::kUser},
              policy::RegisterField{.id = "confirmed", .type = policy::RegisterFieldType::kBool},
              policy::RegisterField{.id = "count", .type = policy::RegisterFieldType::kInt},
              policy::RegisterField{.id = "channel", .type = policy::RegisterFieldType::kChoice}};
  policy::Transition t{.id = "send"};
  t.stamps = {{.field = "sent_at", .kind = "now"},       {.field = "sent_on", .kind = "now"},
              {.field = "sent_by", .kind = "actor"},     {.field = "confirmed", .kind = "fixed", .value = "true"},
              {.field = "count", .kind = "fixed", .value = "3"}, {.field = "channel", .kind = "fixed", .value = "email"}};
  // 2026-12-01 23:30 JST.
  const int64_t now = *ParseRfc3339("2026-12-01T14:30:00Z");
  json after = {{"sent_by", "someone-else"}};
  ApplyStamps(r, t, "u1", now, after);
  EXPECT_EQ(ParseRfc3339(after["sent_at"].get<std::string>()), now);
  EXPECT_EQ(after["sent_on"], "2026-12-01");
  EXPECT_EQ(after["sent_by"], "u1");
  EXPECT_EQ(after["confirmed"], true);
  EXPECT_EQ(after["count"], 3);
  EXPECT_EQ(after["channel"], "email");
}

}  // namespace
}  // namespace mamori::domain
