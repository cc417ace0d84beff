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

// The policy types have members without default initializers, so they are filled in by name
// here rather than with designated initializers (which would leave those unnamed).
policy::DeadlineCase Case(const char* when, int64_t after_minutes, const char* field) {
  policy::DeadlineCase c;
  c.when = Cond(when);
  c.after_minutes = after_minutes;
  c.field = field;
  return c;
}

policy::StateDef State(const char* id, bool final) {
  policy::StateDef s;
  s.id = id;
  s.label = id;
  s.final = final;
  return s;
}

policy::RegisterField Field(const char* id, policy::RegisterFieldType type) {
  policy::RegisterField f;
  f.id = id;
  f.label = id;
  f.type = type;
  return f;
}

policy::Transition::Stamp Stamp(const char* field, const char* kind, const char* value = "") {
  policy::Transition::Stamp s;
  s.field = field;
  s.kind = kind;
  s.value = value;
  return s;
}

// A pending state due in 72 hours, or 24 for MIC, or at the end of a date field for the police.
policy::StateDef Pending() {
  policy::Deadline d;
  d.after_minutes = 72 * 60;
  d.on_pass = "escalate";
  d.cases.push_back(Case(R"(record.authority == "mic")", 24 * 60, ""));
  d.cases.push_back(Case(R"(record.authority == "police")", 0, "due_on"));
  policy::StateDef s = State("pending", false);
  s.deadline = d;
  return s;
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
  policy::RegisterSpec r;
  r.id = "x";
  policy::Workflow wf;
  wf.initial = "open";
  wf.states = {State("open", false), State("done", true)};
  r.workflow = wf;
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
  policy::RegisterSpec r;
  r.id = "x";
  r.fields = {Field("sent_at", policy::RegisterFieldType::kDateTime), Field("sent_on", policy::RegisterFieldType::kDate),
              Field("sent_by", policy::RegisterFieldType::kUser),     Field("confirmed", policy::RegisterFieldType::kBool),
              Field("count", policy::RegisterFieldType::kInt),        Field("channel", policy::RegisterFieldType::kChoice)};
  policy::Transition t;
  t.id = "send";
  t.stamps = {Stamp("sent_at", "now"),           Stamp("sent_on", "now"),       Stamp("sent_by", "actor"),
              Stamp("confirmed", "fixed", "true"), Stamp("count", "fixed", "3"), Stamp("channel", "fixed", "email")};
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
