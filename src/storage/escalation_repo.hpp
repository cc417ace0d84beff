// Who a register record's deadline escalated to (docs/registers.md "Escalation, tasks and
// reporters"): the people each level told, kept so that they become parties of the record (they
// see it, and it is on their task list) and so that the next run knows which level is due.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/db.hpp"

namespace mamori::storage {

struct EscalationRecord {
  std::string register_id{};
  std::string record_id{};
  std::string user_id{};
  int64_t level = 1;  // 1: the state's own escalation; 2, 3, …: its `levels`
  std::string state{};  // the state the record was in
  int64_t escalated_at = 0;  // µs
  std::optional<int64_t> next_at{};  // the deadline this level set for the next one, if any
};

class EscalationRepo {
 public:
  explicit EscalationRepo(Connection& c) : c_(c) {}
  Status Insert(const EscalationRecord& r);
  // The level whose `next_at` is `deadline_at` (the record's deadline now), or 0: none, so the
  // deadline due is the state's own (level 1).
  Result<int64_t> LevelBefore(const std::string& register_id, const std::string& record_id, int64_t deadline_at);
  // Whether any of `user_ids` was told of the record by an escalation.
  Result<bool> Escalated(const std::string& register_id, const std::string& record_id,
                         const std::vector<std::string>& user_ids);
  // The records escalated to any of `user_ids`, newest first, at most `limit` rows: register id,
  // record id and the highest level among them.
  struct Hit {
    std::string register_id;
    std::string record_id;
    int64_t level = 0;
  };
  Result<std::vector<Hit>> ForUsers(const std::vector<std::string>& user_ids, int64_t limit);
  // The highest level a record reached (0: never escalated).
  Result<int64_t> MaxLevel(const std::string& register_id, const std::string& record_id);

 private:
  Connection& c_;
};

}  // namespace mamori::storage
