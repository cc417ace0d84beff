// JSON and spreadsheet views of the registers (docs/registers.md): the catalogue of
// GET /api/v1/registers, a record's API v1 JSON, the export sheet and the import's rows.
#pragma once

#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/table_file.hpp"
#include "domain/register_service.hpp"
#include "policy/pack.hpp"

namespace mamori::api {

// A register of the catalogue: its fields, states and transitions in ja and en, and what the
// reader may do with it (can_read, can_create).
nlohmann::json RegisterJson(const policy::RegisterSpec& r, const domain::RegisterService& service,
                            const domain::Actor& reader, const policy::PolicyPack& pack);
// A request type of the catalogue (kind "request_type"): its form, completion record, states
// and transitions.
nlohmann::json RequestTypeCatalogJson(const policy::RequestType& t, const policy::PolicyPack& pack);
// A field's description as the catalogue gives it (shared with the OpenAPI document).
nlohmann::json FieldJson(const policy::RegisterField& f);
// A record: its own keys, its fields flat beside them (reference names as x_name, choice labels
// as c_label/c_label_en), available_actions and can_update.
nlohmann::json RecordJson(const domain::RecordView& v);
// The export: id, state, every field (choice labels, reference names beside ids), created and
// updated times; Japanese or English headings.
Sheet RecordSheet(const policy::RegisterSpec& r, const domain::RecordList& list, bool english);
// The import's rows: the header row names fields by heading (ja or en) or id; each later
// non-blank row becomes a JSON object of field id → value, numbered as the spreadsheet numbers
// it. An unknown heading is a validation error naming the column.
Result<std::vector<std::pair<int64_t, nlohmann::json>>> RowsOfSheet(const policy::RegisterSpec& r,
                                                                    const CsvTable& table);

}  // namespace mamori::api
