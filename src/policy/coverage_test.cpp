#include "policy/coverage.hpp"

#include <algorithm>
#include <cstdlib>

#include <gtest/gtest.h>

namespace mamori::policy {
namespace {

TEST(CoverageTest, CountsEveryClauseOfTheKobePackAndFindsCitingTests) {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  auto pack = LoadPackFile(std::string(src ? src : ".") + "/policy/kobe.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  std::map<std::string, std::string> tests = {
      {"a_test.cpp", R"x(EXPECT_EQ(r.clause, "kobe:7.1.1カ(2)");)x"},
      {"b_test.cpp", R"x(EXPECT_EQ(r.clause, "kobe:7.1.1");)x"},  // a different, shorter clause
      {"c_test.cpp", "// suspension ends sessions (kobe:6.4.2ア, kobe:7.4.1ウ; seed 004)"},  // a list in a comment
      {"d_test.cpp", "// kobe:7.4.1ウア is no clause"},
  };
  CoverageReport rep = Coverage(*pack, tests);
  const CoveredClause* device = nullptr;
  const CoveredClause* take_out = nullptr;
  for (const auto& c : rep.clauses) {
    if (c.clause == "7.1.1カ(2)") device = &c;
    if (c.clause == "7.1.1エ") take_out = &c;
  }
  ASSERT_NE(device, nullptr);
  EXPECT_EQ(device->handling, "enforced");
  EXPECT_EQ(device->tests, std::vector<std::string>{"a_test.cpp"});
  for (const auto& c : rep.clauses)
    if (c.clause == "7.4.1ウ") {
      EXPECT_EQ(c.tests, std::vector<std::string>{"c_test.cpp"});
    }
  ASSERT_NE(take_out, nullptr);
  EXPECT_TRUE(take_out->tests.empty());
  int total = 0;
  for (const auto& [h, n] : rep.by_handling) total += n;
  EXPECT_EQ(total, static_cast<int>(rep.clauses.size()));
  // Clause order is numeric: 3.2.9 before 3.2.10.
  for (size_t i = 1; i < rep.clauses.size(); ++i)
    EXPECT_NE(rep.clauses[i].clause, rep.clauses[i - 1].clause);
}

TEST(CoverageTest, ARegistersClauseAndItsRefusalsAreCountedWithTheRegisterAsTheirSource) {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  auto pack = LoadPackFile(std::string(src ? src : ".") + "/policy/kobe.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  CoverageReport rep = Coverage(*pack, {});
  const CoveredClause* incidents = nullptr;
  const CoveredClause* items = nullptr;
  for (const auto& c : rep.clauses) {
    if (c.clause == "7.3") incidents = &c;
    if (c.clause == "7.3.2") items = &c;
  }
  // The incident register (kobe:7.3) is a workflow; the report items its submission refuses
  // without (kobe:7.3.2) name the transition's refusal as a source.
  ASSERT_NE(incidents, nullptr);
  EXPECT_EQ(incidents->handling, "workflow");
  EXPECT_EQ(incidents->sources, std::vector<std::string>{"registers.incidents"});
  ASSERT_NE(items, nullptr);
  EXPECT_NE(std::find(items->sources.begin(), items->sources.end(), "registers.incidents.submit.deny"), items->sources.end());
}

TEST(CoverageTest, ClausesOfOtherSourcesAreCountedUnderTheirOwnPrefix) {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  auto pack = LoadPackFile(std::string(src ? src : ".") + "/policy/kobe.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  CoverageReport rep = Coverage(*pack, {{"e_test.cpp", R"x(EXPECT_EQ(r.clause, "proc:2(1)③");)x"}});
  const CoveredClause* usage_log = nullptr;
  const CoveredClause* private_devices = nullptr;
  for (const auto& c : rep.clauses) {
    if (c.citation == "proc:2(1)③") usage_log = &c;
    if (c.citation == "pref:第8(3)") private_devices = &c;
  }
  ASSERT_NE(usage_log, nullptr);
  EXPECT_EQ(usage_log->source, "proc");
  EXPECT_EQ(usage_log->tests, std::vector<std::string>{"e_test.cpp"});
  ASSERT_NE(private_devices, nullptr);
  EXPECT_EQ(private_devices->source, "pref");
  EXPECT_EQ(private_devices->handling, "enforced");
  int total = 0;
  for (const auto& [source, n] : rep.by_source) total += n;
  EXPECT_EQ(total, static_cast<int>(rep.clauses.size()));
  // The pack's own clauses come first, then each source's in the order the pack declares them.
  EXPECT_EQ(rep.clauses.front().source, "kobe");
  EXPECT_EQ(rep.clauses.back().source, "pref");
}

}  // namespace
}  // namespace mamori::policy
