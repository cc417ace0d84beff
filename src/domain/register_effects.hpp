// Three engine features of the register kit a pack switches on (docs/registers.md "Effects",
// "Repeat count", "Fiscal year"): a transition's effects through the identity services, the
// count of a person's earlier records, and the 年度 a list is narrowed to. Each is generic: the
// pack names the fields; nothing here knows of violations or incidents.
#pragma once

#include <cstdint>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "policy/registers.hpp"
#include "storage/register_repo.hpp"

namespace mamori::domain {

// How many records of `r` were created before `rec` naming the same user in the register's
// repeat_count field, whoever may see them (the count is a fact about the person; the records
// stay out of sight). 0 when the record names nobody there.
Result<int64_t> RepeatCount(storage::Connection& c, const storage::TableSpec& table, const policy::RegisterSpec& r,
                            const storage::RegisterRecord& rec);

// True for a 年度 a query may name (1900–9999).
bool ValidFiscalYear(int year);
// Narrows `f` to 年度 `year` (1 April to 31 March, JST) by the register's fiscal_year field, or by
// created_at when it names none.
void FiscalYearFilter(const policy::RegisterSpec& r, int year, storage::RegisterFilter& f);

// Does transition `t`'s effects on record `rec` as `a`, inside the transition's transaction `c`,
// through the identity services (DirectoryService::SuspendIn, EndAssignmentsIn): the actor needs
// the same right there as by hand — users.manage over the person's section to suspend,
// roles.manage city-wide to end assignments — never acts on themself, never removes the last
// administrator. A refusal fails the whole transition (403 forbidden when the identity services
// would not let the actor see or touch the person; their conflicts as they are). Each effect's
// entries cite the register's clause and name the record.
Status ApplyEffects(storage::Connection& c, Env& env, const Actor& a, const policy::RegisterSpec& r,
                    const policy::Transition& t, const storage::RegisterRecord& rec);

}  // namespace mamori::domain
