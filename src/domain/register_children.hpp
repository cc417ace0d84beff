// Helpers of the register engine's sub-records, stamps, deadline cases and overdue mark
// (docs/registers.md "Sub-records", "Stamps", "Deadline cases", "Overdue"). The engine's members
// for sub-records (RegisterService::SeesIn, CheckParentForCreate, …) are declared in
// register_service.hpp and defined in register_children.cpp.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.hpp"
#include "policy/registers.hpp"
#include "storage/register_repo.hpp"

namespace mamori::domain {

// The end of `state`'s deadline for a record entering it at `entered_at` (µs) with `values`: the
// first of the deadline's `cases` whose `when` holds over record.* (the values, the state) gives
// the timing, else the deadline's own timing; none when neither gives one (an empty date field,
// no default). `state.deadline` must be set.
std::optional<int64_t> DeadlineByCases(const policy::StateDef& state, const nlohmann::json& values, int64_t entered_at);

// True when the record's deadline has passed at `now` and its state is not final.
bool IsOverdue(const policy::RegisterSpec& r, const storage::RegisterRecord& rec, int64_t now);

// Writes transition `t`'s stamps into `after` (the record's values as the transition leaves
// them): now (RFC 3339, or today's JST date on a date field), today, actor (`actor_user_id`) or
// the fixed value in the field's type.
void ApplyStamps(const policy::RegisterSpec& r, const policy::Transition& t, const std::string& actor_user_id,
                 int64_t now, nlohmann::json& after);

}  // namespace mamori::domain
