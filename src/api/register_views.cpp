#include "api/register_views.hpp"

#include "api/views.hpp"
#include "common/time.hpp"

namespace mamori::api {
namespace {

using json = nlohmann::json;
using policy::RegisterFieldType;

// owner_org_unit_id → owner_org_unit_name; borrower → borrower_name.
std::string NameKey(const std::string& id) {
  if (id.size() > 3 && id.ends_with("_id")) return id.substr(0, id.size() - 3) + "_name";
  return id + "_name";
}

json PartyJson(const policy::Party& p) {
  json j = {{"kind", p.kind}};
  if (p.kind == "role") j["role"] = p.role, j["scope"] = p.scope;
  if (p.kind == "user_field") j["field"] = p.field;
  return j;
}

json Parties(const std::vector<policy::Party>& ps) {
  json out = json::array();
  for (const auto& p : ps) out.push_back(PartyJson(p));
  return out;
}

json NotifyJson(const std::vector<policy::NotifyRule>& rules) {
  json out = json::array();
  for (const auto& n : rules) out.push_back({{"to", Parties(n.to)}, {"template", n.template_id}});
  return out;
}

json ActionJson(const policy::Transition& t) {
  return {{"action", t.id},         {"label", t.label},
          {"label_en", t.label_en}, {"sets", t.sets},
          {"requires", t.requires_fields}, {"note_required", t.note_required}};
}

json WorkflowJson(const policy::Workflow& wf) {
  json states = json::array();
  for (const auto& s : wf.states) {
    json j = {{"id", s.id}, {"label", s.label}, {"label_en", s.label_en}, {"final", s.final}};
    if (s.deadline) {
      const auto& d = *s.deadline;
      json dl = {{"on_pass", d.on_pass}};
      if (!d.field.empty()) dl["field"] = d.field;
      if (d.after_minutes) dl["after_minutes"] = d.after_minutes;
      if (d.fiscal_month) {
        char md[8];
        std::snprintf(md, sizeof md, "%02d-%02d", d.fiscal_month, d.fiscal_day);
        dl["fiscal"] = md;
      }
      if (!d.to.empty()) dl["to"] = d.to;
      dl["notify"] = NotifyJson(d.notify);
      if (!d.cases.empty()) {
        json cases = json::array();
        for (const auto& c : d.cases) {
          json cj = {{"when", c.when.ToString()}};
          if (!c.field.empty()) cj["field"] = c.field;
          if (c.after_minutes) cj["after_minutes"] = c.after_minutes;
          if (c.fiscal_month) {
            char md[8];
            std::snprintf(md, sizeof md, "%02d-%02d", c.fiscal_month, c.fiscal_day);
            cj["fiscal"] = md;
          }
          cases.push_back(cj);
        }
        dl["cases"] = cases;
      }
      j["deadline"] = dl;
    }
    states.push_back(j);
  }
  json transitions = json::array();
  for (const auto& t : wf.transitions) {
    json j = ActionJson(t);
    j["id"] = t.id;
    j["from"] = t.from;
    j["to"] = t.to;
    j["clears"] = t.clears;
    j["by"] = Parties(t.by);
    j["chain"] = Parties(t.chain);
    j["notify"] = NotifyJson(t.notify);
    json stamps = json::array();
    for (const auto& st : t.stamps) stamps.push_back({{"field", st.field}, {"kind", st.kind}, {"value", st.value}});
    j["stamps"] = stamps;
    j["keep_state"] = t.keep_state;
    json effects = json::array();
    for (const auto& e : t.effects) effects.push_back({{"kind", e.kind}, {"field", e.field}});
    j["effects"] = effects;
    transitions.push_back(j);
  }
  json edit = nullptr;
  if (wf.edit) {
    edit = json::object();
    for (const auto& [state, parties] : *wf.edit) edit[state] = Parties(parties);
  }
  return {{"initial", wf.initial}, {"states", states}, {"transitions", transitions}, {"edit", edit}};
}

// A request form field in the register field shape.
json RequestFieldJson(const policy::FieldDef& f) {
  json j = {{"id", f.id},       {"label", f.label},     {"label_en", f.label_en},
            {"type", policy::FieldTypeName(f.type)}, {"required", f.required}};
  if (f.type == policy::FieldType::kText || f.type == policy::FieldType::kLongText) j["max_length"] = f.max_length;
  if (f.type == policy::FieldType::kInt) {
    if (f.min != INT64_MIN) j["min"] = f.min;
    if (f.max != INT64_MAX) j["max"] = f.max;
  }
  if (f.type == policy::FieldType::kChoice) {
    json choices = json::array();
    for (const auto& c : f.choices) choices.push_back({{"id", c}, {"label", c}, {"label_en", c}});
    j["choices"] = choices;
  }
  return j;
}

std::string CellText(const policy::RegisterField& f, const json& v, const std::string& name, bool english) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? (english ? "yes" : "はい") : (english ? "no" : "いいえ");
  if (v.is_number()) return v.dump();
  std::string s = v.get<std::string>();
  if (f.type == RegisterFieldType::kChoice)
    if (const auto* c = f.FindChoice(s)) return english ? c->label_en : c->label;
  if (policy::IsReference(f.type) && !name.empty()) return name;
  return s;
}

}  // namespace

