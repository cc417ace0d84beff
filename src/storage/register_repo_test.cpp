// Conformance of the generic register storage, run unchanged on SQLite and on PostgreSQL
// (MAMORI_TEST_PG_URL; without it the postgres half fails): the table a spec describes and how
// it grows, the names it refuses, round trips with their NULLs, optimistic locking, the list's
// order, filters and scope with their totals (summed or counted), and the deadlines.
#include "storage/register_repo.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"

namespace mamori::storage {
namespace {

// A lending book: the owner section (counted, indexed), a system, a choice, a searchable text,
// an int and a bool.
TableSpec LendingSpec() {
  return TableSpec{.name = "reg_lending",
                   .columns = {{.name = "device", .type = ColumnType::kText},
                               {.name = "owner_org_unit_id", .type = ColumnType::kText, .indexed = true, .counted = true},
                               {.name = "system_id", .type = ColumnType::kText, .indexed = true},
                               {.name = "kind", .type = ColumnType::kText, .indexed = true},
                               {.name = "qty", .type = ColumnType::kInt},
                               {.name = "spare", .type = ColumnType::kBool}}};
}

class RegisterStorageTest : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(Ensure(spec_).ok());
  }

  Status Ensure(const TableSpec& spec) {
    return db_->Write([&](Connection& c) { return EnsureTable(c, spec); });
  }

  // A record created at `at` in `state`, owned by `owner`, created by someone of `creator_unit`.
  static RegisterRecord Rec(const std::string& id, int64_t at, const std::string& state = "available",
                            const std::string& owner = "s1", const std::string& creator_unit = "s1") {
    return RegisterRecord{.id = id,
                          .state = state,
                          .creator_org_unit_id = creator_unit,
                          .created_by = "u1",
                          .created_at = at,
                          .updated_at = at,
                          .values = {{"device", "PC-" + id}, {"owner_org_unit_id", owner}, {"kind", "laptop"}}};
  }

  Status Insert(const RegisterRecord& r) {
    return db_->Write([&](Connection& c) { return RegisterRepo(c, spec_).Insert(r); });
  }
  Status Update(const RegisterRecord& r) {
    return db_->Write([&](Connection& c) { return RegisterRepo(c, spec_).Update(r); });
  }
  std::optional<RegisterRecord> Get(const std::string& id) {
    auto r = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).Get(id); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }
  std::vector<std::string> Ids(const RegisterFilter& f, const Page& page = {}) {
    auto r = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).List(f, page); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& rec : *r) out.push_back(rec.id);
    return out;
  }
  int64_t Count(const RegisterFilter& f) {
    auto r = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).Count(f); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return r.ok() ? *r : -1;
  }
  // The indexes of a table besides its primary key's, as each engine lists them.
  int64_t IndexCount(const std::string& table) {
    auto n = db_->Read([&](Connection& c) {
      return c.dialect() == Dialect::kSqlite
                 ? c.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                              {table}, -1)
                 : c.QueryInt("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? "
                              "AND indexname NOT LIKE '%_pkey'",
                              {table}, -1);
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }
  // Whether a table of that name exists (a probe that fails when it does not).
  bool TableExists(const std::string& name) {
    return db_->Read([&](Connection& c) { return c.QueryInt("SELECT COUNT(*) FROM \"" + name + "\"", {}, 0); }).ok();
  }

  TableSpec spec_ = LendingSpec();
};

