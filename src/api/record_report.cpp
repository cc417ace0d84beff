// One record of a register as an Excel report (docs/registers.md "A record's report"): a form of
// its items as the reader sees them — choices by their label, references by name, sealed items
// opened for whoever may read the record — and a second sheet with its history, the operation
// log's entries on it in order (who did what, from which state to which, with their notes): the
// layout a 情報管理者 sends upward.
#include <cstdio>

#include "api/handlers.hpp"
#include "common/json_input.hpp"
#include "common/table_file.hpp"
#include "common/time.hpp"

namespace mamori::api {
namespace {

using json = nlohmann::json;

// "令和8年12月2日 10:05" (JST), or 2026-12-02 10:05 in English.
std::string When(int64_t micros, bool english) {
  const CivilDate d = JstDate(micros);
  const int64_t minutes = ((micros + 9 * 3600 * 1000000LL) / 60000000LL) % (24 * 60);
  char hm[8];
  std::snprintf(hm, sizeof hm, "%02d:%02d", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return (english ? FormatDate(d) : FormatWareki(d)) + " " + hm;
}

std::string StateLabel(const policy::RegisterSpec& r, const std::string& id, bool english) {
  const policy::StateDef* s = r.workflow ? r.workflow->FindState(id) : nullptr;
  if (!s) return id;
  return english ? s->label_en : s->label;
}

std::string ValueText(const policy::RegisterField& f, const json& v, const std::string& name, bool english) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? (english ? "yes" : "はい") : (english ? "no" : "いいえ");
  if (v.is_number()) return v.dump();
  const std::string s = v.get<std::string>();
  if (f.type == policy::RegisterFieldType::kChoice)
    if (const auto* c = f.FindChoice(s)) return english ? c->label_en : c->label;
  if (policy::IsReference(f.type) && !name.empty()) return name;
  if (f.type == policy::RegisterFieldType::kDateTime)
    if (auto t = ParseRfc3339(s)) return When(*t, english);
  if (f.type == policy::RegisterFieldType::kDate && !english)
    if (auto d = ParseDate(s)) return FormatWareki(*d);
  return s;
}

// What an entry did, in the reader's words: the transition's label, or the register's own actions.
std::string ActionText(const policy::RegisterSpec& r, const storage::LogEntryRecord& e, bool english) {
  std::string what = e.action;
  const std::string prefix = r.log_prefix + ".";
  if (e.action.starts_with(prefix)) {
    const std::string act = e.action.substr(prefix.size());
    const policy::Transition* t = r.workflow ? r.workflow->FindTransition(act) : nullptr;
    if (t) what = english ? t->label_en : t->label;
    else if (act == "create") what = english ? "Created" : "登録";
    else if (act == "update") what = english ? "Changed" : "変更";
    else if (act == "deadline") what = english ? "Deadline passed" : "期限経過";
    else if (act == "export") what = english ? "Exported" : "出力";
  }
  if (e.result == "denied") what += english ? " (refused)" : "（拒否）";
  else if (e.result == "failure") what += english ? " (failed)" : "（失敗）";
  return what;
}

std::vector<Sheet> ReportSheets(const policy::RegisterSpec& r, const domain::RecordReport& rep, bool english,
                                int64_t now) {
  const domain::RecordView& v = rep.view;
  const storage::RegisterRecord& rec = v.record;
  auto person = [&](const std::string& id) {
    auto it = rep.history.actor_names.find(id);
    return it == rep.history.actor_names.end() ? id : it->second;
  };
  Sheet form;
  form.name = english ? "Record" : "記録";
  form.form = true;
  form.columns = {{english ? "Item" : "項目", 30}, {english ? "Content" : "内容", 80}};
  auto row = [&](const std::string& label, const std::string& value) {
    form.rows.push_back({SheetCell(label), SheetCell(value)});
  };
  row(english ? "Register" : "台帳", english ? r.title_en : r.title);
  row("ID", rec.id);
  if (r.workflow) row(english ? "State" : "状態", StateLabel(r, rec.state, english));
  for (const auto& f : r.fields) {
    auto name = v.names.find(f.id);
    const json value = v.values.contains(f.id) ? v.values.at(f.id) : json();
    row(english ? f.label_en : f.label, ValueText(f, value, name == v.names.end() ? "" : name->second, english));
  }
  if (!r.repeat_field.empty()) {
    const policy::RegisterField* f = r.FindField(r.repeat_field);
    const std::string label = f ? (english ? f->label_en : f->label) : r.repeat_field;
    row(english ? "Earlier records of the same " + label : label + "の過去の記録（件）",
        std::to_string(v.repeat_count.value_or(0)));
  }
  row(english ? "Created by" : "登録者", person(rec.created_by));
  row(english ? "Created" : "登録日時", When(rec.created_at, english));
  row(english ? "Last changed" : "最終更新", When(rec.updated_at, english));
  if (rec.deadline_at) row(english ? "Deadline" : "期限", When(*rec.deadline_at, english));
  row(english ? "Printed" : "出力日時", When(now, english));

  Sheet history;
  history.name = english ? "History" : "経過";
  history.columns = {{english ? "When" : "日時", 22},
                     {english ? "What" : "操作", 30},
                     {english ? "Who" : "担当者", 20},
                     {english ? "State" : "状態", 34},
                     {english ? "Note" : "メモ", 60},
                     {english ? "Clause" : "根拠", 14}};
  for (const auto& e : rep.history.items) {
    json d = json::parse(e.detail.empty() ? "{}" : e.detail, nullptr, false);
    if (!d.is_object()) d = json::object();
    std::string states;
    if (d.contains("from") && d.contains("to") && d["from"].is_string() && d["to"].is_string()) {
      const std::string from = d["from"].get<std::string>(), to = d["to"].get<std::string>();
      states = from == to ? StateLabel(r, to, english) : StateLabel(r, from, english) + " → " + StateLabel(r, to, english);
    } else if (d.contains("state") && d["state"].is_string()) {
      states = StateLabel(r, d["state"].get<std::string>(), english);
    }
    const std::string who = e.actor == "system" ? (english ? "(mamori)" : "（システム）") : person(e.actor);
    const std::string note = d.contains("note") && d["note"].is_string() ? d["note"].get<std::string>() : "";
    history.rows.push_back({SheetCell(When(e.at, english)), SheetCell(ActionText(r, e, english)), SheetCell(who),
                            SheetCell(states), SheetCell(note), SheetCell(e.clause)});
  }
  return {form, history};
}

}  // namespace

Response ExportRecord(App& app, Call& call) {
  const auto* r = app.registers.Find(call.req.params["register"]);
  if (!r) return Response::Problem(Error::NotFound("台帳"));
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound(r->title));
  auto english = EnglishOf(call.req);
  if (!english.ok()) return Response::Problem(english.error());
  std::string format = QueryParam(call.req, "format");
  if (format.empty()) format = "xlsx";
  if (format != "xlsx") return Response::Problem(Error::Validation("format", "not_allowed", "format は xlsx です"));
  for (const auto& [key, value] : call.req.query)
    if (key != "format" && key != "lang")
      return Response::Problem(Error::Validation(CheckString(key, {1, 64}).empty() ? key : "(invalid)", "unknown_field"));
  auto report = app.registers.Report(call.actor(), *r, id, format);
  if (!report.ok()) return Response::Problem(report.error());
  auto bytes = XlsxWorkbook(ReportSheets(*r, *report, *english, app.env.clock.NowMicros()));
  if (!bytes.ok()) return Response::Problem(bytes.error());
  Response resp = Response::Text(200, std::move(*bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  resp.SetHeader("Content-Disposition", "attachment; filename=\"" + r->path + "-" + id.substr(0, 8) + ".xlsx\"");
  resp.SetHeader("Cache-Control", "no-store");
  return resp;
}

}  // namespace mamori::api
