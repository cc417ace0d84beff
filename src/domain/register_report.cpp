// One record's report (docs/registers.md "A record's report"): the record as its reader sees it
// and its whole history, the operation log's entries on it, read and logged in one transaction.
#include <algorithm>

#include "domain/log_view.hpp"
#include "domain/register_service.hpp"

namespace mamori::domain {

Result<RecordReport> RegisterService::Report(const Actor& a, const policy::RegisterSpec& r, const std::string& id,
                                             const std::string& format) {
  return env_.db.Write([&](storage::Connection& c) -> Result<RecordReport> {
    MAMORI_ASSIGN(auto found, storage::RegisterRepo(c, tables_.at(r.id)).Get(id));
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    // Not visible and nonexistent look the same, as Get answers them.
    MAMORI_ASSIGN(const bool seen, found ? SeesIn(c, a, r, *found, tree) : Result<bool>(false));
    if (!seen) return Error::NotFound(r.title);
    RecordReport out;
    const std::string target = r.object + ":" + id;
    storage::LogFilter f;
    f.target = target;
    storage::AuditRepo repo(c);
    MAMORI_ASSIGN(out.history.items, repo.List(f, storage::Page{1, 2000}));
    MAMORI_ASSIGN(out.history.total, repo.Count(f));
    std::reverse(out.history.items.begin(), out.history.items.end());
    MAMORI_ASSIGN(out.history.actor_names, ActorNames(c, access_, a, tree, out.history.items));
    MAMORI_ASSIGN(out.view, ViewOf(c, a, r, std::move(*found), tree));
    audit::Event e = a.Event(r.log_prefix + ".export", target);
    e.detail = {{"format", format}, {"rows", 1}, {"history", out.history.items.size()}};
    e.clause = env_.pack.Cite(r.clause);
    MAMORI_TRY(env_.log.Record(c, e));
    return out;
  });
}

}  // namespace mamori::domain
