// A reader's tasks across every register (GET /api/v1/me/tasks, the home page; docs/registers.md
// "Escalation, tasks and reporters"): the records of a state that is not final on which the
// reader may take a transition now, and the records an escalation told them (or the person they
// deputise for) about.
#include <algorithm>
#include <set>

#include "domain/register_service.hpp"
#include "storage/escalation_repo.hpp"

namespace mamori::domain {
namespace {

// Per register and state, the newest records looked at; and the escalations looked at.
constexpr int64_t kPerState = 50;
constexpr int64_t kEscalations = 200;

bool FinalState(const policy::RegisterSpec& r, const std::string& state) {
  const policy::StateDef* s = r.workflow ? r.workflow->FindState(state) : nullptr;
  return s && s->final;
}

}  // namespace

Result<std::vector<Task>> RegisterService::Tasks(const Actor& a) {
  std::vector<Task> out;
  const int64_t now = env_.clock.NowMicros();
  for (const auto& r : env_.pack.registers) {
    if (!r.workflow) continue;
    // A sub-record is read by whoever reads its parent.
    const policy::RegisterSpec* parent = r.parent ? Find(r.parent->register_id) : nullptr;
    const bool reads = access_.Has(a, parent ? parent->read_permission : r.read_permission);
    const bool reports = r.reportable && access_.Has(a, r.create_permission);
    if (!reads && !reports) continue;
    for (const auto& st : r.workflow->states) {
      if (st.final) continue;
      const bool leaves = std::any_of(r.workflow->transitions.begin(), r.workflow->transitions.end(),
                                      [&](const policy::Transition& t) {
                                        return std::find(t.from.begin(), t.from.end(), st.id) != t.from.end();
                                      });
      if (!leaves) continue;
      RecordList listed;
      if (r.parent) {
        // A sub-record register lists one parent's children at a time: here, the newest children
        // in the state whose parent the reader sees (an instruction's owner marks it done).
        MAMORI_ASSIGN(listed.items, env_.db.Read([&](storage::Connection& c) -> Result<std::vector<RecordView>> {
          MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
          storage::RegisterFilter f;
          f.state = st.id;
          MAMORI_ASSIGN(auto recs, storage::RegisterRepo(c, tables_.at(r.id)).List(f, storage::Page{1, kPerState}));
          std::vector<storage::RegisterRecord> seen;
          for (auto& rec : recs) {
            MAMORI_ASSIGN(const bool sees, SeesIn(c, a, r, rec, tree));
            if (sees) seen.push_back(std::move(rec));
          }
          return ViewsOf(c, a, r, std::move(seen), tree);
        }));
      } else {
        RecordQuery q;
        q.state = st.id;
        q.page = {1, kPerState};
        MAMORI_ASSIGN(listed, List(a, r, q));
      }
      for (auto& v : listed.items) {
        // A note (keep_state) may be added at any time: it is no task, and not listed as one.
        std::erase_if(v.actions, [](const policy::Transition* t) { return t->keep_state; });
        if (v.actions.empty()) continue;
        Task t;
        t.awaiting = true;
        t.overdue = v.record.deadline_at && *v.record.deadline_at <= now;
        t.view = std::move(v);
        out.push_back(std::move(t));
      }
    }
  }
  // Escalated to the reader: seen by them as a party (Get answers it), kept while not final.
  std::vector<std::string> me;
  if (!a.user_id.empty() && a.user_id != "-") me.push_back(a.user_id);
  for (const auto& ra : a.roles)
    if (!ra.delegate_of.empty() && std::find(me.begin(), me.end(), ra.delegate_of) == me.end())
      me.push_back(ra.delegate_of);
  MAMORI_ASSIGN(auto hits, env_.db.Read([&](storage::Connection& c) {
    return storage::EscalationRepo(c).ForUsers(me, kEscalations);
  }));
  for (const auto& hit : hits) {
    const policy::RegisterSpec* r = env_.pack.FindRegister(hit.register_id);
    if (!r) continue;
    auto got = Get(a, *r, hit.record_id);
    if (!got.ok()) {
      if (got.error().code == ErrorCode::kNotFound) continue;
      return got.error();
    }
    if (FinalState(*r, got->record.state)) continue;
    auto known = std::find_if(out.begin(), out.end(), [&](const Task& t) {
      return t.view.spec == r && t.view.record.id == hit.record_id;
    });
    if (known != out.end()) {
      known->escalation_level = hit.level;
      known->overdue = true;
      continue;
    }
    Task t;
    t.escalation_level = hit.level;
    t.overdue = true;
    std::erase_if(got->actions, [](const policy::Transition* x) { return x->keep_state; });
    t.awaiting = !got->actions.empty();
    t.view = std::move(*got);
    out.push_back(std::move(t));
  }
  std::stable_sort(out.begin(), out.end(), [](const Task& x, const Task& y) {
    if (x.overdue != y.overdue) return x.overdue;
    const int64_t dx = x.view.record.deadline_at.value_or(INT64_MAX), dy = y.view.record.deadline_at.value_or(INT64_MAX);
    if (dx != dy) return dx < dy;
    return x.view.record.updated_at > y.view.record.updated_at;
  });
  return out;
}

}  // namespace mamori::domain
