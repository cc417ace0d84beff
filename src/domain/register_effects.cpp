#include "domain/register_effects.hpp"

#include "common/time.hpp"
#include "domain/directory_service.hpp"

namespace mamori::domain {
namespace {

std::string UserOf(const storage::RegisterRecord& rec, const std::string& field) {
  auto it = rec.values.find(field);
  if (it == rec.values.end()) return {};
  const auto* s = std::get_if<std::string>(&it->second);
  return s ? *s : std::string();
}

}  // namespace

Result<int64_t> RepeatCount(storage::Connection& c, const storage::TableSpec& table, const policy::RegisterSpec& r,
                            const storage::RegisterRecord& rec) {
  if (r.repeat_field.empty()) return 0;
  const std::string person = UserOf(rec, r.repeat_field);
  if (person.empty()) return 0;
  storage::RegisterFilter f;
  f.eq[r.repeat_field] = person;
  f.created_before = rec.created_at;
  return storage::RegisterRepo(c, table).Count(f);
}

bool ValidFiscalYear(int year) { return year >= 1900 && year <= 9999; }

void FiscalYearFilter(const policy::RegisterSpec& r, int year, storage::RegisterFilter& f) {
  const int64_t from = JstMidnightMicros({year, 4, 1});
  const int64_t to = JstMidnightMicros({year + 1, 4, 1});
  if (r.fiscal_year_field.empty()) {
    f.created_from = from;
    f.created_before = to;
    return;
  }
  const policy::RegisterField* field = r.FindField(r.fiscal_year_field);
  f.range_col = r.fiscal_year_field;
  if (field && field->type == policy::RegisterFieldType::kDateTime) {
    f.range_from = FormatRfc3339(from);
    f.range_to = FormatRfc3339(to);
  } else {
    f.range_from = FormatDate({year, 4, 1});
    f.range_to = FormatDate({year + 1, 4, 1});
  }
}

Status ApplyEffects(storage::Connection& c, Env& env, const Actor& a, const policy::RegisterSpec& r,
                    const policy::Transition& t, const storage::RegisterRecord& rec) {
  if (t.effects.empty()) return Ok();
  DirectoryService directory(env);
  const nlohmann::json cause = {{"register", r.id}, {"record", rec.id}, {"transition", t.id}};
  const std::string clause = env.pack.Cite(r.clause);
  for (const auto& e : t.effects) {
    const std::string person = UserOf(rec, e.field);
    const policy::RegisterField* f = r.FindField(e.field);
    const std::string label = f ? f->label : e.field;
    if (person.empty()) return Error::Conflict("「" + label + "」が空のため「" + t.label + "」はできません");
    Status done = e.kind == "suspend_user" ? directory.SuspendIn(c, a, person, clause, cause)
                                           : [&]() -> Status {
                                               auto n = directory.EndAssignmentsIn(c, a, person, clause, cause);
                                               if (!n.ok()) return std::move(n).error();
                                               return Ok();
                                             }();
    if (done.ok()) continue;
    Error err = done.error();
    // Someone the identity services would not even show the actor is beyond their right here.
    if (err.code == ErrorCode::kNotFound || err.code == ErrorCode::kForbidden) {
      Error refused = Error::Forbidden(e.kind == "suspend_user" ? "「" + label + "」のIDを停止する権限がありません"
                                                                : "「" + label + "」の役割を終了する権限がありません",
                                       clause);
      refused.detail_en = e.kind == "suspend_user" ? "You may not suspend this person's ID"
                                                   : "You may not end this person's role assignments";
      return refused;
    }
    return err;
  }
  return Ok();
}

}  // namespace mamori::domain
