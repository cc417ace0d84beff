// Notifications as stored (docs/notifications.md): each user's in-app list, and the e-mail
// outbox the mail sender drains. A notification and its outbox row are written in the
// transaction of the change they tell of; the sender claims an outbox row for a lease before it
// sends it and marks it sent after, so a row is sent once, and a row whose sender died is
// claimed again when its lease has run out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/repos.hpp"

namespace mamori::storage {

struct NotificationRecord {
  std::string id{};
  std::string user_id{};
  int64_t created_at = 0;
  std::string subject{};
  std::string body{};
  std::string link{};    // the app's path of what it is about ("" = none)
  std::string kind{};    // e.g. "request_submitted": the template that made it
  std::string target{};  // the operation-log target it is about, e.g. "request:<id>"
  int64_t read_at = 0;   // 0 = unread
};

struct MailRecord {
  std::string id{};
  std::string notification_id{};
  std::string to_address{};
  std::string subject{};
  std::string body{};
  int64_t created_at = 0;
  int64_t attempts = 0;
  // When the row may be claimed next; 0 (NULL) once it is sent or given up.
  int64_t next_attempt_at = 0;
  int64_t sent_at = 0;  // 0 = not sent
  std::string last_error{};
  std::string message_id{};  // the Message-ID header, fixed when the row is written
};

class NotificationRepo {
 public:
  explicit NotificationRepo(Connection& c) : c_(c) {}
  Status Insert(const NotificationRecord& n);
  Result<std::optional<NotificationRecord>> Get(const std::string& id);
  // A user's notifications, newest first (created_at DESC, id DESC).
  Result<std::vector<NotificationRecord>> ListForUser(const std::string& user_id, const Page& page);
  Result<int64_t> CountForUser(const std::string& user_id);
  Result<int64_t> CountUnread(const std::string& user_id);
  // Marks one of the user's notifications read (only when unread); rows changed (0 or 1).
  Result<int64_t> MarkRead(const std::string& user_id, const std::string& id, int64_t at);
  // Marks every unread notification of the user read; rows changed.
  Result<int64_t> MarkAllRead(const std::string& user_id, int64_t at);

 private:
  Connection& c_;
};

class MailOutboxRepo {
 public:
  explicit MailOutboxRepo(Connection& c) : c_(c) {}
  Status Insert(const MailRecord& m);
  Result<std::optional<MailRecord>> Get(const std::string& id);
  // Ids of unsent rows whose next attempt is due (next_attempt_at <= now), oldest first.
  Result<std::vector<std::string>> Due(int64_t now, int limit);
  // Claims a due row for a sender until `lease_until`: succeeds (true) only for the one caller
  // whose conditional update found it still unsent and due, and counts the attempt. Two
  // senders (two servers on one database) never both claim a row.
  Result<bool> Claim(const std::string& id, int64_t now, int64_t lease_until);
  // The row was accepted by the relay: sent, never claimed again.
  Status MarkSent(const std::string& id, int64_t at);
  // The attempt failed: the error, and when to try again (0: never, the row is given up).
  Status MarkFailed(const std::string& id, const std::string& error, int64_t next_attempt_at);
  Result<int64_t> CountUnsent();

 private:
  Connection& c_;
};

}  // namespace mamori::storage
