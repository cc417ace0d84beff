#include "domain/notifier.hpp"

#include <algorithm>

#include "audit/actions.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// A subject is one header line: CR, LF, tabs and other C0 controls become spaces.
std::string OneLine(std::string s) {
  for (char& ch : s)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  return s;
}

}  // namespace

std::string FillPlaceholders(std::string_view text, const std::map<std::string, std::string>& vars, bool english) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    const std::string name(Trim(text.substr(open + 2, close - open - 2)));
    auto it = english ? vars.find(name + "@en") : vars.end();
    if (it == vars.end()) it = vars.find(name);
    if (it != vars.end()) out += it->second;
    i = close + 2;
  }
  out.append(text.substr(i));
  return out;
}

RenderedNotice RenderNotice(const policy::NotificationTemplate& t, const std::map<std::string, std::string>& vars,
                            bool english) {
  const std::string& subject = english && !t.subject_en.empty() ? t.subject_en : t.subject;
  const std::string& body = english && !t.body_en.empty() ? t.body_en : t.body;
  return {OneLine(FillPlaceholders(subject, vars, english)), FillPlaceholders(body, vars, english)};
}

Status Notifier::Send(storage::Connection& c, const Notice& n) {
  const policy::NotificationTemplate* t = env_.pack.FindTemplate(n.template_id);
  if (!t) return Ok();
  std::vector<std::string> ids = n.user_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), std::string()), ids.end());
  if (ids.empty()) return Ok();
  MAMORI_ASSIGN(auto users, storage::UserRepo(c).GetMany(ids));
  // The same order whatever order the database answered in (ids, then notification ids).
  std::sort(users.begin(), users.end(), [](const auto& a, const auto& b) { return a.id < b.id; });

  std::map<std::string, std::string> app_vars = n.vars;
  app_vars["link"] = n.link;
  const RenderedNotice in_app = RenderNotice(*t, app_vars, /*english=*/false);
  std::map<std::string, std::string> mail_vars = n.vars;
  mail_vars["link"] = n.link.empty() ? "" : env_.notify.public_url + n.link;
  const RenderedNotice mailed = RenderNotice(*t, mail_vars, /*english=*/false);

  const int64_t now = env_.clock.NowMicros();
  storage::NotificationRepo notes(c);
  storage::MailOutboxRepo outbox(c);
  for (const auto& u : users) {
    if (u.status == "deleted") continue;
    const storage::NotificationRecord rec{
        .id = NewId(),
        .user_id = u.id,
        .created_at = now,
        .subject = in_app.subject,
        .body = in_app.body,
        .link = n.link,
        .kind = n.kind.empty() ? n.template_id : n.kind,
        .target = n.target,
    };
    MAMORI_TRY(notes.Insert(rec));
    if (!env_.notify.mail || u.email.empty()) continue;
    const std::string mail_id = NewId();
    MAMORI_TRY(outbox.Insert(storage::MailRecord{
        .id = mail_id,
        .notification_id = rec.id,
        .to_address = u.email,
        .subject = mailed.subject,
        .body = mailed.body,
        .created_at = now,
        .next_attempt_at = now,
        .message_id = "<" + mail_id + "@" + env_.notify.mail_domain + ">",
    }));
  }
  return Ok();
}

}  // namespace mamori::domain

namespace mamori::domain {

Result<NotificationPage> NotificationService::List(const Actor& a, const storage::Page& page) {
  return env_.db.Read([&](storage::Connection& c) -> Result<NotificationPage> {
    storage::NotificationRepo repo(c);
    NotificationPage out;
    MAMORI_ASSIGN(out.items, repo.ListForUser(a.user_id, page));
    MAMORI_ASSIGN(out.total, repo.CountForUser(a.user_id));
    MAMORI_ASSIGN(out.unread, repo.CountUnread(a.user_id));
    return out;
  });
}

Result<storage::NotificationRecord> NotificationService::MarkRead(const Actor& a, const std::string& id) {
  return env_.db.Write([&](storage::Connection& c) -> Result<storage::NotificationRecord> {
    storage::NotificationRepo repo(c);
    MAMORI_ASSIGN(auto found, repo.Get(id));
    // Another person's notification is as absent as one that never was.
    if (!found || found->user_id != a.user_id) return Error::NotFound("通知");
    if (found->read_at != 0) return *found;
    const int64_t now = env_.clock.NowMicros();
    MAMORI_ASSIGN(int64_t changed, repo.MarkRead(a.user_id, id, now));
    if (changed != 1) return Error::Conflict("通知は他の操作で既に既読になっています");
    found->read_at = now;
    audit::Event e = a.Event(audit::action::kNotificationRead, "notification:" + id);
    e.detail = {{"kind", found->kind}};
    if (!found->target.empty()) e.detail["about"] = found->target;
    MAMORI_TRY(env_.log.Record(c, e));
    return *found;
  });
}

Result<int64_t> NotificationService::MarkAllRead(const Actor& a) {
  return env_.db.Write([&](storage::Connection& c) -> Result<int64_t> {
    const int64_t now = env_.clock.NowMicros();
    MAMORI_ASSIGN(int64_t changed, storage::NotificationRepo(c).MarkAllRead(a.user_id, now));
    if (changed == 0) return changed;
    audit::Event e = a.Event(audit::action::kNotificationReadAll, "user:" + a.user_id);
    e.detail = {{"count", changed}};
    MAMORI_TRY(env_.log.Record(c, e));
    return changed;
  });
}

}  // namespace mamori::domain