json FieldJson(const policy::RegisterField& f) {
  json j = {{"id", f.id},
            {"label", f.label},
            {"label_en", f.label_en},
            {"help", f.help},
            {"help_en", f.help_en},
            {"type", policy::RegisterFieldTypeName(f.type)},
            {"required", f.required},
            {"clearable", f.clearable},
            {"read_only", f.read_only},
            {"filter", f.filter},
            {"search", f.search},
            {"list", f.list},
            {"sealed", f.sealed},
            {"heading", f.heading},
            {"heading_en", f.heading_en}};
  if (f.type == RegisterFieldType::kText || f.type == RegisterFieldType::kLongText) j["max_length"] = f.max_length;
  if (f.type == RegisterFieldType::kInt || f.type == RegisterFieldType::kDecimal) {
    if (f.min != INT64_MIN) j["min"] = f.min;
    if (f.max != INT64_MAX) j["max"] = f.max;
  }
  if (f.type == RegisterFieldType::kDecimal) j["scale"] = f.scale;
  if (f.type == RegisterFieldType::kChoice) {
    json choices = json::array();
    for (const auto& c : f.choices)
      choices.push_back({{"id", c.id}, {"label", c.label}, {"label_en", c.label_en}, {"help", c.help}, {"help_en", c.help_en}});
    j["choices"] = choices;
  }
  return j;
}

json RegisterJson(const policy::RegisterSpec& r, const domain::RegisterService& service, const domain::Actor& reader,
                  const policy::PolicyPack& pack) {
  json fields = json::array();
  for (const auto& f : r.fields) fields.push_back(FieldJson(f));
  json j = {{"id", r.id},
            {"kind", "register"},
            {"path", r.path},
            {"api_path", "/api/v1/" + r.path},
            {"title", r.title},
            {"title_en", r.title_en},
            {"clause", pack.Cite(r.clause)},
            {"log_prefix", r.log_prefix},
            {"permissions", {{"read", r.read_permission}, {"manage", r.manage_permission}, {"create", r.create_permission}}},
            {"scope", {{"owner_unit", r.owner_unit_field}, {"system", r.system_field}}},
            {"retention_years", r.retention_years},
            {"order_by", r.order_by},
            {"visible_to_parties", r.visible_to_parties},
            {"shared", r.shared},
            {"reportable", r.reportable},
            {"builtin", r.builtin},
            {"fields", fields},
            {"workflow", r.workflow ? WorkflowJson(*r.workflow) : json(nullptr)},
            {"can_read", service.CanRead(reader, r)},
            {"can_create", service.CanCreate(reader, r)}};
  j["parent"] = r.parent ? json{{"register", r.parent->register_id}, {"field", r.parent->field},
                                {"create_by", Parties(r.parent->create_by)}}
                         : json(nullptr);
  json children = json::array();
  for (const auto& other : pack.registers)
    if (other.parent && other.parent->register_id == r.id)
      children.push_back({{"register", other.id}, {"field", other.parent->field}});
  j["children"] = children;
  j["repeat_count_field"] = r.repeat_field;
  j["fiscal_year"] = r.fiscal_year;
  j["fiscal_year_field"] = r.fiscal_year_field;
  // attach: the files its records take (docs/registers.md, "Attachments"), or null.
  j["attachments"] = r.attachments ? json{{"max_bytes", r.attachments->max_bytes},
                                          {"max_files", r.attachments->max_files},
                                          {"types", r.attachments->types}}
                                   : json(nullptr);
  return j;
}

json RequestTypeCatalogJson(const policy::RequestType& t, const policy::PolicyPack& pack) {
  json fields = json::array(), completion = json::array();
  for (const auto& f : t.fields) fields.push_back(RequestFieldJson(f));
  for (const auto& f : t.completion) completion.push_back(RequestFieldJson(f));
  json j = {{"id", t.id},
            {"kind", "request_type"},
            {"path", "requests"},
            {"api_path", "/api/v1/requests"},
            {"title", t.title},
            {"title_en", t.title_en},
            {"clause", pack.Cite(t.clause)},
            {"assets", t.assets},
            {"max_assets", t.max_assets},
            {"fields", fields},
            {"completion", completion},
            {"report_after", t.report_after},
            {"workflow", t.workflow ? WorkflowJson(*t.workflow) : json(nullptr)}};
  return j;
}

