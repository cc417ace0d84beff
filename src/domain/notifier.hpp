// Notifications (docs/notifications.md): a notice — who, which of the pack's
// `notification_templates`, the values its placeholders take — becomes one in-app notification
// per recipient and, when the server mails (an SMTP relay is configured) and the recipient has an
// e-mail address, one outbox row the mail sender (domain/mailer.hpp) sends. Both are written in
// the caller's transaction, so a notice exists exactly when the change it tells of committed.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "policy/registers.hpp"
#include "storage/db.hpp"
#include "storage/notification_repo.hpp"

namespace mamori::domain {

struct Notice {
  std::vector<std::string> user_ids = {};  // recipients; repeats and unknown or deleted users are dropped
  std::string template_id = {};            // a key of the pack's notification_templates
  // Placeholder values: "record.device" → "PC-1", "actor.name" → "山田 太郎", … An English
  // rendering takes "<name>@en" before "<name>" (e.g. "state.label@en" → "approved").
  // "link" is set from `link` below and need not be given.
  std::map<std::string, std::string> vars = {};
  std::string link = {};    // the app's path of what the notice is about, e.g. "/requests/<id>"
  std::string kind = {};    // what kind of notice (default: the template id)
  std::string target = {};  // the operation-log target it is about, e.g. "request:<id>"
};

struct RenderedNotice {
  std::string subject = {};  // one line: control characters become spaces
  std::string body = {};
};

// `text` with every {{name}} (spaces inside the braces allowed) replaced by its value; a name
// without a value becomes "". Nothing else is interpreted: values are inserted as they are.
std::string FillPlaceholders(std::string_view text, const std::map<std::string, std::string>& vars, bool english);

// The template in Japanese, or in English (subject_en/body_en, each falling back to Japanese
// when the pack has none).
RenderedNotice RenderNotice(const policy::NotificationTemplate& t, const std::map<std::string, std::string>& vars,
                            bool english);

class Notifier {
 public:
  explicit Notifier(Env& env) : env_(env) {}
  // Writes the notice for each recipient in the caller's transaction `c`. A template the pack
  // does not have sends nothing (a pack turns a notice off by leaving its template out).
  // Recipients read Japanese (mamori keeps no language preference per user).
  Status Send(storage::Connection& c, const Notice& n);

 private:
  Env& env_;
};

}  // namespace mamori::domain

namespace mamori::domain {

struct NotificationPage {
  std::vector<storage::NotificationRecord> items;  // newest first
  int64_t total = 0;
  int64_t unread = 0;
};

// GET/POST /api/v1/notifications: a person reads and marks only their own notifications.
class NotificationService {
 public:
  explicit NotificationService(Env& env) : env_(env) {}
  Result<NotificationPage> List(const Actor& a, const storage::Page& page);
  // Marks one of the caller's notifications read; not_found for another person's (or none).
  // Marking a read one again changes nothing and writes nothing.
  Result<storage::NotificationRecord> MarkRead(const Actor& a, const std::string& id);
  // Marks all the caller's unread notifications read; how many there were.
  Result<int64_t> MarkAllRead(const Actor& a);

 private:
  Env& env_;
};

}  // namespace mamori::domain
