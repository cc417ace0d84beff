// The `registers:` and `notification_templates:` sections of a pack (docs/registers.md): parsed
// and checked once, every mistake reported with its line.
#include "policy/registers.hpp"

#include <algorithm>
#include <set>

#include "policy/pack.hpp"
#include "policy/pack_checker.hpp"

namespace mamori::policy {

const char* RegisterFieldTypeName(RegisterFieldType t) {
  switch (t) {
    case RegisterFieldType::kText: return "text";
    case RegisterFieldType::kLongText: return "long_text";
    case RegisterFieldType::kInt: return "int";
    case RegisterFieldType::kDecimal: return "decimal";
    case RegisterFieldType::kDate: return "date";
    case RegisterFieldType::kDateTime: return "datetime";
    case RegisterFieldType::kBool: return "bool";
    case RegisterFieldType::kChoice: return "choice";
    case RegisterFieldType::kOrgUnit: return "org_unit";
    case RegisterFieldType::kUser: return "user";
    case RegisterFieldType::kSystem: return "system";
    case RegisterFieldType::kAsset: return "asset";
    case RegisterFieldType::kRecord: return "record";
  }
  return "text";
}

bool IsReference(RegisterFieldType t) {
  return t == RegisterFieldType::kOrgUnit || t == RegisterFieldType::kUser || t == RegisterFieldType::kSystem ||
         t == RegisterFieldType::kAsset;
}

const StateDef* Workflow::FindState(const std::string& id) const {
  return FindById(states, id);
}

const Transition* Workflow::FindTransition(const std::string& id) const {
  return FindById(transitions, id);
}

const std::vector<Party>* Workflow::EditorsOf(const std::string& state) const {
  if (!edit) return nullptr;
  for (const auto& [id, parties] : *edit)
    if (id == state) return &parties;
  return nullptr;
}

bool MayTakeStep(size_t steps, int64_t step, const std::vector<std::string>& step_actors, const std::string& user) {
  if (step < 0 || static_cast<size_t>(step) >= steps || user.empty()) return false;
  return std::find(step_actors.begin(), step_actors.end(), user) == step_actors.end();
}

bool TakeStep(size_t steps, int64_t& step, std::vector<std::string>& step_actors, const std::string& user) {
  step_actors.push_back(user);
  step = std::max<int64_t>(0, step) + 1;
  return static_cast<size_t>(step) >= steps;
}

const RegisterField* RegisterSpec::FindField(const std::string& id) const {
  return FindById(fields, id);
}

const Choice* RegisterField::FindChoice(const std::string& id) const {
  return FindById(choices, id);
}

const RegisterSpec* PolicyPack::FindRegister(const std::string& id) const {
  return FindById(registers, id);
}

const NotificationTemplate* PolicyPack::FindTemplate(const std::string& id) const {
  return FindById(notification_templates, id);
}

std::vector<std::string> PolicyPack::AllPermissions() const {
  std::vector<std::string> out(std::begin(kPermissions), std::end(kPermissions));
  for (const auto& r : registers)
    for (const auto* p : {&r.read_permission, &r.manage_permission, &r.create_permission})
      if (!p->empty() && std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
  return out;
}

namespace {

bool Identifier(const std::string& s, size_t max, bool dash = false) {
  if (s.empty() || s.size() > max || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [&](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || (dash && ch == '-');
  });
}

// "lending.read": two identifiers joined by a dot.
bool PermissionName(const std::string& p) {
  const size_t dot = p.find('.');
  return dot != std::string::npos && Identifier(p.substr(0, dot), 40) && Identifier(p.substr(dot + 1), 40);
}

// "14d", "48h", "30m" → minutes; -1 when malformed.
int64_t Duration(const std::string& s) {
  if (s.size() < 2 || s.size() > 8) return -1;
  const char unit = s.back();
  int64_t n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    n = n * 10 + (s[i] - '0');
  }
  if (n <= 0) return -1;
  if (unit == 'm') return n;
  if (unit == 'h') return n * 60;
  if (unit == 'd') return n * 60 * 24;
  return -1;
}

struct RegisterParser {
  Checker& c;
  PolicyPack& pack;

  std::vector<Choice> Choices(const YAML::Node& node, const std::string& w) {
    std::vector<Choice> out;
    if (!node) return out;
    if (!node.IsSequence()) {
      c.Fail(node, w + " must be a list");
      return out;
    }
    std::set<std::string> seen;
    for (const auto& item : node) {
      Choice ch;
      if (item.IsScalar()) {
        ch.id = ch.label = ch.label_en = item.Scalar();
      } else if (c.Map(item, w + " item")) {
        c.Keys(item, {"id", "label", "label_en", "help", "help_en"}, w);
        ch.id = c.Str(item, "id", true, w);
        ch.label = c.Str(item, "label", false, w);
        ch.label_en = c.Str(item, "label_en", false, w);
        ch.help = c.Str(item, "help", false, w);
        ch.help_en = c.Str(item, "help_en", false, w);
        if (ch.label.empty()) ch.label = ch.id;
        if (ch.label_en.empty()) ch.label_en = ch.id;
      } else {
        continue;
      }
      if (ch.id.empty() || ch.id.size() > 64) c.Fail(item, w + ": a choice id must be 1–64 characters");
      if (!seen.insert(ch.id).second) c.Fail(item, w + ": choice '" + ch.id + "' appears twice");
      out.push_back(std::move(ch));
    }
    return out;
  }

  std::vector<RegisterField> Fields(const YAML::Node& node, const std::string& where) {
    std::vector<RegisterField> out;
    if (!node) {
      c.Fail(node, where + " is required");
      return out;
    }
    if (!c.Map(node, where)) return out;
    for (const auto& kv : node) {
      RegisterField f;
      f.id = kv.first.as<std::string>("");
      const std::string w = where + "." + f.id;
      if (!Identifier(f.id, 40)) c.Fail(kv.first, w + ": a field id is [a-z][a-z0-9_]*, at most 40 characters");
      if (std::find(std::begin(kReservedFieldIds), std::end(kReservedFieldIds), f.id) != std::end(kReservedFieldIds) ||
          f.id.ends_with("_name") || f.id.ends_with("_label") || f.id.ends_with("_label_en"))
        c.Fail(kv.first, w + ": '" + f.id + "' is reserved for the record's own keys");
      const YAML::Node d = kv.second;
      if (!c.Map(d, w)) continue;
      c.Keys(d, {"label", "label_en", "help", "help_en", "type", "required", "clearable", "read_only", "filter",
                 "search", "list", "sealed", "max_length", "min", "max", "scale", "choices", "heading", "heading_en"},
             w);
      f.label = c.Str(d, "label", true, w);
      f.label_en = c.Str(d, "label_en", false, w);
      if (f.label_en.empty()) f.label_en = f.id;
      f.help = c.Str(d, "help", false, w);
      f.help_en = c.Str(d, "help_en", false, w);
      const std::string type = c.Str(d, "type", false, w);
      static const std::pair<const char*, RegisterFieldType> kTypes[] = {
          {"text", RegisterFieldType::kText},       {"long_text", RegisterFieldType::kLongText},
          {"int", RegisterFieldType::kInt},         {"decimal", RegisterFieldType::kDecimal},
          {"date", RegisterFieldType::kDate},       {"datetime", RegisterFieldType::kDateTime},
          {"bool", RegisterFieldType::kBool},       {"choice", RegisterFieldType::kChoice},
          {"org_unit", RegisterFieldType::kOrgUnit}, {"user", RegisterFieldType::kUser},
          {"system", RegisterFieldType::kSystem},   {"asset", RegisterFieldType::kAsset},
          {"record", RegisterFieldType::kRecord}};
      bool known = type.empty();
      for (const auto& [name, t] : kTypes)
        if (type == name) f.type = t, known = true;
      if (!known)
        c.Fail(d["type"], w + ".type must be text, long_text, int, decimal, date, datetime, bool, choice, org_unit, "
                              "user, system, asset or record");
      if (f.type == RegisterFieldType::kLongText) f.max_length = 4000;
      f.required = c.Bool(d, "required", false, w);
      f.clearable = c.Bool(d, "clearable", !f.required, w);
      if (f.required && f.clearable) c.Fail(d["clearable"], w + ": a required field cannot be clearable");
      f.read_only = c.Bool(d, "read_only", false, w);
      f.filter = c.Bool(d, "filter", false, w);
      f.search = c.Bool(d, "search", false, w);
      f.list = c.Bool(d, "list", false, w);
      f.sealed = c.Bool(d, "sealed", false, w);
      f.max_length = c.Int(d, "max_length", f.max_length, 1, 100000, w);
      f.min = c.Int(d, "min", INT_MIN, INT_MIN, INT_MAX, w);
      f.max = c.Int(d, "max", INT_MAX, INT_MIN, INT_MAX, w);
      if (!d["min"]) f.min = INT64_MIN;
      if (!d["max"]) f.max = INT64_MAX;
      if (f.min > f.max) c.Fail(d, w + ": min is above max");
      f.scale = c.Int(d, "scale", f.type == RegisterFieldType::kDecimal ? 2 : 0, 0, 6, w);
      f.choices = Choices(d["choices"], w + ".choices");
      if (f.type == RegisterFieldType::kChoice && f.choices.empty()) c.Fail(d, w + ": a choice field needs choices");
      if (f.type != RegisterFieldType::kChoice && d["choices"]) c.Fail(d["choices"], w + ": only a choice field has choices");
      if (f.search && f.type != RegisterFieldType::kText && f.type != RegisterFieldType::kLongText)
        c.Fail(d["search"], w + ": only text fields are searched");
      if (f.sealed && (f.filter || f.search || f.list))
        c.Fail(d["sealed"], w + ": a sealed field cannot be a filter, searched or a list column");
      if (f.sealed && f.type != RegisterFieldType::kText && f.type != RegisterFieldType::kLongText)
        c.Fail(d["sealed"], w + ": only text fields can be sealed");
      f.heading = c.Str(d, "heading", false, w);
      f.heading_en = c.Str(d, "heading_en", false, w);
      if (f.heading.empty()) f.heading = f.label;
      if (f.heading_en.empty()) f.heading_en = f.label_en;
      out.push_back(std::move(f));
    }
    if (out.empty()) c.Fail(node, where + " must name at least one field");
    return out;
  }

  Party ParseParty(const YAML::Node& n, const RegisterSpec& r, const std::string& w, bool recipient) {
    Party p;
    if (n.IsScalar()) {
      p.kind = n.Scalar();
      if (p.kind != "creator" && p.kind != "manage") c.Fail(n, w + ": a party is creator, manage, {role, scope} or {user_field}");
      if (recipient && p.kind == "manage") c.Fail(n, w + ": manage is not a recipient (name a role)");
      return p;
    }
    if (!c.Map(n, w)) return p;
    c.Keys(n, {"role", "scope", "user_field"}, w);
    if (n["user_field"]) {
      p.kind = "user_field";
      p.field = c.Str(n, "user_field", true, w);
      const RegisterField* f = r.FindField(p.field);
      if (!f || f->type != RegisterFieldType::kUser) c.Fail(n["user_field"], w + ": '" + p.field + "' is not a user field");
      if (n["role"]) c.Fail(n, w + ": a party is either a role or a user_field");
      return p;
    }
    p.kind = "role";
    p.role = c.Str(n, "role", true, w);
    if (!p.role.empty() && !pack.FindRole(p.role)) c.Fail(n["role"], w + ": unknown role '" + p.role + "'");
    const std::string scope = c.Str(n, "scope", false, w);
    if (!scope.empty()) p.scope = scope;
    if (p.scope != "owner_unit" && p.scope != "system" && p.scope != "creator_unit" && p.scope != "city")
      c.Fail(n["scope"], w + ".scope must be owner_unit, system, creator_unit or city");
    if (p.scope == "owner_unit" && r.owner_unit_field.empty())
      c.Fail(n, w + ": scope owner_unit needs the register's scope.owner_unit");
    if (p.scope == "system" && r.system_field.empty()) c.Fail(n, w + ": scope system needs the register's scope.system");
    return p;
  }

  std::vector<Party> Parties(const YAML::Node& n, const RegisterSpec& r, const std::string& w, bool recipient) {
    std::vector<Party> out;
    if (!n) return out;
    if (!n.IsSequence()) {
      c.Fail(n, w + " must be a list");
      return out;
    }
    for (const auto& item : n) out.push_back(ParseParty(item, r, w, recipient));
    return out;
  }

  std::vector<NotifyRule> Notify(const YAML::Node& n, const RegisterSpec& r, const std::string& w) {
    std::vector<NotifyRule> out;
    if (!n) return out;
    if (!n.IsSequence()) {
      c.Fail(n, w + " must be a list");
      return out;
    }
    for (const auto& item : n) {
      if (!c.Map(item, w + " item")) continue;
      c.Keys(item, {"to", "template", "when"}, w);
      NotifyRule rule;
      if (item["when"]) rule.when = Condition(c, item["when"], w + ".when", RecordRoots(r));
      rule.to = Parties(item["to"], r, w + ".to", true);
      if (rule.to.empty()) c.Fail(item, w + ".to must name at least one recipient");
      rule.template_id = c.Str(item, "template", true, w);
      if (!rule.template_id.empty() && !pack.FindTemplate(rule.template_id))
        c.Fail(item["template"], w + ": unknown notification template '" + rule.template_id + "'");
      out.push_back(std::move(rule));
    }
    return out;
  }

  // `parent: {register, field, create_by}` (docs/registers.md "Sub-records"). The parent register
  // is written before its children in the pack and is not itself a child; the field is the
  // register's one `record` field, required. It is a filter (the list of a parent's children).
  // `d`: the register's own node (where a mistake without a parent key is reported).
  void ParseParent(const YAML::Node& d, RegisterSpec& r, const std::string& w) {
    const YAML::Node n = d["parent"];
    const RegisterField* record_field = nullptr;
    for (const auto& f : r.fields)
      if (f.type == RegisterFieldType::kRecord) {
        if (record_field) c.Fail(d, w + ": a register has at most one record field (its parent)");
        record_field = &f;
      }
    if (!n) {
      if (record_field) c.Fail(d, "registers." + r.id + ".fields." + record_field->id + ": a record field needs the register's parent");
      return;
    }
    if (!c.Map(n, w)) return;
    c.Keys(n, {"register", "field", "create_by"}, w);
    ParentSpec p;
    p.register_id = c.Str(n, "register", true, w);
    p.field = c.Str(n, "field", true, w);
    const RegisterSpec* parent = pack.FindRegister(p.register_id);
    if (!p.register_id.empty() && !parent)
      c.Fail(n["register"], w + ".register: '" + p.register_id + "' is not a register written before this one");
    else if (parent && parent->parent)
      c.Fail(n["register"], w + ".register: '" + p.register_id + "' is itself a sub-record register");
    else if (parent && parent->id == r.id)
      c.Fail(n["register"], w + ".register: a register cannot be its own parent");
    RegisterField* f = const_cast<RegisterField*>(r.FindField(p.field));
    if (!p.field.empty() && (!f || f->type != RegisterFieldType::kRecord || !f->required))
      c.Fail(n["field"], w + ".field must name a required field of type record");
    if (f) {
      f->filter = true;      // GET /api/v1/<child>?<field>=<parent id>
      f->clearable = false;  // fixed once created
    }
    if (parent) {
      if (const YAML::Node by = n["create_by"]; by) {
        if (!by.IsSequence()) c.Fail(by, w + ".create_by must be a list");
        else
          for (const auto& item : by) {
            Party party = ParseParty(item, *parent, w + ".create_by", false);
            if (party.kind == "manage") c.Fail(item, w + ".create_by: manage is the child's own permission; name a role");
            p.create_by.push_back(std::move(party));
          }
      }
    }
    r.parent = std::move(p);
  }

  // `cases:` of a deadline: [{when, field | after | fiscal}], tried in order.
  std::vector<DeadlineCase> DeadlineCases(const YAML::Node& n, const RegisterSpec& r, const std::string& w) {
    std::vector<DeadlineCase> out;
    if (!n) return out;
    if (!n.IsSequence() || n.size() == 0) {
      c.Fail(n, w + " must be a list of {when, after | field | fiscal}");
      return out;
    }
    for (const auto& item : n) {
      if (!c.Map(item, w + " item")) continue;
      c.Keys(item, {"when", "field", "after", "fiscal"}, w);
      DeadlineCase dc;
      if (!item["when"]) c.Fail(item, w + ".when is required");
      dc.when = Condition(c, item["when"], w + ".when", RecordRoots(r));
      int given = 0;
      if (item["field"]) {
        ++given;
        dc.field = c.Str(item, "field", true, w);
        const RegisterField* f = r.FindField(dc.field);
        if (!f || f->type != RegisterFieldType::kDate) c.Fail(item["field"], w + ": '" + dc.field + "' is not a date field");
      }
      if (item["after"]) {
        ++given;
        dc.after_minutes = Duration(c.Str(item, "after", true, w));
        if (dc.after_minutes <= 0) c.Fail(item["after"], w + ".after must be a number followed by d, h or m (\"24h\")");
      }
      if (item["fiscal"]) {
        ++given;
        const std::string md = c.Str(item, "fiscal", true, w);
        int m = 0, day = 0;
        if (md.size() == 5 && md[2] == '-' && std::isdigit(static_cast<unsigned char>(md[0])) &&
            std::isdigit(static_cast<unsigned char>(md[1])) && std::isdigit(static_cast<unsigned char>(md[3])) &&
            std::isdigit(static_cast<unsigned char>(md[4]))) {
          m = std::stoi(md.substr(0, 2));
          day = std::stoi(md.substr(3, 2));
        }
        static const int kDays[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (m < 1 || m > 12 || day < 1 || day > kDays[m] || (m == 2 && day == 29))
          c.Fail(item["fiscal"], w + ".fiscal must be a day of the year as MM-DD (\"06-30\")");
        dc.fiscal_month = m;
        dc.fiscal_day = day;
      }
      if (given != 1) c.Fail(item, w + ": each case needs exactly one of field, after or fiscal");
      out.push_back(std::move(dc));
    }
    return out;
  }

  // `stamps: {field: now | today | actor | <fixed value>}` of a transition.
  std::vector<Transition::Stamp> Stamps(const YAML::Node& n, const RegisterSpec& r, const Transition& t,
                                        const std::string& w) {
    std::vector<Transition::Stamp> out;
    if (!n) return out;
    if (!c.Map(n, w)) return out;
    for (const auto& kv : n) {
      Transition::Stamp s;
      s.field = kv.first.as<std::string>("");
      const std::string fw = w + "." + s.field;
      const RegisterField* f = r.FindField(s.field);
      if (!f) {
        c.Fail(kv.first, fw + ": unknown field '" + s.field + "'");
        continue;
      }
      if (std::find(t.sets.begin(), t.sets.end(), s.field) != t.sets.end() ||
          std::find(t.clears.begin(), t.clears.end(), s.field) != t.clears.end())
        c.Fail(kv.first, fw + ": a stamped field cannot also be in sets or clears");
      if (f->sealed) c.Fail(kv.first, fw + ": a sealed field cannot be stamped");
      if (!kv.second.IsScalar()) {
        c.Fail(kv.second, fw + " must be now, today, actor or a fixed value");
        continue;
      }
      const std::string v = kv.second.Scalar();
      if (v == "now") {
        s.kind = "now";
        if (f->type != RegisterFieldType::kDateTime && f->type != RegisterFieldType::kDate)
          c.Fail(kv.second, fw + ": now needs a datetime or date field");
      } else if (v == "today") {
        s.kind = "today";
        if (f->type != RegisterFieldType::kDate) c.Fail(kv.second, fw + ": today needs a date field");
      } else if (v == "actor") {
        s.kind = "actor";
        if (f->type != RegisterFieldType::kUser) c.Fail(kv.second, fw + ": actor needs a user field");
      } else {
        s.kind = "fixed";
        s.value = v;
        bool ok = false;
        switch (f->type) {
          case RegisterFieldType::kText:
          case RegisterFieldType::kLongText: ok = !v.empty() && static_cast<int>(v.size()) <= f->max_length * 4; break;
          case RegisterFieldType::kChoice: ok = f->FindChoice(v) != nullptr; break;
          case RegisterFieldType::kBool: ok = v == "true" || v == "false"; break;
          case RegisterFieldType::kInt: {
            ok = !v.empty() && v.size() <= 18 &&
                 std::all_of(v.begin() + (v[0] == '-' ? 1 : 0), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
                 v != "-";
            if (ok) ok = std::stoll(v) >= f->min && std::stoll(v) <= f->max;
            break;
          }
          default: ok = false;
        }
        if (!ok)
          c.Fail(kv.second, fw + ": '" + v + "' is not now, today, actor or a fixed value this " +
                                RegisterFieldTypeName(f->type) + " field may hold");
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  // A transition's `effects` (docs/registers.md "Effects"): [{suspend_user: F}, {end_role_assignments: F}].
  std::vector<Effect> Effects(const YAML::Node& n, const RegisterSpec& r, const std::string& w) {
    std::vector<Effect> out;
    if (!n) return out;
    if (!n.IsSequence()) {
      c.Fail(n, w + " must be a list");
      return out;
    }
    for (const auto& item : n) {
      if (!c.Map(item, w + " item")) continue;
      c.Keys(item, {"suspend_user", "end_role_assignments"}, w);
      if (item.size() != 1) {
        c.Fail(item, w + ": each effect is one of suspend_user or end_role_assignments");
        continue;
      }
      Effect e;
      e.kind = item.begin()->first.as<std::string>("");
      e.field = c.Str(item, e.kind.c_str(), true, w);
      const RegisterField* f = r.FindField(e.field);
      if (!f || f->type != RegisterFieldType::kUser)
        c.Fail(item, w + "." + e.kind + ": '" + e.field + "' is not a user field of the register");
      out.push_back(std::move(e));
    }
    return out;
  }

  std::vector<std::string> RecordRoots(const RegisterSpec& r) {
    std::vector<std::string> roots = {"record.id", "record.state", "record.step", "actor.roles", "actor.org_unit_id",
                                      "actor.user_id", "today", "now"};
    for (const auto& f : r.fields) roots.push_back("record." + f.id);
    if (!r.repeat_field.empty()) roots.push_back("record.repeat_count");
    return roots;
  }

  void ParseWorkflow(const YAML::Node& node, RegisterSpec& r, const std::string& where) {
    if (!node) return;
    if (!c.Map(node, where)) return;
    c.Keys(node, {"initial", "states", "transitions", "edit"}, where);
    Workflow wf;
    wf.initial = c.Str(node, "initial", true, where);
    const YAML::Node states = node["states"];
    if (!states || !c.Map(states, where + ".states")) {
      if (!states) c.Fail(node, where + ".states is required");
      return;
    }
    for (const auto& kv : states) {
      StateDef s;
      s.id = kv.first.as<std::string>("");
      const std::string w = where + ".states." + s.id;
      if (!Identifier(s.id, 40)) c.Fail(kv.first, w + ": a state id is [a-z][a-z0-9_]*");
      if (wf.FindState(s.id)) c.Fail(kv.first, w + " appears twice");
      if (!c.Map(kv.second, w)) continue;
      c.Keys(kv.second, {"label", "label_en", "final", "deadline"}, w);
      s.label = c.Str(kv.second, "label", true, w);
      s.label_en = c.Str(kv.second, "label_en", false, w);
      if (s.label_en.empty()) s.label_en = s.id;
      s.final = c.Bool(kv.second, "final", false, w);
      wf.states.push_back(std::move(s));
    }
    // Deadlines after every state is known (expire names a state).
    for (const auto& kv : states) {
      const YAML::Node d = kv.second.IsMap() ? kv.second["deadline"] : YAML::Node();
      if (!d) continue;
      StateDef* s = const_cast<StateDef*>(wf.FindState(kv.first.as<std::string>("")));
      if (!s) continue;
      const std::string w = where + ".states." + s->id + ".deadline";
      if (!c.Map(d, w)) continue;
      c.Keys(d, {"field", "after", "fiscal", "on_pass", "to", "notify", "cases", "levels"}, w);
      Deadline dl;
      dl.cases = DeadlineCases(d["cases"], r, w + ".cases");
      int given = 0;
      if (d["field"]) {
        ++given;
        dl.field = c.Str(d, "field", true, w);
        const RegisterField* f = r.FindField(dl.field);
        if (!f || f->type != RegisterFieldType::kDate) c.Fail(d["field"], w + ": '" + dl.field + "' is not a date field");
      }
      if (d["after"]) {
        ++given;
        dl.after_minutes = Duration(c.Str(d, "after", true, w));
        if (dl.after_minutes <= 0) c.Fail(d["after"], w + ".after must be a number followed by d, h or m (\"14d\")");
      }
      if (d["fiscal"]) {
        ++given;
        const std::string md = c.Str(d, "fiscal", true, w);
        int m = 0, day = 0;
        if (md.size() == 5 && md[2] == '-' && std::isdigit(static_cast<unsigned char>(md[0])) &&
            std::isdigit(static_cast<unsigned char>(md[1])) && std::isdigit(static_cast<unsigned char>(md[3])) &&
            std::isdigit(static_cast<unsigned char>(md[4]))) {
          m = std::stoi(md.substr(0, 2));
          day = std::stoi(md.substr(3, 2));
        }
        static const int kDays[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (m < 1 || m > 12 || day < 1 || day > kDays[m] || (m == 2 && day == 29))
          c.Fail(d["fiscal"], w + ".fiscal must be a day of the year as MM-DD (\"06-30\")");
        dl.fiscal_month = m;
        dl.fiscal_day = day;
      }
      if (given > 1 || (given == 0 && dl.cases.empty()))
        c.Fail(d, w + " needs exactly one of field, after or fiscal (optional when it has cases)");
      dl.on_pass = c.Str(d, "on_pass", true, w);
      if (dl.on_pass != "notify" && dl.on_pass != "escalate" && dl.on_pass != "expire")
        c.Fail(d["on_pass"], w + ".on_pass must be notify, escalate or expire");
      dl.to = c.Str(d, "to", false, w);
      if (dl.on_pass == "expire" && !wf.FindState(dl.to)) c.Fail(d, w + ": expire needs `to`, a state of the workflow");
      if (dl.on_pass != "expire" && !dl.to.empty()) c.Fail(d["to"], w + ".to is only for expire");
      dl.notify = Notify(d["notify"], r, w + ".notify");
      if (dl.on_pass != "expire" && dl.notify.empty()) c.Fail(d, w + ": " + dl.on_pass + " needs notify");
      if (const YAML::Node lv = d["levels"]; lv) {
        if (dl.on_pass != "escalate") c.Fail(lv, w + ".levels is only for on_pass: escalate");
        if (!lv.IsSequence() || lv.size() == 0 || lv.size() > 9) {
          c.Fail(lv, w + ".levels must be a list of 1 to 9 levels");
        } else {
          for (size_t i = 0; i < lv.size(); ++i) {
            const std::string lw = w + ".levels[" + std::to_string(i) + "]";
            if (!c.Map(lv[i], lw)) continue;
            c.Keys(lv[i], {"after", "notify"}, lw);
            Deadline::Level level;
            level.after_minutes = Duration(c.Str(lv[i], "after", true, lw));
            if (level.after_minutes <= 0) c.Fail(lv[i], lw + ".after must be a number followed by d, h or m (\"2h\")");
            level.notify = Notify(lv[i]["notify"], r, lw + ".notify");
            if (level.notify.empty()) c.Fail(lv[i], lw + " needs notify");
            dl.levels.push_back(std::move(level));
          }
        }
      }
      s->deadline = std::move(dl);
    }
    if (!wf.initial.empty() && !wf.FindState(wf.initial)) c.Fail(node["initial"], where + ".initial is not a state");
    if (const YAML::Node e = node["edit"]; e && c.Map(e, where + ".edit")) {
      wf.edit.emplace();
      for (const auto& kv : e) {
        const std::string state = kv.first.as<std::string>("");
        const std::string w = where + ".edit." + state;
        const StateDef* s = wf.FindState(state);
        if (!s) c.Fail(kv.first, w + ": unknown state '" + state + "'");
        else if (s->final) c.Fail(kv.first, w + ": state '" + state + "' is final; nothing is edited there");
        if (wf.EditorsOf(state)) c.Fail(kv.first, w + " appears twice");
        wf.edit->emplace_back(state, Parties(kv.second, r, w, false));
      }
    }
    const YAML::Node ts = node["transitions"];
    if (ts && c.Map(ts, where + ".transitions")) {
      for (const auto& kv : ts) {
        Transition t;
        t.id = kv.first.as<std::string>("");
        const std::string w = where + ".transitions." + t.id;
        if (!Identifier(t.id, 40)) c.Fail(kv.first, w + ": a transition id is [a-z][a-z0-9_]*");
        if (t.id == "create" || t.id == "update" || t.id == "deadline" || t.id == "export" || t.id == "import")
          c.Fail(kv.first, w + ": '" + t.id + "' is one of the register's own log actions");
        if (wf.FindTransition(t.id)) c.Fail(kv.first, w + " appears twice");
        const YAML::Node d = kv.second;
        if (!c.Map(d, w)) continue;
        c.Keys(d, {"label", "label_en", "from", "to", "by", "chain", "sets", "requires", "clears", "note_required", "when",
                   "deny", "notify", "stamps", "keep_state", "effects"},
               w);
        t.label = c.Str(d, "label", true, w);
        t.label_en = c.Str(d, "label_en", false, w);
        if (t.label_en.empty()) t.label_en = t.id;
        t.keep_state = c.Bool(d, "keep_state", false, w);
        t.from = c.List(d, "from", w);
        if (t.keep_state && !d["from"])
          for (const auto& s : wf.states) t.from.push_back(s.id);
        if (t.from.empty()) c.Fail(d, w + ".from must name at least one state");
        for (const auto& f : t.from) {
          const StateDef* s = wf.FindState(f);
          if (!s) c.Fail(d["from"], w + ": unknown state '" + f + "'");
          else if (s->final && !t.keep_state) c.Fail(d["from"], w + ": state '" + f + "' is final");
        }
        t.to = c.Str(d, "to", !t.keep_state, w);
        if (t.keep_state) {
          if (d["to"]) c.Fail(d["to"], w + ": a keep_state transition has no `to` (the record stays where it is)");
          for (const char* k : {"sets", "requires", "clears", "chain", "effects"})
            if (d[k]) c.Fail(d[k], w + ": a keep_state transition is a note; it has no " + std::string(k));
          t.to.clear();
        }
        if (!t.to.empty() && !wf.FindState(t.to)) c.Fail(d["to"], w + ": unknown state '" + t.to + "'");
        t.by = Parties(d["by"], r, w + ".by", false);
        t.chain = Parties(d["chain"], r, w + ".chain", false);
        if (t.by.empty() == t.chain.empty()) c.Fail(d, w + " needs either by or chain");
        t.sets = c.List(d, "sets", w);
        for (const auto& f : t.sets)
          if (!r.FindField(f)) c.Fail(d["sets"], w + ": unknown field '" + f + "'");
        t.requires_fields = c.List(d, "requires", w);
        for (const auto& f : t.requires_fields)
          if (std::find(t.sets.begin(), t.sets.end(), f) == t.sets.end())
            c.Fail(d["requires"], w + ": '" + f + "' is required but not in sets");
        t.clears = c.List(d, "clears", w);
        for (const auto& f : t.clears) {
          const RegisterField* field = r.FindField(f);
          if (!field) c.Fail(d["clears"], w + ": unknown field '" + f + "'");
          else if (field->required) c.Fail(d["clears"], w + ": '" + f + "' is required and cannot be cleared");
          if (std::find(t.sets.begin(), t.sets.end(), f) != t.sets.end())
            c.Fail(d["clears"], w + ": '" + f + "' is both set and cleared");
        }
        t.note_required = c.Bool(d, "note_required", false, w) || t.keep_state;
        t.effects = Effects(d["effects"], r, w + ".effects");
        std::vector<std::string> roots = RecordRoots(r);
        for (const auto& f : t.sets) roots.push_back("form." + f);
        roots.push_back("form.note");
        t.when = Condition(c, d["when"], w + ".when", roots);
        if (const YAML::Node deny = d["deny"]; deny) {
          if (!deny.IsSequence()) {
            c.Fail(deny, w + ".deny must be a list");
          } else {
            for (const auto& item : deny) {
              if (!c.Map(item, w + ".deny item")) continue;
              c.Keys(item, {"when", "clause", "message", "message_en", "field"}, w + ".deny");
              Transition::Deny rule;
              if (!item["when"]) c.Fail(item, w + ".deny.when is required");
              rule.when = Condition(c, item["when"], w + ".deny.when", roots);
              rule.clause = c.Str(item, "clause", false, w + ".deny");
              rule.message = c.Str(item, "message", true, w + ".deny");
              rule.message_en = c.Str(item, "message_en", false, w + ".deny");
              rule.field = c.Str(item, "field", false, w + ".deny");
              if (!rule.field.empty() && std::find(t.sets.begin(), t.sets.end(), rule.field) == t.sets.end() &&
                  rule.field != "note")
                c.Fail(item["field"], w + ".deny.field must be one of the transition's sets (or note)");
              t.deny.push_back(std::move(rule));
            }
          }
        }
        t.notify = Notify(d["notify"], r, w + ".notify");
        t.stamps = Stamps(d["stamps"], r, t, w + ".stamps");
        wf.transitions.push_back(std::move(t));
      }
    }
    r.workflow = std::move(wf);
  }

  // `builtin`: one of mamori's own registers (BuiltinRegisters), which takes its own path and
  // log prefix.
  void ParseRegister(const std::string& id, const YAML::Node& key, const YAML::Node& d, bool builtin) {
    RegisterSpec r;
    r.id = id;
    r.builtin = builtin;
    const std::string w = "registers." + id;
    if (!Identifier(id, 40) || id.find("__") != std::string::npos)
      c.Fail(key, w + ": a register id is [a-z][a-z0-9_]* without \"__\", at most 40 characters");
    if (pack.FindRegister(id)) c.Fail(key, w + " appears twice");
    if (!builtin && std::find(std::begin(kBuiltinRegisterIds), std::end(kBuiltinRegisterIds), id) !=
                        std::end(kBuiltinRegisterIds))
      c.Fail(key, w + ": '" + id + "' is one of mamori's built-in registers");
    if (!c.Map(d, w)) return;
    c.Keys(d, {"title", "title_en", "clause", "path", "log_prefix", "permissions", "create_when", "scope",
               "retention_years", "fields", "workflow", "order_by", "visible_to_parties", "shared", "parent",
               "create_notify", "repeat_count", "fiscal_year", "reportable", "restrict_by_asset", "attachments"},
           w);
    r.title = c.Str(d, "title", true, w);
    r.title_en = c.Str(d, "title_en", false, w);
    if (r.title_en.empty()) r.title_en = id;
    r.clause = c.Str(d, "clause", false, w);
    r.path = c.Str(d, "path", false, w);
    if (r.path.empty()) {
      r.path = id;
      std::replace(r.path.begin(), r.path.end(), '_', '-');
    }
    if (!Identifier(r.path, 40, true)) c.Fail(d["path"] ? d["path"] : key, w + ".path is [a-z][a-z0-9_-]*");
    if (!builtin && std::find(std::begin(kReservedPaths), std::end(kReservedPaths), r.path) != std::end(kReservedPaths))
      c.Fail(d["path"] ? d["path"] : key, w + ": the path /api/v1/" + r.path + " is one of mamori's own");
    for (const auto& other : pack.registers)
      if (other.path == r.path) c.Fail(d["path"] ? d["path"] : key, w + ": path '" + r.path + "' is taken by " + other.id);
    r.log_prefix = c.Str(d, "log_prefix", false, w);
    if (r.log_prefix.empty()) r.log_prefix = id;
    if (!Identifier(r.log_prefix, 40)) c.Fail(d["log_prefix"], w + ".log_prefix is [a-z][a-z0-9_]*");
    if (!builtin && std::find(std::begin(kReservedLogPrefixes), std::end(kReservedLogPrefixes), r.log_prefix) !=
                        std::end(kReservedLogPrefixes))
      c.Fail(d["log_prefix"] ? d["log_prefix"] : key, w + ": the log prefix '" + r.log_prefix + "' is one of mamori's own");
    for (const auto& other : pack.registers)
      if (other.log_prefix == r.log_prefix) c.Fail(key, w + ": log prefix '" + r.log_prefix + "' is taken by " + other.id);
    r.object = r.log_prefix;
    const YAML::Node perms = d["permissions"];
    if (!perms) c.Fail(d, w + ".permissions is required");
    else if (c.Map(perms, w + ".permissions")) {
      c.Keys(perms, {"read", "manage", "create"}, w + ".permissions");
      r.read_permission = c.Str(perms, "read", true, w + ".permissions");
      r.manage_permission = c.Str(perms, "manage", true, w + ".permissions");
      r.create_permission = c.Str(perms, "create", false, w + ".permissions");
      if (r.create_permission.empty()) r.create_permission = r.manage_permission;
      for (const auto* p : {&r.read_permission, &r.manage_permission, &r.create_permission})
        if (!p->empty() && !PermissionName(*p))
          c.Fail(perms, w + ".permissions: '" + *p + "' is not a permission name (area.verb)");
    }
    r.retention_years = c.Int(d, "retention_years", 5, 1, 100, w);
    r.fields = Fields(d["fields"], w + ".fields");
    std::set<std::string> seen;
    for (const auto& f : r.fields)
      if (!seen.insert(f.id).second) c.Fail(d["fields"], w + ": field '" + f.id + "' appears twice");
    if (const YAML::Node s = d["scope"]; s && c.Map(s, w + ".scope")) {
      c.Keys(s, {"owner_unit", "system"}, w + ".scope");
      r.owner_unit_field = c.Str(s, "owner_unit", false, w + ".scope");
      r.system_field = c.Str(s, "system", false, w + ".scope");
      if (!r.owner_unit_field.empty()) {
        const RegisterField* f = r.FindField(r.owner_unit_field);
        if (!f || f->type != RegisterFieldType::kOrgUnit || !f->required)
          c.Fail(s["owner_unit"], w + ".scope.owner_unit must name a required org_unit field");
      }
      if (!r.system_field.empty()) {
        const RegisterField* f = r.FindField(r.system_field);
        if (!f || f->type != RegisterFieldType::kSystem)
          c.Fail(s["system"], w + ".scope.system must name a system field");
      }
    }
    if (const YAML::Node cw = d["create_when"]; cw && c.Map(cw, w + ".create_when")) {
      c.Keys(cw, {"when", "clause"}, w + ".create_when");
      r.create_when = Condition(c, cw["when"], w + ".create_when.when", {"actor.roles", "actor.org_unit_id", "actor.user_id"});
      if (!cw["when"]) c.Fail(cw, w + ".create_when.when is required");
      r.create_clause = c.Str(cw, "clause", false, w + ".create_when");
    }
    r.order_by = c.Str(d, "order_by", false, w);
    if (!r.order_by.empty()) {
      const RegisterField* f = r.FindField(r.order_by);
      if (!f || f->sealed ||
          (f->type != RegisterFieldType::kText && f->type != RegisterFieldType::kDate &&
           f->type != RegisterFieldType::kDateTime && f->type != RegisterFieldType::kChoice &&
           f->type != RegisterFieldType::kInt))
        c.Fail(d["order_by"], w + ".order_by must name a text, int, date, datetime or choice field that is not sealed");
    }
    r.visible_to_parties = c.Bool(d, "visible_to_parties", true, w);
    r.shared = c.Bool(d, "shared", false, w);
    ParseParent(d, r, w + ".parent");
    r.create_notify = Notify(d["create_notify"], r, w + ".create_notify");
    if (const YAML::Node rc = d["repeat_count"]; rc && c.Map(rc, w + ".repeat_count")) {
      c.Keys(rc, {"field"}, w + ".repeat_count");
      r.repeat_field = c.Str(rc, "field", true, w + ".repeat_count");
      const RegisterField* f = r.FindField(r.repeat_field);
      if (!r.repeat_field.empty() && (!f || f->type != RegisterFieldType::kUser || !f->filter))
        c.Fail(rc["field"], w + ".repeat_count.field must name a user field with filter: true (it is counted by its index)");
    }
    if (const YAML::Node fy = d["fiscal_year"]; fy) {
      r.fiscal_year = true;
      if (fy.IsScalar() && fy.Scalar() == "created_at") {
      } else if (c.Map(fy, w + ".fiscal_year")) {
        c.Keys(fy, {"field"}, w + ".fiscal_year");
        r.fiscal_year_field = c.Str(fy, "field", true, w + ".fiscal_year");
        const RegisterField* f = r.FindField(r.fiscal_year_field);
        if (!r.fiscal_year_field.empty() &&
            (!f || f->sealed || (f->type != RegisterFieldType::kDate && f->type != RegisterFieldType::kDateTime)))
          c.Fail(fy["field"], w + ".fiscal_year.field must name a date or datetime field that is not sealed");
      }
    }
    r.reportable = c.Bool(d, "reportable", false, w);
    if (const YAML::Node ra = d["restrict_by_asset"]; ra && c.Map(ra, w + ".restrict_by_asset")) {
      c.Keys(ra, {"field", "min_confidentiality"}, w + ".restrict_by_asset");
      RegisterSpec::AssetRestriction rule;
      rule.field = c.Str(ra, "field", true, w + ".restrict_by_asset");
      const RegisterField* f = r.FindField(rule.field);
      if (!rule.field.empty() && (!f || f->type != RegisterFieldType::kAsset))
        c.Fail(ra["field"], w + ".restrict_by_asset.field must name an asset field");
      rule.min_confidentiality = c.Int(ra, "min_confidentiality", 0, 1, 99, w + ".restrict_by_asset");
      if (!ra["min_confidentiality"]) c.Fail(ra, w + ".restrict_by_asset.min_confidentiality is required");
      r.restrict_by_asset = std::move(rule);
    }
    ParseWorkflow(d["workflow"], r, w + ".workflow");
    ParseAttachments(c, d["attachments"], r, w + ".attachments");
    pack.registers.push_back(std::move(r));
  }
};

}  // namespace

std::vector<std::string> DeclaredRegisterPermissions(const YAML::Node& registers) {
  std::vector<std::string> out;
  if (!registers || !registers.IsMap()) return out;
  for (const auto& kv : registers) {
    const YAML::Node perms = kv.second.IsMap() ? kv.second["permissions"] : YAML::Node();
    if (!perms || !perms.IsMap()) continue;
    for (const char* key : {"read", "manage", "create"})
      if (perms[key] && perms[key].IsScalar() && PermissionName(perms[key].Scalar())) out.push_back(perms[key].Scalar());
  }
  return out;
}

void ParseNotificationTemplates(Checker& c, const YAML::Node& node, PolicyPack& pack) {
  if (!node || !c.Map(node, "notification_templates")) return;
  for (const auto& kv : node) {
    NotificationTemplate t;
    t.id = kv.first.as<std::string>("");
    const std::string w = "notification_templates." + t.id;
    if (!Identifier(t.id, 60)) c.Fail(kv.first, w + ": a template id is [a-z][a-z0-9_]*");
    if (pack.FindTemplate(t.id)) c.Fail(kv.first, w + " appears twice");
    if (!c.Map(kv.second, w)) continue;
    c.Keys(kv.second, {"subject", "body", "subject_en", "body_en"}, w);
    t.subject = c.Str(kv.second, "subject", true, w);
    t.body = c.Str(kv.second, "body", true, w);
    t.subject_en = c.Str(kv.second, "subject_en", false, w);
    t.body_en = c.Str(kv.second, "body_en", false, w);
    if (t.subject.find('\n') != std::string::npos || t.subject_en.find('\n') != std::string::npos)
      c.Fail(kv.second, w + ": a subject is one line");
    pack.notification_templates.push_back(std::move(t));
  }
}

void ParseRegisters(Checker& c, const YAML::Node& node, PolicyPack& pack, bool builtin) {
  if (!node || !c.Map(node, "registers")) return;
  RegisterParser p{c, pack};
  for (const auto& kv : node) p.ParseRegister(kv.first.as<std::string>(""), kv.first, kv.second, builtin);
}

}  // namespace mamori::policy
