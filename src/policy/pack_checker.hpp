// The pack loader's checker (internal to policy/): walks the YAML tree and records each problem
// with its line, so a pack reports every mistake at once. Shared by pack.cpp and registers.cpp.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "policy/pack.hpp"

namespace mamori::policy {

// Walks the YAML tree, recording each problem with the node's position.
class Checker {
 public:
  explicit Checker(std::vector<PackError>& errors) : errors_(errors) {}

  // The pack whose `pack` id and `sources` a clause's prefix must name (set once both are read).
  void CitingFor(const PolicyPack* pack) { citing_ = pack; }

  // A clause written "<prefix>:<number>" must name the pack itself or a declared source: a
  // misspelt prefix would otherwise cite the city's own standard for another body's rule.
  void CheckClause(const YAML::Node& node, const std::string& clause, const std::string& where) {
    const size_t colon = clause.find(':');
    if (colon == std::string::npos || !citing_) return;
    const std::string prefix = clause.substr(0, colon);
    if (colon + 1 >= clause.size()) Fail(node, where + ": clause '" + clause + "' names no number");
    else if (prefix != citing_->pack && !citing_->FindSource(prefix))
      Fail(node, where + ": clause '" + clause + "' names an undeclared source '" + prefix + "' (see sources)");
  }

  void Fail(const YAML::Node& node, const std::string& message) {
    const YAML::Mark m = node.Mark();
    errors_.push_back({m.line + 1, m.column + 1, message});
  }

  // Reports keys of `map` not in `known` (a typo must not silently disable a rule).
  void Keys(const YAML::Node& map, std::initializer_list<const char*> known, const std::string& where) {
    Keys(map, std::span<const char* const>(known.begin(), known.size()), where);
  }
  void Keys(const YAML::Node& map, std::span<const char* const> known, const std::string& where) {
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>("");
      bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; });
      if (!ok) Fail(kv.first, "unknown key '" + key + "' in " + where);
    }
  }

  bool Map(const YAML::Node& node, const std::string& what) {
    if (!node.IsMap()) {
      Fail(node, what + " must be a mapping");
      return false;
    }
    return true;
  }

  std::string Str(const YAML::Node& parent, const char* key, bool required, const std::string& where) {
    const YAML::Node n = parent[key];
    if (!n) {
      if (required) Fail(parent, where + "." + key + " is required");
      return {};
    }
    if (!n.IsScalar()) {
      Fail(n, where + "." + key + " must be text");
      return {};
    }
    if (std::string_view(key) == "clause") CheckClause(n, n.Scalar(), where);
    return n.Scalar();
  }

  int Int(const YAML::Node& parent, const char* key, int def, int min, int max, const std::string& where) {
    const YAML::Node n = parent[key];
    if (!n) return def;
    int v = 0;
    try {
      v = n.as<int>();
    } catch (const YAML::Exception&) {
      Fail(n, where + "." + key + " must be an integer");
      return def;
    }
    if (v < min || v > max) {
      Fail(n, where + "." + key + " must be between " + std::to_string(min) + " and " + std::to_string(max));
      return def;
    }
    return v;
  }

  bool Bool(const YAML::Node& parent, const char* key, bool def, const std::string& where) {
    const YAML::Node n = parent[key];
    if (!n) return def;
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      Fail(n, where + "." + key + " must be true or false");
      return def;
    }
  }

  std::vector<std::string> List(const YAML::Node& parent, const char* key, const std::string& where) {
    std::vector<std::string> out;
    const YAML::Node n = parent[key];
    if (!n) return out;
    if (!n.IsSequence()) {
      Fail(n, where + "." + key + " must be a list");
      return out;
    }
    for (const auto& item : n) {
      if (!item.IsScalar()) {
        Fail(item, where + "." + key + " items must be text");
        continue;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

 private:
  std::vector<PackError>& errors_;
  const PolicyPack* citing_ = nullptr;
};

bool Contains(const auto& list, const std::string& v) {
  return std::find(std::begin(list), std::end(list), v) != std::end(list);
}

// Parses a condition; an error names the line of the node and the column inside the text.
// Every field the condition reads must start with one of `roots` (a typo would read null).
Expr Condition(Checker& c, const YAML::Node& node, const std::string& where, const std::vector<std::string>& roots);

// registers.cpp: the permissions the `registers:` section names (read before the roles, which
// may grant them), the `notification_templates:` and the `registers:` sections (after the roles
// and templates, which they name).
std::vector<std::string> DeclaredRegisterPermissions(const YAML::Node& registers);
void ParseNotificationTemplates(Checker& c, const YAML::Node& node, PolicyPack& pack);
// `builtin`: mamori's own registers (they may take its own paths and log prefixes).
void ParseRegisters(Checker& c, const YAML::Node& node, PolicyPack& pack, bool builtin = false);
// mamori's built-in registers (builtin_registers.cpp), after the pack's `clauses`.
void ParseBuiltinRegisters(Checker& c, PolicyPack& pack);

}  // namespace mamori::policy