json RecordJson(const domain::RecordView& v) {
  const policy::RegisterSpec& r = *v.spec;
  const storage::RegisterRecord& rec = v.record;
  json j = {{"id", rec.id}, {"register", r.id}};
  const policy::StateDef* st = r.workflow ? r.workflow->FindState(rec.state) : nullptr;
  j["state"] = rec.state.empty() ? json(nullptr) : json(rec.state);
  j["state_label"] = st ? json(st->label) : json(nullptr);
  j["state_label_en"] = st ? json(st->label_en) : json(nullptr);
  j["step"] = rec.step;
  for (const auto& f : r.fields) {
    const json& value = v.values.contains(f.id) ? v.values[f.id] : json();
    j[f.id] = value;
    if (policy::IsReference(f.type)) {
      auto it = v.names.find(f.id);
      j[NameKey(f.id)] = it == v.names.end() ? json(nullptr) : json(it->second);
    }
    if (f.type == RegisterFieldType::kChoice) {
      const policy::Choice* c = value.is_string() ? f.FindChoice(value.get<std::string>()) : nullptr;
      j[f.id + "_label"] = c ? json(c->label) : json(nullptr);
      j[f.id + "_label_en"] = c ? json(c->label_en) : json(nullptr);
    }
  }
  j["created_by"] = rec.created_by;
  j["created_at"] = TimeOrNull(rec.created_at);
  j["updated_at"] = TimeOrNull(rec.updated_at);
  j["version"] = rec.version;
  j["deadline_at"] = rec.deadline_at ? TimeOrNull(*rec.deadline_at) : json(nullptr);
  j["overdue"] = v.overdue;
  json actions = json::array();
  for (const auto* t : v.actions) actions.push_back(ActionJson(*t));
  j["available_actions"] = actions;
  j["can_update"] = v.can_update;
  if (!r.repeat_field.empty()) j["repeat_count"] = v.repeat_count.value_or(0);
  return j;
}

Sheet RecordSheet(const policy::RegisterSpec& r, const domain::RecordList& list, bool english) {
  Sheet sheet;
  sheet.name = (english ? r.title_en : r.title).substr(0, 31);
  if (sheet.name.find_first_of("[]:*?/\\") != std::string::npos || sheet.name.empty()) sheet.name = r.id.substr(0, 31);
  sheet.columns.push_back({"ID", 34});
  if (r.workflow) sheet.columns.push_back({english ? "State" : "状態", 12});
  for (const auto& f : r.fields) sheet.columns.push_back({english ? f.heading_en : f.heading, 18});
  sheet.columns.push_back({english ? "Created" : "登録日時", 20});
  sheet.columns.push_back({english ? "Updated" : "更新日時", 20});
  for (const auto& v : list.items) {
    std::vector<SheetCell> row;
    row.emplace_back(v.record.id);
    if (r.workflow) {
      const policy::StateDef* st = r.workflow->FindState(v.record.state);
      row.emplace_back(st ? (english ? st->label_en : st->label) : v.record.state);
    }
    for (const auto& f : r.fields) {
      const json& value = v.values.contains(f.id) ? v.values[f.id] : json();
      auto it = v.names.find(f.id);
      if (value.is_number_integer()) row.emplace_back(value.get<int64_t>());
      else row.emplace_back(CellText(f, value, it == v.names.end() ? "" : it->second, english));
    }
    row.emplace_back(FormatRfc3339(v.record.created_at));
    row.emplace_back(FormatRfc3339(v.record.updated_at));
    sheet.rows.push_back(std::move(row));
  }
  return sheet;
}

Result<std::vector<std::pair<int64_t, json>>> RowsOfSheet(const policy::RegisterSpec& r, const CsvTable& table) {
  std::vector<std::pair<int64_t, json>> out;
  if (table.empty()) return Error::Validation("file", "empty", "ファイルが空です");
  std::vector<const policy::RegisterField*> columns;
  std::vector<FieldError> errors;
  for (const auto& heading : table[0]) {
    const policy::RegisterField* found = nullptr;
    for (const auto& f : r.fields)
      if (heading == f.heading || heading == f.heading_en || heading == f.id || heading == f.label) found = &f;
    if (!found) errors.emplace_back("file", "unknown_column", 1, heading);
    columns.push_back(found);
  }
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  for (size_t i = 1; i < table.size(); ++i) {
    const auto& cells = table[i];
    if (std::all_of(cells.begin(), cells.end(), [](const std::string& c) { return c.empty(); })) continue;
    json row = json::object();
    for (size_t k = 0; k < cells.size() && k < columns.size(); ++k) {
      const policy::RegisterField* f = columns[k];
      const std::string& cell = cells[k];
      if (!f || cell.empty()) continue;
      if (f->type == RegisterFieldType::kInt) {
        try {
          size_t used = 0;
          const long long n = std::stoll(cell, &used);
          row[f->id] = used == cell.size() ? json(n) : json(cell);
        } catch (...) {
          row[f->id] = cell;
        }
      } else if (f->type == RegisterFieldType::kBool) {
        row[f->id] = cell == "はい" || cell == "true" || cell == "yes" || cell == "1"   ? json(true)
                     : cell == "いいえ" || cell == "false" || cell == "no" || cell == "0" ? json(false)
                                                                                       : json(cell);
      } else if (f->type == RegisterFieldType::kChoice) {
        std::string id = cell;
        for (const auto& c : f->choices)
          if (cell == c.label || cell == c.label_en) id = c.id;
        row[f->id] = id;
      } else {
        row[f->id] = cell;
      }
    }
    out.emplace_back(static_cast<int64_t>(i + 1), std::move(row));
  }
  return out;
}

}  // namespace mamori::api
