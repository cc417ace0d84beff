#include "storage/notification_repo.hpp"

#include "storage/query_util.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_NOTIFICATION_COLUMNS "id, user_id, created_at, subject, body, link, kind, target, read_at"
#define MAMORI_MAIL_COLUMNS                                                                          \
  "id, notification_id, to_address, subject, body, created_at, attempts, next_attempt_at, sent_at, " \
  "last_error, message_id"

constexpr std::string_view kInsertNotification =
    "INSERT INTO notifications (" MAMORI_NOTIFICATION_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kGetNotification =
    "SELECT " MAMORI_NOTIFICATION_COLUMNS " FROM notifications WHERE id = ?";
constexpr std::string_view kListForUser =
    "SELECT " MAMORI_NOTIFICATION_COLUMNS " FROM notifications WHERE user_id = ? "
    "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";
constexpr std::string_view kCountForUser = "SELECT COUNT(*) FROM notifications WHERE user_id = ?";
constexpr std::string_view kCountUnread =
    "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL";
constexpr std::string_view kMarkRead =
    "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL";
constexpr std::string_view kMarkAllRead =
    "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL";

constexpr std::string_view kInsertMail =
    "INSERT INTO mail_outbox (" MAMORI_MAIL_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kGetMail = "SELECT " MAMORI_MAIL_COLUMNS " FROM mail_outbox WHERE id = ?";
constexpr std::string_view kDue =
    "SELECT id FROM mail_outbox WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? AND sent_at IS NULL "
    "ORDER BY next_attempt_at, id LIMIT ?";
constexpr std::string_view kClaim =
    "UPDATE mail_outbox SET next_attempt_at = ?, attempts = attempts + 1 "
    "WHERE id = ? AND sent_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?";
constexpr std::string_view kMarkSent =
    "UPDATE mail_outbox SET sent_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ? AND sent_at IS NULL";
constexpr std::string_view kMarkFailed =
    "UPDATE mail_outbox SET last_error = ?, next_attempt_at = ? WHERE id = ? AND sent_at IS NULL";
constexpr std::string_view kCountUnsent = "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL";

NotificationRecord ReadNotification(const Row& r) {
  return NotificationRecord{
      .id = r.Str(0),
      .user_id = r.Str(1),
      .created_at = r.Int(2),
      .subject = r.Str(3),
      .body = r.Str(4),
      .link = r.Str(5),
      .kind = r.Str(6),
      .target = r.Str(7),
      .read_at = r.IsNull(8) ? 0 : r.Int(8),
  };
}

MailRecord ReadMail(const Row& r) {
  return MailRecord{
      .id = r.Str(0),
      .notification_id = r.Str(1),
      .to_address = r.Str(2),
      .subject = r.Str(3),
      .body = r.Str(4),
      .created_at = r.Int(5),
      .attempts = r.Int(6),
      .next_attempt_at = r.IsNull(7) ? 0 : r.Int(7),
      .sent_at = r.IsNull(8) ? 0 : r.Int(8),
      .last_error = r.Str(9),
      .message_id = r.Str(10),
  };
}

}  // namespace

Status NotificationRepo::Insert(const NotificationRecord& n) {
  auto r = c_.Execute(kInsertNotification, {n.id, n.user_id, n.created_at, n.subject, n.body, Nullable(n.link), n.kind,
                                            Nullable(n.target), NullableInt(n.read_at, n.read_at != 0)});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::optional<NotificationRecord>> NotificationRepo::Get(const std::string& id) {
  std::optional<NotificationRecord> out;
  MAMORI_TRY(c_.Query(kGetNotification, {id}, [&](const Row& r) { out = ReadNotification(r); }));
  return out;
}

Result<std::vector<NotificationRecord>> NotificationRepo::ListForUser(const std::string& user_id, const Page& page) {
  std::vector<NotificationRecord> out;
  MAMORI_TRY(c_.Query(kListForUser, {user_id, page.per_page, page.Offset()},
                      [&](const Row& r) { out.push_back(ReadNotification(r)); }));
  return out;
}

Result<int64_t> NotificationRepo::CountForUser(const std::string& user_id) {
  return c_.QueryInt(kCountForUser, {user_id}, 0);
}

Result<int64_t> NotificationRepo::CountUnread(const std::string& user_id) {
  return c_.QueryInt(kCountUnread, {user_id}, 0);
}

Result<int64_t> NotificationRepo::MarkRead(const std::string& user_id, const std::string& id, int64_t at) {
  return c_.Execute(kMarkRead, {at, id, user_id});
}

Result<int64_t> NotificationRepo::MarkAllRead(const std::string& user_id, int64_t at) {
  return c_.Execute(kMarkAllRead, {at, user_id});
}

Status MailOutboxRepo::Insert(const MailRecord& m) {
  auto r = c_.Execute(kInsertMail, {m.id, m.notification_id, m.to_address, m.subject, m.body, m.created_at,
                                    m.attempts, NullableInt(m.next_attempt_at, m.next_attempt_at != 0),
                                    NullableInt(m.sent_at, m.sent_at != 0), Nullable(m.last_error), m.message_id});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::optional<MailRecord>> MailOutboxRepo::Get(const std::string& id) {
  std::optional<MailRecord> out;
  MAMORI_TRY(c_.Query(kGetMail, {id}, [&](const Row& r) { out = ReadMail(r); }));
  return out;
}

Result<std::vector<std::string>> MailOutboxRepo::Due(int64_t now, int limit) {
  std::vector<std::string> out;
  MAMORI_TRY(c_.Query(kDue, {now, int64_t{limit}}, [&](const Row& r) { out.push_back(r.Str(0)); }));
  return out;
}

Result<bool> MailOutboxRepo::Claim(const std::string& id, int64_t now, int64_t lease_until) {
  MAMORI_ASSIGN(int64_t changed, c_.Execute(kClaim, {lease_until, id, now}));
  return changed == 1;
}

Status MailOutboxRepo::MarkSent(const std::string& id, int64_t at) {
  auto r = c_.Execute(kMarkSent, {at, id});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status MailOutboxRepo::MarkFailed(const std::string& id, const std::string& error, int64_t next_attempt_at) {
  auto r = c_.Execute(kMarkFailed, {error, NullableInt(next_attempt_at, next_attempt_at != 0), id});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<int64_t> MailOutboxRepo::CountUnsent() { return c_.QueryInt(kCountUnsent, {}, 0); }

}  // namespace mamori::storage