TEST_P(RegisterStorageTest, ARecordReadsBackAsWrittenWithItsNullsStepActorsAndDeadline) {
  RegisterRecord r{.id = "r1",
                   .state = "lent",
                   .step = 2,
                   .step_actors = {"u1", "u2"},
                   .creator_org_unit_id = "s1",
                   .created_by = "u1",
                   .created_at = 1'700'000'000'000'000,
                   .updated_at = 1'700'000'000'000'001,
                   .version = 3,
                   .deadline_at = 1'800'000'000'000'000,
                   .deadline_done = true,
                   .values = {{"device", "PC-'1\"; DROP TABLE x; --"},
                              {"owner_org_unit_id", "s1"},
                              {"qty", int64_t{-42}},
                              {"spare", int64_t{1}},
                              {"kind", nullptr}}};
  ASSERT_TRUE(Insert(r).ok());
  auto got = Get("r1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->state, "lent");
  EXPECT_EQ(got->step, 2);
  EXPECT_EQ(got->step_actors, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(got->creator_org_unit_id, "s1");
  EXPECT_EQ(got->created_by, "u1");
  EXPECT_EQ(got->created_at, 1'700'000'000'000'000);
  EXPECT_EQ(got->updated_at, 1'700'000'000'000'001);
  EXPECT_EQ(got->version, 3);
  EXPECT_EQ(got->deadline_at, std::optional<int64_t>(1'800'000'000'000'000));
  EXPECT_TRUE(got->deadline_done);
  // Every column of the spec is answered; the ones not given are NULL.
  ASSERT_EQ(got->values.size(), spec_.columns.size());
  EXPECT_EQ(got->values["device"], Value(std::string("PC-'1\"; DROP TABLE x; --")));
  EXPECT_EQ(got->values["qty"], Value(int64_t{-42}));
  EXPECT_EQ(got->values["spare"], Value(int64_t{1}));
  EXPECT_EQ(got->values["kind"], Value(nullptr));
  EXPECT_EQ(got->values["system_id"], Value(nullptr));
  EXPECT_FALSE(Get("nope").has_value());
}

TEST_P(RegisterStorageTest, ARecordWithoutDeadlineOrActorsReadsBackEmpty) {
  ASSERT_TRUE(Insert(Rec("r1", 10)).ok());
  auto got = Get("r1");
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->deadline_at.has_value());
  EXPECT_FALSE(got->deadline_done);
  EXPECT_TRUE(got->step_actors.empty());
  EXPECT_EQ(got->step, 0);
  EXPECT_EQ(got->version, 1);
}

TEST_P(RegisterStorageTest, EnsuringTwiceChangesNothingAndKeepsTheRows) {
  ASSERT_TRUE(Insert(Rec("r1", 10)).ok());
  ASSERT_TRUE(Ensure(spec_).ok());
  ASSERT_TRUE(Ensure(spec_).ok());
  // The list's order, state, creator's unit, the deadlines, and the three indexed columns.
  EXPECT_EQ(IndexCount("reg_lending"), 7);
  EXPECT_EQ(Ids({}), (std::vector<std::string>{"r1"}));
  EXPECT_EQ(Count({}), 1);
  // A repository over a temporary copy of the spec works alike.
  auto n = db_->Read([&](Connection& c) {
    RegisterRepo repo(c, LendingSpec());
    return repo.Count({});
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
}

TEST_P(RegisterStorageTest, ASpecThatGainsAFieldGetsItsColumnAndOldRowsReadItNull) {
  ASSERT_TRUE(Insert(Rec("r1", 10)).ok());
  spec_.columns.push_back({.name = "serial", .type = ColumnType::kText, .indexed = true});
  // The same spec object changed in place: its statements must be built again.
  ASSERT_TRUE(Ensure(spec_).ok());
  EXPECT_EQ(IndexCount("reg_lending"), 8);
  auto old = Get("r1");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->values["serial"], Value(nullptr));
  RegisterRecord r2 = Rec("r2", 20);
  r2.values["serial"] = "SN-9";
  ASSERT_TRUE(Insert(r2).ok());
  EXPECT_EQ(Ids({.eq = {{"serial", "SN-9"}}}), (std::vector<std::string>{"r2"}));
  EXPECT_EQ(Ids({.eq = {{"serial", nullptr}}}), (std::vector<std::string>{"r1"}));
  EXPECT_EQ(Count({.eq = {{"serial", "SN-9"}}}), 1);
}

TEST_P(RegisterStorageTest, AFieldTheSpecNoLongerNamesKeepsItsDataAndIsNeitherReadNorWritten) {
  RegisterRecord r = Rec("r1", 10);
  r.values["qty"] = int64_t{5};
  ASSERT_TRUE(Insert(r).ok());
  TableSpec fewer = spec_;
  fewer.columns.erase(std::remove_if(fewer.columns.begin(), fewer.columns.end(),
                                     [](const ColumnSpec& c) { return c.name == "qty"; }),
                      fewer.columns.end());
  ASSERT_TRUE(Ensure(fewer).ok());
  auto got = db_->Read([&](Connection& c) { return RegisterRepo(c, fewer).Get("r1"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->values.count("qty"), 0u);
  RegisterRecord changed = **got;
  changed.values["device"] = "PC-new";
  ASSERT_TRUE(db_->Write([&](Connection& c) { return RegisterRepo(c, fewer).Update(changed); }).ok());
  // Read through the full spec again: the dropped field's value is still there.
  auto full = Get("r1");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->values["qty"], Value(int64_t{5}));
  EXPECT_EQ(full->values["device"], Value(std::string("PC-new")));
}

TEST_P(RegisterStorageTest, AColumnWhoseTypeChangedIsRefusedAndTheTableIsLeftAsItWas) {
  ASSERT_TRUE(Insert(Rec("r1", 10)).ok());
  TableSpec changed = spec_;
  changed.columns[0].type = ColumnType::kInt;  // device: text → int
  changed.columns.push_back({.name = "extra", .type = ColumnType::kText});
  auto st = Ensure(changed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInternal);
  EXPECT_NE(st.error().detail.find("f_device"), std::string::npos);
  // The column the refused spec would have added was not added.
  auto probe = db_->Read([&](Connection& c) { return c.QueryInt("SELECT COUNT(f_extra) FROM reg_lending", {}, 0); });
  EXPECT_FALSE(probe.ok());
  EXPECT_EQ(Get("r1")->values["device"], Value(std::string("PC-r1")));
}

TEST_P(RegisterStorageTest, ATableOfThatNameThatIsNotARegistersIsRefused) {
  // `users` exists (migration 1) without the register's fixed columns.
  auto st = Ensure(TableSpec{.name = "users", .columns = {{.name = "x"}}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInternal);
  auto probe = db_->Read([&](Connection& c) { return c.QueryInt("SELECT COUNT(f_x) FROM users", {}, 0); });
  EXPECT_FALSE(probe.ok()) << "the refused spec's column was added to users";
}

TEST_P(RegisterStorageTest, MalformedNamesAreRefusedAndNothingIsCreated) {
  const std::vector<TableSpec> bad = {
      {.name = "reg_x\"; DROP TABLE users; --"},
      {.name = "Reg_upper"},
      {.name = "9reg"},
      {.name = ""},
      {.name = "reg__double"},
      {.name = std::string(49, 'a')},
      {.name = "reg_badcol", .columns = {{.name = "a\" TEXT); DROP TABLE users; --"}}},
      {.name = "reg_badcol", .columns = {{.name = "Upper"}}},
      {.name = "reg_badcol", .columns = {{.name = std::string(41, 'a')}}},
      {.name = "reg_badcol", .columns = {{.name = "a"}, {.name = "a"}}},
      {.name = "reg_badcol", .columns = {{.name = "n", .type = ColumnType::kInt, .counted = true}}},
  };
  for (const TableSpec& spec : bad) {
    auto st = Ensure(spec);
    EXPECT_FALSE(st.ok()) << spec.name;
    if (!st.ok()) {
      EXPECT_EQ(st.error().code, ErrorCode::kInternal);
    }
    // A repository over it runs nothing either.
    auto n = db_->Read([&](Connection& c) { return RegisterRepo(c, spec).Count({}); });
    EXPECT_FALSE(n.ok()) << spec.name;
  }
  EXPECT_FALSE(TableExists("reg_badcol"));
  EXPECT_FALSE(TableExists("reg__double"));
  EXPECT_TRUE(TableExists("users"));
  // The longest names allowed work, with index names within PostgreSQL's limit that stay apart.
  TableSpec longest{.name = std::string(48, 'z'),
                    .columns = {{.name = std::string(39, 'c') + "1", .indexed = true, .counted = true},
                                {.name = std::string(39, 'c') + "2", .indexed = true}}};
  ASSERT_TRUE(Ensure(longest).ok());
  ASSERT_TRUE(Ensure(longest).ok());
  // Both long columns' index names were cut to 63 characters and stay apart: 4 + 2 indexes.
  EXPECT_EQ(IndexCount(longest.name), 6);
  auto n = db_->Read([&](Connection& c) { return RegisterRepo(c, longest).Count({}); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST_P(RegisterStorageTest, UnknownColumnsAndValuesOfTheWrongTypeAreRefusedAndNothingIsWritten) {
  auto refused = [&](RegisterRecord r) {
    auto st = Insert(r);
    EXPECT_FALSE(st.ok());
    if (!st.ok()) {
      EXPECT_EQ(st.error().code, ErrorCode::kInternal);
    }
  };
  RegisterRecord unknown = Rec("r1", 10);
  unknown.values["f_device"] = "the column's name, not the field's";
  refused(unknown);
  RegisterRecord text_for_int = Rec("r1", 10);
  text_for_int.values["qty"] = "5";
  refused(text_for_int);
  RegisterRecord int_for_text = Rec("r1", 10);
  int_for_text.values["device"] = int64_t{5};
  refused(int_for_text);
  RegisterRecord not_bool = Rec("r1", 10);
  not_bool.values["spare"] = int64_t{2};
  refused(not_bool);
  EXPECT_FALSE(Get("r1").has_value());
  EXPECT_EQ(Count({}), 0);

  ASSERT_TRUE(Insert(Rec("r1", 10)).ok());
  RegisterRecord bad_update = *Get("r1");
  bad_update.values["qty"] = "many";
  EXPECT_FALSE(Update(bad_update).ok());
  EXPECT_EQ(Get("r1")->version, 1);

  const std::vector<RegisterFilter> bad = {
      {.eq = {{"nope", "x"}}},
      {.eq = {{"qty", "5"}}},
      {.eq = {{"owner_org_unit_id\" OR 1 = 1 --", "x"}}},
      {.q_cols = {"qty"}, .q = "5"},
      {.q_cols = {"nope"}, .q = "x"},
      {.restrict = true, .org_unit_col = "nope", .org_unit_ids = {"s1"}},
      {.restrict = true, .system_col = "qty", .system_ids = {"1"}},
  };
  for (const RegisterFilter& f : bad) {
    auto list = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).List(f, {}); });
    EXPECT_FALSE(list.ok());
    auto n = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).Count(f); });
    EXPECT_FALSE(n.ok());
  }
}

TEST_P(RegisterStorageTest, AnUpdateNeedsTheVersionItReadAndAStaleOneChangesNothing) {
  ASSERT_TRUE(Insert(Rec("r1", 10)).ok());
  RegisterRecord r = *Get("r1");
  r.state = "lent";
  r.step = 1;
  r.step_actors = {"u2"};
  r.updated_at = 20;
  r.deadline_at = 99;
  r.values["device"] = "PC-renamed";
  r.values["qty"] = int64_t{3};
  r.values["kind"] = nullptr;
  // Immutable columns are not written even when the caller changes them.
  r.created_by = "someone-else";
  r.created_at = 1;
  r.creator_org_unit_id = "s2";
  ASSERT_TRUE(Update(r).ok());
  auto got = Get("r1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->state, "lent");
  EXPECT_EQ(got->step, 1);
  EXPECT_EQ(got->step_actors, (std::vector<std::string>{"u2"}));
  EXPECT_EQ(got->updated_at, 20);
  EXPECT_EQ(got->deadline_at, std::optional<int64_t>(99));
  EXPECT_EQ(got->values["device"], Value(std::string("PC-renamed")));
  EXPECT_EQ(got->values["qty"], Value(int64_t{3}));
  EXPECT_EQ(got->values["kind"], Value(nullptr));
  EXPECT_EQ(got->created_by, "u1");
  EXPECT_EQ(got->created_at, 10);
  EXPECT_EQ(got->creator_org_unit_id, "s1");

  // The same version again is stale: a conflict, and nothing changes.
  r.state = "retired";
  r.values["device"] = "PC-stale";
  auto st = Update(r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  got = Get("r1");
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->state, "lent");
  EXPECT_EQ(got->values["device"], Value(std::string("PC-renamed")));
  EXPECT_EQ(Count({.state = "retired"}), 0);
  EXPECT_EQ(Count({.state = "lent"}), 1);

  RegisterRecord ghost = Rec("ghost", 10);
  st = Update(ghost);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
}

TEST_P(RegisterStorageTest, ListsAreNewestFirstThenByIdAndPaged) {
  ASSERT_TRUE(Insert(Rec("b", 20)).ok());
  ASSERT_TRUE(Insert(Rec("a", 20)).ok());
  ASSERT_TRUE(Insert(Rec("c", 30)).ok());
  ASSERT_TRUE(Insert(Rec("d", 10)).ok());
  EXPECT_EQ(Ids({}), (std::vector<std::string>{"c", "a", "b", "d"}));
  EXPECT_EQ(Ids({}, {.page = 1, .per_page = 2}), (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(Ids({}, {.page = 2, .per_page = 2}), (std::vector<std::string>{"b", "d"}));
  EXPECT_TRUE(Ids({}, {.page = 3, .per_page = 2}).empty());
  EXPECT_EQ(Count({}), 4);
}

TEST_P(RegisterStorageTest, FiltersNarrowTheListAndItsTotalAlike) {
  RegisterRecord a = Rec("a", 10, "available", "s1");
  a.values["device"] = "ThinkPad 100%_x";
  a.values["qty"] = int64_t{2};
  RegisterRecord b = Rec("b", 20, "lent", "s2");
  b.values["device"] = "thinkpad-b";
  b.values["kind"] = "tablet";
  RegisterRecord c = Rec("c", 30, "lent", "s1");
  c.values["device"] = "iPad";
  c.values["qty"] = int64_t{2};
  for (const auto& r : {a, b, c}) ASSERT_TRUE(Insert(r).ok());
  struct Case {
    RegisterFilter f;
    std::vector<std::string> ids;
  };
  const std::vector<Case> cases = {
      {{.state = "lent"}, {"c", "b"}},
      {{.state = "retired"}, {}},
      {{.eq = {{"owner_org_unit_id", "s1"}}}, {"c", "a"}},
      {{.state = "lent", .eq = {{"owner_org_unit_id", "s1"}}}, {"c"}},
      {{.eq = {{"kind", "tablet"}}}, {"b"}},
      {{.eq = {{"qty", int64_t{2}}}}, {"c", "a"}},
      {{.eq = {{"qty", nullptr}}}, {"b"}},
      // q: ASCII case folded, any of q_cols.
      {{.q_cols = {"device"}, .q = "THINKPAD"}, {"b", "a"}},
      {{.q_cols = {"device", "kind"}, .q = "tab"}, {"b"}},
      // LIKE's wildcards are literal.
      {{.q_cols = {"device"}, .q = "100%_"}, {"a"}},
      {{.q_cols = {"device"}, .q = "%"}, {"a"}},
      {{.q_cols = {"device"}, .q = "_"}, {"a"}},
      // A search over no column finds nothing.
      {{.q = "ipad"}, {}},
  };
  for (const Case& k : cases) {
    EXPECT_EQ(Ids(k.f), k.ids);
    EXPECT_EQ(Count(k.f), static_cast<int64_t>(k.ids.size()));
  }
}

TEST_P(RegisterStorageTest, AScopeSeesItsUnitsItsSystemsAndItsCreatorsAndAnEmptyScopeNothing) {
  RegisterRecord a = Rec("a", 10, "available", "s1", "s2");
  RegisterRecord b = Rec("b", 20, "available", "s2", "s2");
  b.values["system_id"] = "sys1";
  RegisterRecord c = Rec("c", 30, "available", "b1", "s1");
  RegisterRecord d = Rec("d", 40, "available", "", "s1");
  d.values["owner_org_unit_id"] = nullptr;
  for (const auto& r : {a, b, c, d}) ASSERT_TRUE(Insert(r).ok());
  struct Case {
    RegisterFilter f;
    std::vector<std::string> ids;
  };
  const std::vector<Case> cases = {
      {{.restrict = true, .org_unit_col = "owner_org_unit_id", .org_unit_ids = {"s1"}}, {"a"}},
      {{.restrict = true, .org_unit_col = "owner_org_unit_id", .org_unit_ids = {"s1", "b1"}}, {"c", "a"}},
      {{.restrict = true, .system_col = "system_id", .system_ids = {"sys1"}}, {"b"}},
      {{.restrict = true,
        .org_unit_col = "owner_org_unit_id",
        .org_unit_ids = {"s1"},
        .system_col = "system_id",
        .system_ids = {"sys1"}},
       {"b", "a"}},
      // A city-wide register: a unit reaches what its people created.
      {{.restrict = true, .creator_unit_ids = {"s1"}}, {"d", "c"}},
      {{.restrict = true, .org_unit_col = "owner_org_unit_id", .org_unit_ids = {"s1"}, .creator_unit_ids = {"s1"}},
       {"d", "c", "a"}},
      {{.restrict = true, .org_unit_col = "owner_org_unit_id", .org_unit_ids = {"s1"}, .state = "lent"}, {}},
      // Empty sets: nothing, never everything.
      {{.restrict = true}, {}},
      {{.restrict = true, .org_unit_col = "owner_org_unit_id", .system_col = "system_id"}, {}},
      // An id "" does not reach the record whose owner is NULL.
      {{.restrict = true, .org_unit_col = "owner_org_unit_id", .org_unit_ids = {""}}, {}},
      // Not restricted: the sets are ignored.
      {{.org_unit_col = "owner_org_unit_id", .org_unit_ids = {"s1"}}, {"d", "c", "b", "a"}},
  };
  for (const Case& k : cases) {
    EXPECT_EQ(Ids(k.f), k.ids);
    EXPECT_EQ(Count(k.f), static_cast<int64_t>(k.ids.size()));
  }
}

TEST_P(RegisterStorageTest, SummedTotalsFollowEveryInsertAndUpdate) {
  // 30 records over three states, two owner sections and two creator units; then moves.
  std::vector<RegisterRecord> recs;
  for (int i = 0; i < 30; ++i) {
    recs.push_back(Rec("r" + std::to_string(i), i, i % 3 == 0 ? "lent" : "available", i % 2 ? "s1" : "s2",
                       i % 5 ? "s1" : "s2"));
    ASSERT_TRUE(Insert(recs.back()).ok());
  }
  for (int i = 0; i < 30; i += 4) {
    RegisterRecord r = *Get(recs[i].id);
    r.state = "retired";
    r.values["owner_org_unit_id"] = "b1";
    ASSERT_TRUE(Update(r).ok());
    recs[i] = r;
  }
  // An update that moves nothing in the summary, and one that clears the owner.
  RegisterRecord same = *Get("r1");
  same.values["device"] = "x";
  ASSERT_TRUE(Update(same).ok());
  RegisterRecord cleared = *Get("r3");
  cleared.values["owner_org_unit_id"] = nullptr;
  ASSERT_TRUE(Update(cleared).ok());
  recs[3] = cleared;

  auto expected = [&](const std::string& state, const std::vector<std::string>& owners,
                      const std::vector<std::string>& creators) {
    int64_t n = 0;
    for (const auto& r : recs) {
      const auto* owner = std::get_if<std::string>(&r.values.at("owner_org_unit_id"));
      const bool by_owner = owner && std::find(owners.begin(), owners.end(), *owner) != owners.end();
      const bool by_creator = std::find(creators.begin(), creators.end(), r.creator_org_unit_id) != creators.end();
      if ((state.empty() || r.state == state) && (by_owner || by_creator)) ++n;
    }
    return n;
  };
  for (const std::string state : {"", "lent", "available", "retired"}) {
    for (const auto& owners : std::vector<std::vector<std::string>>{{"s1"}, {"s2"}, {"b1"}, {"s1", "b1"}, {}}) {
      for (const auto& creators : std::vector<std::vector<std::string>>{{}, {"s2"}}) {
        const RegisterFilter f{.restrict = true,
                               .org_unit_col = "owner_org_unit_id",
                               .org_unit_ids = owners,
                               .creator_unit_ids = creators,
                               .state = state};
        EXPECT_EQ(Count(f), expected(state, owners, creators)) << state;
        EXPECT_EQ(static_cast<int64_t>(Ids(f, {.per_page = 100}).size()), expected(state, owners, creators));
      }
    }
  }
  EXPECT_EQ(Count({}), 30);
  EXPECT_EQ(Count({.state = "retired"}), 8);
  EXPECT_EQ(Count({.eq = {{"owner_org_unit_id", "b1"}}}), 8);
  EXPECT_EQ(Count({.eq = {{"owner_org_unit_id", nullptr}}}), 1);
}

TEST_P(RegisterStorageTest, ARegisterWithoutCountedColumnsSumsItsTotalsByTheCreatorsUnit) {
  // A city-wide register (no owner section): its scope is the creator's unit.
  TableSpec city{.name = "reg_city", .columns = {{.name = "device"}, {.name = "kind", .indexed = true}}};
  ASSERT_TRUE(Ensure(city).ok());
  std::vector<RegisterRecord> recs;
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    RegisterRepo repo(c, city);
    for (int i = 0; i < 20; ++i) {
      recs.push_back(RegisterRecord{.id = "r" + std::to_string(i),
                                    .state = i % 2 ? "open" : "closed",
                                    .creator_org_unit_id = i % 4 ? "s1" : "s2",
                                    .created_by = "u1",
                                    .created_at = i,
                                    .updated_at = i,
                                    .values = {{"device", "d"}, {"kind", i % 3 ? "a" : "b"}}});
      MAMORI_TRY(repo.Insert(recs.back()));
    }
    // Three records change state; the summary must follow.
    for (int i : {1, 3, 4}) {
      MAMORI_ASSIGN(auto got, repo.Get(recs[i].id));
      got->state = "archived";
      MAMORI_TRY(repo.Update(*got));
      recs[i].state = "archived";
    }
    return Ok();
  }).ok());
  auto count = [&](const RegisterFilter& f) {
    auto n = db_->Read([&](Connection& c) { return RegisterRepo(c, city).Count(f); });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  };
  auto expected = [&](const std::string& unit, const std::string& state) {
    return std::count_if(recs.begin(), recs.end(), [&](const RegisterRecord& r) {
      return (unit.empty() || r.creator_org_unit_id == unit) && (state.empty() || r.state == state);
    });
  };
  for (const std::string unit : {"s1", "s2"}) {
    for (const std::string state : {"", "open", "closed", "archived"}) {
      EXPECT_EQ(count({.restrict = true, .creator_unit_ids = {unit}, .state = state}), expected(unit, state))
          << unit << " " << state;
    }
  }
  EXPECT_EQ(count({.state = "archived"}), 3);
  EXPECT_EQ(count({}), 20);
  // An eq filter on a column outside the summary is counted over the rows, just as exactly.
  EXPECT_EQ(count({.restrict = true, .creator_unit_ids = {"s1"}, .eq = {{"kind", "b"}}}),
            std::count_if(recs.begin(), recs.end(), [](const RegisterRecord& r) {
              return r.creator_org_unit_id == "s1" && std::get<std::string>(r.values.at("kind")) == "b";
            }));
}

TEST_P(RegisterStorageTest, TheSummaryIsRebuiltFromTheRowsWhenItsCountedColumnsChange) {
  for (int i = 0; i < 6; ++i) {
    RegisterRecord r = Rec("r" + std::to_string(i), i);
    r.values["system_id"] = i < 4 ? "sys1" : "sys2";
    ASSERT_TRUE(Insert(r).ok());
  }
  spec_.columns[2].counted = true;  // system_id becomes a dimension of the summary
  ASSERT_TRUE(Ensure(spec_).ok());
  EXPECT_EQ(Count({.restrict = true, .system_col = "system_id", .system_ids = {"sys1"}}), 4);
  EXPECT_EQ(Count({.eq = {{"system_id", "sys2"}}}), 2);
  RegisterRecord moved = *Get("r0");
  moved.values["system_id"] = "sys2";
  ASSERT_TRUE(Update(moved).ok());
  EXPECT_EQ(Count({.eq = {{"system_id", "sys2"}}}), 3);
  EXPECT_EQ(Count({.restrict = true, .system_col = "system_id", .system_ids = {"sys1"}}), 3);
  EXPECT_EQ(Count({}), 6);
  // And back: with no column counted, the summary counts by the creator's unit again.
  for (ColumnSpec& col : spec_.columns) col.counted = false;
  ASSERT_TRUE(Ensure(spec_).ok());
  EXPECT_EQ(Count({.restrict = true, .creator_unit_ids = {"s1"}}), 6);
  EXPECT_EQ(Count({.restrict = true, .creator_unit_ids = {"s2"}}), 0);
  EXPECT_EQ(Count({.eq = {{"system_id", "sys2"}}}), 3);
}

TEST_P(RegisterStorageTest, ManyIdsAreFetchedAcrossSlicesAndUnknownOnesAreLeftOut) {
  std::vector<std::string> ids;
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    RegisterRepo repo(c, spec_);
    for (int i = 0; i < 1200; ++i) {
      ids.push_back("r" + std::to_string(i));
      MAMORI_TRY(repo.Insert(Rec(ids.back(), i)));
    }
    return Ok();
  }).ok());
  ids.push_back("unknown");
  auto got = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).GetMany(ids); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 1200u);
  auto none = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).GetMany({}); });
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(RegisterStorageTest, DueDeadlinesAreThePassedOnesNotYetHandledEarliestFirst) {
  auto with_deadline = [&](const std::string& id, std::optional<int64_t> at, bool done) {
    RegisterRecord r = Rec(id, 1, "lent");
    r.deadline_at = at;
    r.deadline_done = done;
    return r;
  };
  for (const auto& r : {with_deadline("late", 100, false), with_deadline("later", 200, false),
                        with_deadline("handled", 50, true), with_deadline("future", 1000, false),
                        with_deadline("none", std::nullopt, false), with_deadline("exact", 300, false)})
    ASSERT_TRUE(Insert(r).ok());
  auto due = [&](int64_t now, int64_t limit) {
    auto r = db_->Read([&](Connection& c) { return RegisterRepo(c, spec_).DueDeadlines(now, limit); });
    EXPECT_TRUE(r.ok());
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& rec : *r) out.push_back(rec.id);
    return out;
  };
  EXPECT_EQ(due(300, 10), (std::vector<std::string>{"late", "later", "exact"}));
  EXPECT_EQ(due(300, 2), (std::vector<std::string>{"late", "later"}));
  EXPECT_TRUE(due(99, 10).empty());

  auto mark = [&](const std::string& id, int64_t at) {
    return db_->Write([&](Connection& c) { return RegisterRepo(c, spec_).MarkDeadlineDone(id, at); });
  };
  ASSERT_TRUE(mark("late", 100).ok());
  EXPECT_EQ(due(300, 10), (std::vector<std::string>{"later", "exact"}));
  const auto marked = Get("late");
  EXPECT_TRUE(marked->deadline_done);
  EXPECT_EQ(marked->version, 2);
  // Twice, or for a deadline that has moved: a conflict, and nothing changes.
  auto twice = mark("late", 100);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
  auto moved = mark("later", 150);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(Get("later")->deadline_done);
  EXPECT_EQ(Get("later")->version, 1);
  auto ghost = mark("ghost", 100);
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().code, ErrorCode::kNotFound);

  // A copy read before the mark cannot set it back: its version is stale.
  RegisterRecord before = *Get("later");
  ASSERT_TRUE(mark("later", 200).ok());
  before.values["device"] = "x";
  auto stale = Update(before);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(Get("later")->deadline_done);

  // A new state's deadline is due again once it passes.
  RegisterRecord next = *Get("late");
  next.deadline_at = 250;
  next.deadline_done = false;
  ASSERT_TRUE(Update(next).ok());
  EXPECT_EQ(due(300, 10), (std::vector<std::string>{"late", "exact"}));
}

TEST_P(RegisterStorageTest, TwoRegistersKeepTheirRecordsAndTotalsApart) {
  TableSpec other{.name = "reg_other", .columns = {{.name = "device"}, {.name = "owner_org_unit_id", .counted = true}}};
  ASSERT_TRUE(Ensure(other).ok());
  ASSERT_TRUE(Insert(Rec("r1", 10)).ok());
  for (const char* id : {"o1", "o2"}) {
    RegisterRecord r = Rec(id, 10);
    r.values.erase("kind");  // not a field of the other register
    ASSERT_TRUE(db_->Write([&](Connection& c) { return RegisterRepo(c, other).Insert(r); }).ok());
  }
  EXPECT_EQ(Count({}), 1);
  auto n = db_->Read([&](Connection& c) { return RegisterRepo(c, other).Count({}); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_FALSE(Get("o1").has_value());
}

INSTANTIATE_TEST_SUITE_P(Engines, RegisterStorageTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
