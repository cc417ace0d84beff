// Policy coverage: every clause a pack accounts for, how mamori handles it, and which tests
// cite it — the answer to "which parts of our standard does the system actually enforce?".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "policy/pack.hpp"

namespace mamori::policy {

struct CoveredClause {
  std::string clause;    // "7.1.1エ"
  std::string citation;  // "kobe:7.1.1エ", "proc:2(1)③"
  std::string source;    // the citing prefix: the pack's id or one of its sources ("proc")
  std::string handling;  // enforced | workflow | checklist | organisational
  std::vector<std::string> sources;  // where the pack uses it: "request_types.take_out", ...
  std::vector<std::string> tests;    // test files citing it
};

struct CoverageReport {
  std::vector<CoveredClause> clauses;  // in clause order
  std::map<std::string, int> by_handling;
  std::map<std::string, int> by_source;  // clauses per citing prefix
  int with_tests = 0;
};

// `test_files` maps a test file's path to its text; a file "exercises" a clause when it cites
// it as "<pack>:<clause>".
CoverageReport Coverage(const PolicyPack& pack, const std::map<std::string, std::string>& test_files);

}  // namespace mamori::policy
