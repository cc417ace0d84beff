// GET /api/v1/me/tasks (docs/registers.md "Escalation, tasks and reporters"): the records of
// every register awaiting the caller's action or escalated to them — the home page's list.
#include "api/handlers.hpp"
#include "api/views.hpp"
#include "common/time.hpp"

namespace mamori::api {
namespace {

using json = nlohmann::json;

// The record's title as its list shows it: the first listed text field that is not sealed.
std::string TitleOf(const domain::RecordView& v) {
  for (const auto& f : v.spec->fields)
    if (f.list && !f.sealed && f.type == policy::RegisterFieldType::kText && v.values.contains(f.id) &&
        v.values[f.id].is_string())
      return v.values[f.id].get<std::string>();
  return "";
}

json TaskJson(const domain::Task& t) {
  const auto& v = t.view;
  const policy::StateDef* st = v.spec->workflow ? v.spec->workflow->FindState(v.record.state) : nullptr;
  json actions = json::array();
  for (const auto* a : v.actions)
    actions.push_back({{"action", a->id}, {"label", a->label}, {"label_en", a->label_en.empty() ? a->label : a->label_en}});
  return {{"register", v.spec->id},
          {"path", v.spec->path},
          {"register_title", v.spec->title},
          {"register_title_en", v.spec->title_en},
          {"id", v.record.id},
          {"title", TitleOf(v)},
          {"state", v.record.state},
          {"state_label", st ? st->label : v.record.state},
          {"state_label_en", st ? st->label_en : v.record.state},
          {"deadline_at", v.record.deadline_at ? json(FormatRfc3339(*v.record.deadline_at)) : json(nullptr)},
          {"overdue", t.overdue},
          {"awaiting", t.awaiting},
          {"escalation_level", t.escalation_level},
          {"updated_at", FormatRfc3339(v.record.updated_at)},
          {"actions", actions}};
}

}  // namespace

Response ListMyTasks(App& app, Call& call) {
  return Answer(app.registers.Tasks(call.actor()), [](const std::vector<domain::Task>& tasks) {
    json items = json::array();
    for (const auto& t : tasks) items.push_back(TaskJson(t));
    return Response::Json(200, {{"items", items}, {"total", items.size()}});
  });
}

}  // namespace mamori::api
