// The list of actions in docs/operation_log.md and the actions the code writes stay in step:
// audit/actions.hpp names every action (kAll), the doc's "Actions" table lists exactly those,
// every constant is written somewhere, and no action is written as a bare literal that the
// header does not list (Event("…"), action = "…", RecordFailure(…, "…"), and the request
// transitions "request." + Transition(…, "…")).
#include "audit/actions.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace mamori::audit {
namespace {

namespace fs = std::filesystem;

std::string Root() {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  return src ? src : ".";
}

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "  " + x + "\n";
  return out;
}

std::set<std::string> Minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  for (const auto& x : a)
    if (!b.count(x)) out.insert(x);
  return out;
}

// The first column of the table under "## Actions" in docs/operation_log.md.
std::set<std::string> DocumentedActions() {
  const std::string doc = Read(Root() + "/docs/operation_log.md");
  std::set<std::string> out;
  const size_t start = doc.find("\n## Actions");
  if (start == std::string::npos) return out;
  const size_t end = doc.find("\n## ", start + 1);
  const std::string section = doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
  const std::regex row(R"(\n\| `([a-z_]+\.[a-z_]+)` \|)");
  for (std::sregex_iterator it(section.begin(), section.end(), row), e; it != e; ++it) out.insert((*it)[1]);
  return out;
}

struct SourceScan {
  std::set<std::string> literals;    // action names written as literals
  std::string all;                   // every non-test source, to look for the constants' names
};

SourceScan ScanSources() {
  SourceScan s;
  const std::regex patterns[] = {
      std::regex(R"(Event\(\s*"([a-z_]+\.[a-z_]+)\")"),
      std::regex(R"(action\s*=\s*"([a-z_]+\.[a-z_]+)\")"),
      std::regex(R"(RecordFailure\([^;]*?"([a-z_]+\.[a-z_]+)\"\s*\))"),
  };
  const std::regex transition(R"(Transition\(\s*a\s*,\s*id\s*,\s*"([a-z_]+)\")");
  for (const auto& entry : fs::recursive_directory_iterator(Root() + "/src")) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.ends_with("_test.cpp") || name == "actions.hpp" || name == "test_env.hpp") continue;
    if (!name.ends_with(".cpp") && !name.ends_with(".hpp")) continue;
    const std::string text = Read(entry.path());
    s.all += text;
    for (const auto& re : patterns)
      for (std::sregex_iterator it(text.begin(), text.end(), re), e; it != e; ++it) s.literals.insert((*it)[1]);
    if (text.find("\"request.\" + action") != std::string::npos)
      for (std::sregex_iterator it(text.begin(), text.end(), transition), e; it != e; ++it)
        s.literals.insert("request." + (*it)[1].str());
  }
  return s;
}

TEST(ActionsTest, TheDocListsExactlyTheActionsTheCodeNames) {
  std::set<std::string> code(std::begin(action::kAll), std::end(action::kAll));
  ASSERT_EQ(code.size(), std::size(action::kAll)) << "an action is listed twice in audit/actions.hpp";
  const std::set<std::string> doc = DocumentedActions();
  ASSERT_FALSE(doc.empty()) << "no \"## Actions\" table found in docs/operation_log.md";
  EXPECT_TRUE(Minus(code, doc).empty()) << "actions the code writes that docs/operation_log.md does not list:\n"
                                        << Join(Minus(code, doc));
  EXPECT_TRUE(Minus(doc, code).empty()) << "actions docs/operation_log.md lists that audit/actions.hpp does not name:\n"
                                        << Join(Minus(doc, code));
}

TEST(ActionsTest, EveryActionWrittenIsNamedAndEveryNameIsWritten) {
  const SourceScan scan = ScanSources();
  ASSERT_FALSE(scan.all.empty()) << "no sources under " << Root() << "/src (MAMORI_SOURCE_DIR?)";
  const std::set<std::string> code(std::begin(action::kAll), std::end(action::kAll));
  const auto unnamed = Minus(scan.literals, code);
  EXPECT_TRUE(unnamed.empty()) << "actions written as literals but missing from audit/actions.hpp (and so from "
                                  "docs/operation_log.md):\n"
                               << Join(unnamed);
  // Each constant is written: by its name, or as the literal the scan found.
  const std::string header = Read(Root() + "/src/audit/actions.hpp");
  const std::regex constant(R"re(inline constexpr char (k\w+)\[\] = "([a-z_]+\.[a-z_]+)";)re");
  std::set<std::string> unused;
  int constants = 0;
  for (std::sregex_iterator it(header.begin(), header.end(), constant), e; it != e; ++it) {
    ++constants;
    const std::string name = (*it)[1], value = (*it)[2];
    if (scan.all.find("action::" + name) == std::string::npos && !scan.literals.count(value)) unused.insert(value);
  }
  EXPECT_EQ(constants, static_cast<int>(code.size())) << "every entry of kAll is a named constant";
  EXPECT_TRUE(unused.empty()) << "actions named in audit/actions.hpp that no code writes:\n" << Join(unused);
}

}  // namespace
}  // namespace mamori::audit
