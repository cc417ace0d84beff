// Conformance of the requests (申請) repository, run unchanged on SQLite and on PostgreSQL
// (MAMORI_TEST_PG_URL; without it the postgres half fails): round trips with their NULLs,
// optimistic locking, the list filters an approver's inbox and a section's visibility rely on,
// expiry and the per-asset count.
#include "storage/request_repo.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/query_util.hpp"

namespace mamori::storage {
namespace {

class RequestStorageTest : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
      for (const auto& [id, unit] : {std::pair{"u1", "s1"}, {"u2", "s2"}, {"u3", "s1"}}) {
        UserRecord u;
        u.id = id;
        u.login_id = std::string("login-") + id;
        u.name = std::string("名前 ") + id;
        u.org_unit_id = unit;
        u.employment_type = "regular";
        u.status = "active";
        u.created_at = 1;
        MAMORI_TRY(UserRepo(c).Insert(u));
      }
      for (const char* id : {"a1", "a2", "a3"}) {
        MAMORI_TRY(AssetRepo(c).Insert(AssetRecord{.id = id,
                                                   .name = std::string("資産 ") + id,
                                                   .kind = "electronic_data",
                                                   .owner_org_unit_id = "s1",
                                                   .confidentiality = 2,
                                                   .integrity = 2,
                                                   .availability = 2,
                                                   .state = "in_use",
                                                   .created_by = "u1",
                                                   .created_at = 1,
                                                   .updated_at = 1}));
      }
      return Ok();
    }).ok());
  }

  // A submitted request of `type` by `requester`, approved by `role` over `scope`.
  static RequestRecord Request(const std::string& id, const std::string& requester, const std::string& unit,
                               int64_t at, const std::string& role = "information_manager",
                               const std::string& scope_type = "org_unit", const std::string& scope_id = "s1") {
    return RequestRecord{.id = id,
                         .type = "take_out",
                         .requester_id = requester,
                         .requester_org_unit_id = unit,
                         .state = "submitted",
                         .fields = R"({"purpose":"出張"})",
                         .completion = "{}",
                         .approver_role = role,
                         .approver_scope_type = scope_type,
                         .approver_scope_id = scope_id,
                         .clause = "kobe:4.3",
                         .created_at = at,
                         .updated_at = at,
                         .version = 1};
  }

  Status Insert(const RequestRecord& r) {
    return db_->Write([&](Connection& c) { return RequestRepo(c).Insert(r); });
  }

  std::vector<std::string> Ids(const RequestFilter& f, Page page = {}) {
    auto got = db_->Read([&](Connection& c) { return RequestRepo(c).List(f, page); });
    EXPECT_TRUE(got.ok()) << got.error().detail;
    std::vector<std::string> ids;
    if (got.ok())
      for (const auto& r : *got) ids.push_back(r.id);
    return ids;
  }

  int64_t Count(const RequestFilter& f) {
    auto n = db_->Read([&](Connection& c) { return RequestRepo(c).Count(f); });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  std::optional<RequestRecord> Get(const std::string& id) {
    auto got = db_->Read([&](Connection& c) { return RequestRepo(c).Get(id); });
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : std::nullopt;
  }

};

TEST_P(RequestStorageTest, ARequestReadsBackAsWrittenWithItsAssetsInOrder) {
  RequestRecord r = Request("r1", "u1", "s1", 100);
  r.asset_ids = {"a3", "a1", "a2"};
  r.expires_on = "2027-03-31";
  r.report_due_at = 5000;
  ASSERT_TRUE(Insert(r).ok());
  auto got = Get("r1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, "take_out");
  EXPECT_EQ(got->requester_id, "u1");
  EXPECT_EQ(got->requester_org_unit_id, "s1");
  EXPECT_EQ(got->state, "submitted");
  EXPECT_EQ(got->fields, R"({"purpose":"出張"})");
  EXPECT_EQ(got->completion, "{}");
  EXPECT_EQ(got->approver_role, "information_manager");
  EXPECT_EQ(got->approver_scope_type, "org_unit");
  EXPECT_EQ(got->approver_scope_id, "s1");
  EXPECT_EQ(got->clause, "kobe:4.3");
  EXPECT_EQ(got->expires_on, "2027-03-31");
  EXPECT_EQ(got->report_due_at, 5000);
  EXPECT_EQ(got->created_at, 100);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->asset_ids, (std::vector<std::string>{"a3", "a1", "a2"}));
  EXPECT_FALSE(Get("nope").has_value());
}

