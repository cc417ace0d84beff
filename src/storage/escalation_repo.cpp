#include "storage/escalation_repo.hpp"

#include "storage/query_util.hpp"

namespace mamori::storage {
namespace {

constexpr std::string_view kInsert =
    "INSERT INTO register_escalations (register_id, record_id, user_id, level, state, escalated_at, next_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kLevelBefore =
    "SELECT MAX(level) FROM register_escalations WHERE register_id = ? AND record_id = ? AND next_at = ?";
constexpr std::string_view kMaxLevel =
    "SELECT MAX(level) FROM register_escalations WHERE register_id = ? AND record_id = ?";
// Completed with AppendIn over user_id.
constexpr std::string_view kEscalatedTo =
    "SELECT COUNT(*) FROM register_escalations WHERE register_id = ? AND record_id = ?";
constexpr std::string_view kForUsers =
    "SELECT register_id, record_id, MAX(level), MAX(escalated_at) FROM register_escalations WHERE 1 = 1";
constexpr std::string_view kForUsersTail = " GROUP BY register_id, record_id ORDER BY MAX(escalated_at) DESC, record_id LIMIT ?";

}  // namespace

Status EscalationRepo::Insert(const EscalationRecord& r) {
  auto n = c_.Execute(kInsert, {r.register_id, r.record_id, r.user_id, r.level, r.state, r.escalated_at,
                                r.next_at ? Value(*r.next_at) : Value(nullptr)});
  if (!n.ok()) return std::move(n).error();
  return Ok();
}

Result<int64_t> EscalationRepo::LevelBefore(const std::string& register_id, const std::string& record_id,
                                            int64_t deadline_at) {
  return c_.QueryInt(kLevelBefore, {register_id, record_id, deadline_at}, 0);
}

Result<int64_t> EscalationRepo::MaxLevel(const std::string& register_id, const std::string& record_id) {
  return c_.QueryInt(kMaxLevel, {register_id, record_id}, 0);
}

Result<bool> EscalationRepo::Escalated(const std::string& register_id, const std::string& record_id,
                                       const std::vector<std::string>& user_ids) {
  if (user_ids.empty()) return false;
  std::string sql(kEscalatedTo);
  Params p = {register_id, record_id};
  AppendIn(sql, p, "user_id", user_ids);
  MAMORI_ASSIGN(int64_t n, c_.QueryInt(sql, p, 0));
  return n > 0;
}

Result<std::vector<EscalationRepo::Hit>> EscalationRepo::ForUsers(const std::vector<std::string>& user_ids,
                                                                  int64_t limit) {
  std::vector<Hit> out;
  if (user_ids.empty()) return out;
  std::string sql(kForUsers);
  Params p;
  AppendIn(sql, p, "user_id", user_ids);
  sql += kForUsersTail;
  p.push_back(limit);
  MAMORI_TRY(c_.Query(sql, p, [&](const Row& r) { out.push_back({r.Str(0), r.Str(1), r.Int(2)}); }));
  return out;
}

}  // namespace mamori::storage
