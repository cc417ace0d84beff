// The information system ledger is a register of the kit (docs/registers.md) whose table
// predates it: information_systems with plain column names. The register engine writes it;
// SystemRepo is the typed view the rest of mamori reads it through (asset validation, the
// rules' asset.system.*, role scopes), over the same one RegisterRepo, so its SQL is the kit's.
// (The engine writes entries with the creator's section as creator_org_unit_id and state "".)
#include "storage/register_repo.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {

TableSpec SystemsTable() {
  auto text = [](const char* name, bool indexed = false, bool counted = false) {
    return ColumnSpec{.name = name, .type = ColumnType::kText, .indexed = indexed, .counted = counted};
  };
  auto integer = [](const char* name) { return ColumnSpec{.name = name, .type = ColumnType::kInt}; };
  return TableSpec{.name = "information_systems",
                   .columns = {text("name"), text("owner_org_unit_id", true, true), text("network_zone", true, true),
                               text("hosting", true, true), text("sla_availability"), integer("rto_minutes"),
                               integer("rpo_minutes"), text("system_owner_user_id"), text("system_admin_user_id"),
                               text("notes")},
                   .column_prefix = "",
                   .order_column = "name"};
}

namespace {

std::string Str(const RegisterRecord& r, const char* name) {
  auto it = r.values.find(name);
  const auto* s = it == r.values.end() ? nullptr : std::get_if<std::string>(&it->second);
  return s ? *s : std::string();
}

std::optional<int64_t> Int(const RegisterRecord& r, const char* name) {
  auto it = r.values.find(name);
  const auto* n = it == r.values.end() ? nullptr : std::get_if<int64_t>(&it->second);
  return n ? std::optional<int64_t>(*n) : std::nullopt;
}

SystemRecord FromRecord(const RegisterRecord& r) {
  return SystemRecord{.id = r.id,
                      .name = Str(r, "name"),
                      .owner_org_unit_id = Str(r, "owner_org_unit_id"),
                      .network_zone = Str(r, "network_zone"),
                      .hosting = Str(r, "hosting"),
                      .sla_availability = Str(r, "sla_availability"),
                      .rto_minutes = Int(r, "rto_minutes"),
                      .rpo_minutes = Int(r, "rpo_minutes"),
                      .system_owner_user_id = Str(r, "system_owner_user_id"),
                      .system_admin_user_id = Str(r, "system_admin_user_id"),
                      .notes = Str(r, "notes"),
                      .created_by = r.created_by,
                      .created_at = r.created_at,
                      .updated_at = r.updated_at,
                      .version = r.version};
}

std::vector<SystemRecord> FromRecords(const std::vector<RegisterRecord>& recs) {
  std::vector<SystemRecord> out;
  out.reserve(recs.size());
  for (const auto& r : recs) out.push_back(FromRecord(r));
  return out;
}

}  // namespace

Result<std::optional<SystemRecord>> SystemRepo::Get(const std::string& id) {
  MAMORI_ASSIGN(auto found, RegisterRepo(c_, SystemsTable()).Get(id));
  if (!found) return std::optional<SystemRecord>();
  return std::optional<SystemRecord>(FromRecord(*found));
}

Result<std::vector<SystemRecord>> SystemRepo::FindByName(const std::string& name) {
  RegisterFilter f;
  f.eq["name"] = name;
  MAMORI_ASSIGN(auto found, RegisterRepo(c_, SystemsTable()).List(f, {1, 2}));
  return FromRecords(found);
}

Result<std::vector<SystemRecord>> SystemRepo::GetMany(const std::vector<std::string>& ids) {
  MAMORI_ASSIGN(auto found, RegisterRepo(c_, SystemsTable()).GetMany(ids));
  return FromRecords(found);
}

}  // namespace mamori::storage