TEST_P(RequestStorageTest, EmptyOptionalValuesAreStoredAsNullAndReadBackEmpty) {
  RequestRecord r = Request("r1", "u1", "s1", 100, "security_manager", "city", "");
  ASSERT_TRUE(Insert(r).ok());
  auto got = Get("r1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->approver_scope_id, "");
  EXPECT_EQ(got->decided_by, "");
  EXPECT_EQ(got->decided_at, 0);
  EXPECT_EQ(got->expires_on, "");
  EXPECT_EQ(got->report_due_at, 0);
  EXPECT_TRUE(got->asset_ids.empty());
  auto nulls = db_->Read([&](Connection& c) {
    return c.QueryInt(
        "SELECT COUNT(*) FROM requests WHERE approver_scope_id IS NULL AND decided_by IS NULL AND decided_at IS NULL "
        "AND expires_on IS NULL AND report_due_at IS NULL",
        {}, -1);
  });
  ASSERT_TRUE(nulls.ok());
  EXPECT_EQ(*nulls, 1);
}

TEST_P(RequestStorageTest, AnUpdateNeedsTheVersionItReadAndAStaleOneChangesNothing) {
  ASSERT_TRUE(Insert(Request("r1", "u1", "s1", 100)).ok());
  RequestRecord approved = *Get("r1");
  approved.state = "approved";
  approved.decided_by = "u2";
  approved.decided_at = 200;
  approved.decision_note = "承認";
  approved.expires_on = "2027-01-31";
  approved.updated_at = 200;
  approved.version = 2;
  ASSERT_TRUE(db_->Write([&](Connection& c) { return RequestRepo(c).Update(approved); }).ok());

  RequestRecord stale = approved;  // a second approver who read version 1
  stale.state = "rejected";
  stale.decided_by = "u3";
  auto refused = db_->Write([&](Connection& c) { return RequestRepo(c).Update(stale); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);

  auto got = Get("r1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, "approved");
  EXPECT_EQ(got->decided_by, "u2");
  EXPECT_EQ(got->decided_at, 200);
  EXPECT_EQ(got->decision_note, "承認");
  EXPECT_EQ(got->expires_on, "2027-01-31");
  EXPECT_EQ(got->version, 2);
}

TEST_P(RequestStorageTest, ListsAreNewestFirstPagedAndFilteredLikeTheirCounts) {
  for (int i = 1; i <= 7; ++i) {
    RequestRecord r = Request("r" + std::to_string(i), i % 2 ? "u1" : "u2", i % 2 ? "s1" : "s2", 100 + i);
    if (i == 3) r.type = "exception";
    if (i == 5) r.state = "withdrawn";
    if (i <= 2) r.asset_ids = {"a1"};
    ASSERT_TRUE(Insert(r).ok());
  }
  EXPECT_EQ(Ids({}), (std::vector<std::string>{"r7", "r6", "r5", "r4", "r3", "r2", "r1"}));
  EXPECT_EQ(Ids({}, Page{.page = 2, .per_page = 3}), (std::vector<std::string>{"r4", "r3", "r2"}));
  EXPECT_EQ(Ids({}, Page{.page = 3, .per_page = 3}), (std::vector<std::string>{"r1"}));
  EXPECT_EQ(Count({}), 7);

  const RequestFilter by_state{.state = "withdrawn"};
  EXPECT_EQ(Ids(by_state), (std::vector<std::string>{"r5"}));
  EXPECT_EQ(Count(by_state), 1);
  const RequestFilter by_type{.type = "exception"};
  EXPECT_EQ(Ids(by_type), (std::vector<std::string>{"r3"}));
  const RequestFilter by_requester{.requester_id = "u2"};
  EXPECT_EQ(Ids(by_requester), (std::vector<std::string>{"r6", "r4", "r2"}));
  EXPECT_EQ(Count(by_requester), 3);
  const RequestFilter by_asset{.asset_id = "a1"};
  EXPECT_EQ(Ids(by_asset), (std::vector<std::string>{"r2", "r1"}));
  const RequestFilter none{.state = "withdrawn", .requester_id = "u2"};
  EXPECT_TRUE(Ids(none).empty());
  EXPECT_EQ(Count(none), 0);
}

TEST_P(RequestStorageTest, TheInboxHoldsWaitingRequestsOfTheReadersRolesInScopeButNotTheirOwn) {
  ASSERT_TRUE(Insert(Request("unit-s1", "u1", "s1", 101)).ok());
  ASSERT_TRUE(Insert(Request("unit-s2", "u2", "s2", 102, "information_manager", "org_unit", "s2")).ok());
  ASSERT_TRUE(Insert(Request("city", "u2", "s2", 103, "security_manager", "city", "")).ok());
  RequestRecord reported = Request("reported", "u1", "s1", 104);
  reported.state = "reported";
  ASSERT_TRUE(Insert(reported).ok());
  RequestRecord approved = Request("approved", "u1", "s1", 105);
  approved.state = "approved";
  ASSERT_TRUE(Insert(approved).ok());
  RequestRecord own = Request("own", "u3", "s1", 106);
  ASSERT_TRUE(Insert(own).ok());

  // u3: 情報管理者 of s1 and a city-wide security manager.
  RequestFilter inbox{.inbox = true,
                      .inbox_city_roles = {"security_manager"},
                      .inbox_unit_roles = {{"information_manager", "s1"}},
                      .exclude_requester_id = "u3"};
  EXPECT_EQ(Ids(inbox), (std::vector<std::string>{"reported", "city", "unit-s1"}));
  EXPECT_EQ(Count(inbox), 3);
  // No role at all: nothing, not everything.
  EXPECT_TRUE(Ids(RequestFilter{.inbox = true}).empty());
  // A unit role is matched with its unit only.
  RequestFilter other_unit{.inbox = true, .inbox_unit_roles = {{"information_manager", "s2"}}};
  EXPECT_EQ(Ids(other_unit), (std::vector<std::string>{"unit-s2"}));
}

TEST_P(RequestStorageTest, ASectionSeesItsUnitsRequestsAndAlwaysItsOwn) {
  ASSERT_TRUE(Insert(Request("s1-a", "u1", "s1", 101)).ok());
  ASSERT_TRUE(Insert(Request("s2-a", "u2", "s2", 102)).ok());
  // u3 moved to s2 after filing this one in s1: still theirs.
  ASSERT_TRUE(Insert(Request("mine", "u3", "s1", 103)).ok());
  RequestFilter s2_view{.restrict_units = true, .unit_ids = {"s2"}, .or_requester_id = "u3"};
  EXPECT_EQ(Ids(s2_view), (std::vector<std::string>{"mine", "s2-a"}));
  EXPECT_EQ(Count(s2_view), 2);
  RequestFilter nothing{.restrict_units = true, .unit_ids = {}, .or_requester_id = "nobody"};
  EXPECT_TRUE(Ids(nothing).empty());
}

TEST_P(RequestStorageTest, TypesAreLookedUpForManyIdsAndUnknownOnesAreLeftOut) {
  ASSERT_TRUE(Insert(Request("r1", "u1", "s1", 101)).ok());
  RequestRecord ex = Request("r2", "u1", "s1", 102);
  ex.type = "exception";
  ASSERT_TRUE(Insert(ex).ok());
  std::vector<std::string> ids{"r2", "missing", "r1"};
  for (size_t i = 0; i < kIdsPerQuery + 10; ++i) ids.push_back("x" + std::to_string(i));  // more than one query
  auto types = db_->Read([&](Connection& c) { return RequestRepo(c).TypesOf(ids); });
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(*types, (std::map<std::string, std::string>{{"r1", "take_out"}, {"r2", "exception"}}));
}

TEST_P(RequestStorageTest, OnlyApprovedRequestsPastTheirDateAreDueToExpire) {
  auto with = [&](const std::string& id, const std::string& state, const std::string& expires_on) {
    RequestRecord r = Request(id, "u1", "s1", 100);
    r.state = state;
    r.expires_on = expires_on;
    return Insert(r);
  };
  ASSERT_TRUE(with("past", "approved", "2026-11-30").ok());
  ASSERT_TRUE(with("today", "approved", "2026-12-01").ok());
  ASSERT_TRUE(with("future", "approved", "2027-01-01").ok());
  ASSERT_TRUE(with("no-date", "approved", "").ok());
  ASSERT_TRUE(with("withdrawn", "withdrawn", "2026-01-01").ok());
  auto due = db_->Read([&](Connection& c) { return RequestRepo(c).DueToExpire("2026-12-01"); });
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, (std::vector<std::string>{"past"}));
}

TEST_P(RequestStorageTest, RequestsOfAnAssetAreCountedByState) {
  RequestRecord a = Request("r1", "u1", "s1", 101);
  a.asset_ids = {"a1", "a2"};
  a.state = "approved";
  ASSERT_TRUE(Insert(a).ok());
  RequestRecord b = Request("r2", "u1", "s1", 102);
  b.asset_ids = {"a1"};
  ASSERT_TRUE(Insert(b).ok());
  auto count = [&](const std::string& asset, const std::vector<std::string>& states) {
    auto n = db_->Read([&](Connection& c) { return RequestRepo(c).CountOpenForAsset(asset, states); });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(count("a1", {"approved"}), 1);
  EXPECT_EQ(count("a1", {"approved", "submitted"}), 2);
  EXPECT_EQ(count("a2", {"submitted"}), 0);
  EXPECT_EQ(count("a3", {"approved", "submitted"}), 0);
}

TEST_P(RequestStorageTest, AnApprovalChainAndItsStepsReadBackAsWrittenAndAnUpdateMovesThem) {
  RequestRecord r = Request("r1", "u1", "s1", 100, "security_director", "city", "");
  r.approver_chain =
      R"([{"role":"security_director","scope_type":"city","scope_id":""},{"role":"system_owner","scope_type":"system","scope_id":"sys1"}])";
  ASSERT_TRUE(Insert(r).ok());
  auto got = Get("r1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->approver_chain, r.approver_chain);
  EXPECT_EQ(got->step, 0);
  EXPECT_TRUE(got->step_actors.empty());

  // Step 1 taken: the approver becomes step 2's, the state stays.
  RequestRecord next = *got;
  next.step = 1;
  next.step_actors = {"u2"};
  next.approver_role = "system_owner";
  next.approver_scope_type = "system";
  next.approver_scope_id = "sys1";
  next.version = 2;
  ASSERT_TRUE(db_->Write([&](Connection& c) { return RequestRepo(c).Update(next); }).ok());
  got = Get("r1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, "submitted");
  EXPECT_EQ(got->step, 1);
  EXPECT_EQ(got->step_actors, std::vector<std::string>{"u2"});
  EXPECT_EQ(got->approver_role, "system_owner");
  EXPECT_EQ(got->approver_scope_type, "system");
  EXPECT_EQ(got->approver_scope_id, "sys1");
  EXPECT_EQ(got->approver_chain, r.approver_chain);
}

TEST_P(RequestStorageTest, ARowWrittenBeforeChainsReadsAsNoStepTaken) {
  // Migration 10 added the columns with their defaults: a row that does not name them.
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    auto n = c.Execute(
        "INSERT INTO requests (id, type, requester_id, requester_org_unit_id, state, fields, completion, "
        "approver_role, approver_scope_type, clause, created_at, updated_at, version) "
        "VALUES ('old', 'take_out', 'u1', 's1', 'approved', '{}', '{}', 'information_manager', 'org_unit', "
        "'kobe:7.1.1', 1, 1, 2)",
        {});
    if (!n.ok()) return std::move(n).error();
    return Ok();
  }).ok());
  auto got = Get("old");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->approver_chain, "[]");
  EXPECT_EQ(got->step, 0);
  EXPECT_TRUE(got->step_actors.empty());
}

TEST_P(RequestStorageTest, TheInboxHoldsAChainsStepForItsSystemsHolderButNotForWhoTookAStep) {
  // Waiting for the owner of sys1 (step 2), after u2 took step 1.
  RequestRecord step2 = Request("step2", "u1", "s1", 101, "system_owner", "system", "sys1");
  step2.step = 1;
  step2.step_actors = {"u2"};
  ASSERT_TRUE(Insert(step2).ok());
  ASSERT_TRUE(Insert(Request("sys2", "u1", "s1", 102, "system_owner", "system", "sys2")).ok());
  // Waiting for the city-wide director (step 1).
  ASSERT_TRUE(Insert(Request("step1", "u1", "s1", 103, "security_director", "city", "")).ok());

  RequestFilter owner{.inbox = true, .inbox_system_roles = {{"system_owner", "sys1"}}};
  EXPECT_EQ(Ids(owner), (std::vector<std::string>{"step2"}));
  EXPECT_EQ(Count(owner), 1);
  // u2 holds both roles city-wide: step 1 of the other request is theirs, step 2 of this one is not.
  RequestFilter u2{.inbox = true,
                   .inbox_city_roles = {"security_director", "system_owner"},
                   .exclude_requester_id = "u2",
                   .exclude_step_actor_id = "u2"};
  EXPECT_EQ(Ids(u2), (std::vector<std::string>{"step1", "sys2"}));
  EXPECT_EQ(Count(u2), 2);
  // An id that LIKE would read as a pattern matches only itself.
  RequestFilter pattern{.inbox = true, .inbox_city_roles = {"system_owner"}, .exclude_step_actor_id = "u_"};
  EXPECT_EQ(Ids(pattern), (std::vector<std::string>{"sys2", "step2"}));
}

INSTANTIATE_TEST_SUITE_P(Engines, RequestStorageTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
