#include "policy/coverage.hpp"

#include <algorithm>

namespace mamori::policy {
namespace {

// Orders "3.2.10ア" after "3.2.9": numbers compare as numbers, the rest as text.
bool ClauseLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      const long na = std::stol(a.substr(i, ei - i)), nb = std::stol(b.substr(j, ej - j));
      if (na != nb) return na < nb;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// Stronger handling wins when a clause is used more than once.
int Rank(const std::string& h) {
  if (h == "enforced") return 3;
  if (h == "workflow") return 2;
  if (h == "checklist") return 1;
  return 0;
}

}  // namespace

CoverageReport Coverage(const PolicyPack& pack, const std::map<std::string, std::string>& test_files) {
  std::map<std::string, CoveredClause> found;
  auto add = [&](const std::string& clause, const std::string& handling, const std::string& source) {
    if (clause.empty()) return;
    CoveredClause& c = found[clause];
    c.clause = clause;
    c.citation = pack.Cite(clause);
    c.source = c.citation.substr(0, c.citation.find(':'));
    if (c.handling.empty() || Rank(handling) > Rank(c.handling)) c.handling = handling;
    if (std::find(c.sources.begin(), c.sources.end(), source) == c.sources.end()) c.sources.push_back(source);
  };
  for (const auto& r : pack.roles) add(r.clause, "enforced", "roles." + r.id);
  for (const auto& s : pack.separation) add(s.clause, "enforced", "separation_of_duties");
  const auto& a = pack.auth;
  add(a.password.clause, "enforced", "authentication.password");
  add(a.lockout.clause, "enforced", "authentication.lockout");
  add(a.session.clause, "enforced", "authentication.session");
  add(a.mfa.clause, "enforced", "authentication.mfa");
  add(a.ids.clause, "enforced", "authentication.ids");
  for (const auto& [key, clause] : pack.clauses) add(clause, "enforced", "clauses." + key);
  add(pack.classification.clause, "enforced", "classification");
  add(pack.classification.restricted_clause, "enforced", "classification.restricted");
  for (const auto& clause : pack.sealing.clauses) add(clause, "enforced", "sealing");
  for (const auto& t : pack.request_types) {
    add(t.clause, "workflow", "request_types." + t.id);
    add(t.filed_by.clause, "enforced", "request_types." + t.id + ".filed_by");
    for (const auto& d : t.deny) add(d.clause, "enforced", "request_types." + t.id + ".deny");
  }
  // A register carries out its clause as a workflow; its refusals enforce theirs.
  for (const auto& r : pack.registers) {
    if (r.builtin) continue;
    add(r.clause, "workflow", "registers." + r.id);
    add(r.create_clause, "enforced", "registers." + r.id + ".create_when");
    if (!r.workflow) continue;
    for (const auto& t : r.workflow->transitions)
      for (const auto& d : t.deny) add(d.clause, "enforced", "registers." + r.id + "." + t.id + ".deny");
  }
  // What the pack states in its index is authoritative: a role may name a clause whose duties
  // lie mostly outside the system.
  for (const auto& ic : pack.clause_index) {
    add(ic.clause, ic.handling, "clause_index");
    found[ic.clause].handling = ic.handling;
  }

  CoverageReport rep;
  for (auto& [clause, c] : found) {
    for (const auto& [path, text] : test_files) {
      const std::string needle = c.citation;
      // The citation must not continue into a longer clause ("kobe:7.1.1" inside "kobe:7.1.1エ").
      for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
        const size_t end = pos + needle.size();
        const bool whole = end >= text.size() || text[end] == '"' || text[end] == '\'' || text[end] == ' ' ||
                           text[end] == ')' || text[end] == ',' || text[end] == ';' || text[end] == '\n' || text[end] == '`';
        if (whole) {
          c.tests.push_back(path);
          break;
        }
      }
    }
    rep.by_handling[c.handling] += 1;
    rep.by_source[c.source] += 1;
    if (!c.tests.empty()) ++rep.with_tests;
    rep.clauses.push_back(std::move(c));
  }
  std::sort(rep.clauses.begin(), rep.clauses.end(),
            [&](const CoveredClause& x, const CoveredClause& y) {
              // The pack's own standard first, then each source in the order the pack declares them.
              auto rank = [&](const std::string& src) {
                if (src == pack.pack) return -1;
                for (size_t i = 0; i < pack.sources.size(); ++i)
                  if (pack.sources[i].prefix == src) return static_cast<int>(i);
                return static_cast<int>(pack.sources.size());
              };
              if (rank(x.source) != rank(y.source)) return rank(x.source) < rank(y.source);
              return ClauseLess(x.clause, y.clause);
            });
  return rep;
}

}  // namespace mamori::policy
