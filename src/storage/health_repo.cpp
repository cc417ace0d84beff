#include "storage/health_repo.hpp"

#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

constexpr std::string_view kPing = "SELECT 1";

}  // namespace

Status HealthRepo::Ping() {
  MAMORI_ASSIGN(int64_t one, c_.QueryInt(kPing, {}, 0));
  if (one != 1) return Error{ErrorCode::kUnavailable, "データベースが応答しません", {}, {}};
  return Ok();
}

Result<StoredGauges> HealthRepo::Gauges(int64_t now) {
  StoredGauges g;
  MAMORI_ASSIGN(g.locked_accounts, UserRepo(c_).CountLocked(now));
  MAMORI_ASSIGN(auto head, AuditRepo(c_).Head());
  g.log_head_seq = head.first;
  return g;
}

}  // namespace mamori::storage
