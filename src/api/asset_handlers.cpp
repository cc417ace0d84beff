// The asset register (/api/v1/assets). The information system ledger is a register of the kit
// (register_handlers.cpp).
#include <algorithm>

#include "api/asset_views.hpp"
#include "api/handlers.hpp"
#include "api/input_rules.hpp"
#include "api/views.hpp"
#include "common/crypto.hpp"
#include "common/json_input.hpp"
#include "common/table_file.hpp"
#include "common/time.hpp"
#include "domain/asset_sheet.hpp"

namespace mamori::api {
namespace {

using nlohmann::json;




// A field that may be null to clear it: absent → nullopt, null → "", text → checked.
std::optional<std::string> ClearableString(JsonInput& in, const char* name, StringRule rule) {
  auto it = in.Raw().find(name);
  if (it == in.Raw().end()) return std::nullopt;
  if (it->is_null()) return std::string();
  return in.String(name, false, rule);
}

// Fields the server sets: sending one is an error naming it, not a silent no-op.
void RejectReadOnly(JsonInput& in, std::initializer_list<const char*> fields) {
  for (const char* f : fields)
    if (in.Raw().contains(f)) in.AddError(f, "read_only");
}

// A classification level: an integer that must be one of the pack's levels.
std::optional<int64_t> Level(JsonInput& in, const domain::AssetService& assets, const char* axis, bool required) {
  auto v = in.Int(axis, required, INT64_MIN, INT64_MAX);
  if (!v) return std::nullopt;
  if (std::string code = assets.LevelError(axis, *v); !code.empty()) {
    in.AddError(axis, code);
    return std::nullopt;
  }
  return v;
}

const StringRule kAssetName{1, domain::kAssetNameMax};
const StringRule kLocation{0, domain::kAssetLocationMax};
const StringRule kHandlingItem{1, domain::kHandlingItemMax};

bool OneOf(const auto& allowed, const std::string& v) {
  return std::find(std::begin(allowed), std::end(allowed), v) != std::end(allowed);
}

// A text field that must be one of `allowed` (the domain's fixed sets).
std::optional<std::string> Choice(JsonInput& in, const char* name, bool required, const auto& allowed) {
  auto v = in.String(name, required, {1, 1000});
  if (v && !OneOf(allowed, *v)) {
    in.AddError(name, "not_allowed");
    return std::nullopt;
  }
  return v;
}

// In a PATCH, null for a field that cannot be empty is an error, not "leave it".
void RejectNull(JsonInput& in, std::initializer_list<const char*> fields) {
  for (const char* f : fields) {
    auto it = in.Raw().find(f);
    if (it != in.Raw().end() && it->is_null()) in.AddError(f, "required");
  }
}

// The asset's JSON with its owner unit's name looked up.
Response OneAsset(App& app, int status, const storage::AssetRecord& r) {
  auto names = app.assets.UnitNames({r.owner_org_unit_id});
  return Response::Json(status, AssetJson(r, app.assets, names.ok() ? *names : OwnerNames{}));
}

}  // namespace

// ---- assets --------------------------------------------------------------------------------

namespace {

// The list filters of GET /assets, shared by the list and the export.
Result<domain::AssetQuery> AssetQueryOf(const Request& req) {
  domain::AssetQuery q;
  q.owner_org_unit_id = QueryParam(req, "owner_org_unit_id");
  q.state = QueryParam(req, "state");
  q.kind = QueryParam(req, "kind");
  q.q = QueryParam(req, "q");
  if (!CheckString(q.owner_org_unit_id, {0, 64}).empty())
    return Error::Validation("owner_org_unit_id", "invalid");
  if (!q.state.empty() && !OneOf(domain::kAssetStates, q.state))
    return Error::Validation("state", "not_allowed");
  if (!q.kind.empty() && !OneOf(domain::kAssetKinds, q.kind))
    return Error::Validation("kind", "not_allowed");
  if (std::string code = CheckString(q.q, {0, kSearchMax}); !code.empty())
    return Error::Validation("q", code);
  if (const std::string m = QueryParam(req, "min_confidentiality"); !m.empty()) {
    if (m.size() > 4 || m.find_first_not_of("0123456789") != std::string::npos)
      return Error::Validation("min_confidentiality", "wrong_type");
    q.min_confidentiality = std::stoll(m);
  }
  return q;
}


}  // namespace

Response ListAssets(App& app, Call& call) {
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  auto q = AssetQueryOf(call.req);
  if (!q.ok()) return Response::Problem(q.error());
  q->page = *page;
  return Answer(app.assets.List(call.actor(), *q), [&](const domain::AssetList& listed) {
    json items = json::array();
    for (const auto& r : listed.items) items.push_back(AssetJson(r, app.assets, listed.unit_names));
    return Response::Json(200, ListJson(std::move(items), listed.total));
  });
}

// GET /assets/export?format=xlsx|csv&lang=ja|en plus the list filters: the register as an
// Excel workbook (default) or a UTF-8 CSV with BOM, in the columns the import reads.
Response ExportAssets(App& app, Call& call) {
  auto q = AssetQueryOf(call.req);
  if (!q.ok()) return Response::Problem(q.error());
  auto english = EnglishOf(call.req);
  if (!english.ok()) return Response::Problem(english.error());
  const std::string format = QueryParam(call.req, "format");
  if (!format.empty() && format != "xlsx" && format != "csv")
    return Response::Problem(Error::Validation("format", "not_allowed", "format は xlsx か csv です"));
  auto exported = app.assets.Export(call.actor(), *q);
  if (!exported.ok()) return Response::Problem(exported.error());
  const Sheet sheet = domain::AssetSheet(*exported, app.assets, app.env.pack.classification, *english);
  const std::string stem = "information-assets-" + FormatDate(JstDate(app.env.clock.NowMicros()));
  Response r;
  if (format == "csv") {
    r = Response::Text(200, SheetCsv(sheet), "text/csv; charset=utf-8");
    r.SetHeader("Content-Disposition", "attachment; filename=\"" + stem + ".csv\"");
  } else {
    auto bytes = XlsxWorkbook(sheet);
    if (!bytes.ok()) return Response::Problem(bytes.error());
    r = Response::Text(200, std::move(*bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    r.SetHeader("Content-Disposition", "attachment; filename=\"" + stem + ".xlsx\"");
  }
  r.SetHeader("Cache-Control", "no-store");
  return r;
}

// GET /assets/import-template?lang=ja|en: the import's headings as a CSV (UTF-8 with BOM) to
// fill in with Excel.
Response AssetImportTemplate(App& app, Call& call) {
  auto english = EnglishOf(call.req);
  if (!english.ok()) return Response::Problem(english.error());
  Response r = Response::Text(200, std::string(kUtf8Bom) + CsvLine(domain::AssetTemplateHeadings(
                                                               app.env.pack.classification, *english)),
                              "text/csv; charset=utf-8");
  r.SetHeader("Content-Disposition", "attachment; filename=\"information-assets-template.csv\"");
  return r;
}

// POST /assets/import?dry_run=true|false&encoding=utf-8|cp932&file_name=...: the body is the
// CSV file itself. The encoding comes from the query, else the Content-Type charset, else the
// bytes (UTF-8 when valid, CP932 otherwise). 201 {imported, ids} or, on a dry run, 200
// {dry_run: true, rows}; any rejected row answers 422 listing every row's problems.
Response ImportAssets(App& app, Call& call) {
  std::vector<FieldError> errors;
  const std::string dry = QueryParam(call.req, "dry_run");
  if (!dry.empty() && dry != "true" && dry != "false") errors.emplace_back("dry_run", "wrong_type");
  domain::AssetImportOptions options;
  options.dry_run = dry == "true";
  options.file_name = QueryParam(call.req, "file_name");
  if (std::string code = CheckString(options.file_name, {0, 200}); !code.empty()) errors.emplace_back("file_name", code);
  std::string declared = QueryParam(call.req, "encoding");
  if (declared.empty()) {
    // "text/csv; charset=Shift_JIS"
    const std::string type = AsciiLower(call.req.Header("content-type"));
    if (size_t at = type.find("charset="); at != std::string::npos) {
      declared = type.substr(at + 8);
      declared = declared.substr(0, declared.find(';'));
      std::erase(declared, '"');
      std::erase(declared, ' ');
    }
  }
  auto encoding = ParseEncodingName(declared);
  if (!encoding.ok()) errors.emplace_back("encoding", "not_allowed");
  if (!errors.empty()) return Response::Problem(Error::Invalid(std::move(errors)));
  if (call.req.body.empty()) return Response::Problem(Error::Validation("file", "empty", "ファイルが空です"));
  auto text = DecodeText(call.req.body, *encoding);
  if (!text.ok()) return Response::Problem(text.error());
  CsvLimits limits;
  limits.max_records = domain::kAssetImportMaxRows + 1000;  // blank rows have some room
  auto table = ParseCsv(text->text, limits);
  if (!table.ok()) return Response::Problem(table.error());
  options.encoding = text->encoding;
  options.sha256 = crypto::Sha256Hex(call.req.body);
  return Answer(app.assets.Import(call.actor(), *table, options), [&](const domain::AssetImportResult& r) {
    json body = {{"dry_run", r.dry_run}, {"rows", r.rows}, {"encoding", options.encoding}};
    if (r.dry_run) return Response::Json(200, body);
    body["imported"] = r.rows;
    body["ids"] = r.ids;
    return Response::Json(201, body);
  });
}

Response CreateAsset(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  auto name = in->String("name", true, kAssetName);
  auto kind = Choice(*in, "kind", true, domain::kAssetKinds);
  auto owner = in->String("owner_org_unit_id", true, kIdRule);
  auto c = Level(*in, app.assets, "confidentiality", true);
  auto i = Level(*in, app.assets, "integrity", true);
  auto a = Level(*in, app.assets, "availability", true);
  auto handling = in->StringArray("handling", false, domain::kHandlingItemsMax, kHandlingItem);
  auto location = ClearableString(*in, "location", kLocation);
  auto system_id = ClearableString(*in, "system_id", kIdRule);
  RejectReadOnly(*in, {"id", "state", "label", "label_en", "in_scope", "owner_org_unit_name", "created_by",
                       "created_at", "updated_at", "version"});
  in->RejectUnknown({"name", "kind", "owner_org_unit_id", "confidentiality", "integrity", "availability", "handling",
                     "location", "system_id", "id", "state", "label", "label_en", "in_scope", "owner_org_unit_name",
                     "created_by", "created_at", "updated_at", "version"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  domain::NewAsset n;
  n.name = *name;
  n.kind = *kind;
  n.owner_org_unit_id = *owner;
  n.confidentiality = *c;
  n.integrity = *i;
  n.availability = *a;
  n.handling = handling.value_or(std::vector<std::string>{});
  n.location = location.value_or("");
  n.system_id = system_id.value_or("");
  return Answer(app.assets.Create(call.actor(), n),
                [&](const storage::AssetRecord& r) { return OneAsset(app, 201, r); });
}

Response GetAsset(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound("情報資産"));
  return Answer(app.assets.Get(call.actor(), id),
                [&](const storage::AssetRecord& r) { return OneAsset(app, 200, r); });
}

Response UpdateAsset(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound("情報資産"));
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  domain::AssetChanges ch;
  auto version = in->Int("version", true, 1, INT64_MAX);
  RejectNull(*in, {"name", "kind", "owner_org_unit_id", "confidentiality", "integrity", "availability"});
  ch.name = in->String("name", false, kAssetName);
  ch.kind = Choice(*in, "kind", false, domain::kAssetKinds);
  ch.owner_org_unit_id = in->String("owner_org_unit_id", false, kIdRule);
  ch.confidentiality = Level(*in, app.assets, "confidentiality", false);
  ch.integrity = Level(*in, app.assets, "integrity", false);
  ch.availability = Level(*in, app.assets, "availability", false);
  // null clears the handling restrictions, as an empty list does.
  if (in->Raw().contains("handling") && in->Raw()["handling"].is_null()) ch.handling = std::vector<std::string>{};
  else ch.handling = in->StringArray("handling", false, domain::kHandlingItemsMax, kHandlingItem);
  ch.location = ClearableString(*in, "location", kLocation);
  ch.system_id = ClearableString(*in, "system_id", kIdRule);
  // The state follows approved requests only (take-out, provision, disposal).
  RejectReadOnly(*in, {"id", "state", "label", "label_en", "in_scope", "owner_org_unit_name", "created_by",
                       "created_at", "updated_at"});
  in->RejectUnknown({"version", "name", "kind", "owner_org_unit_id", "confidentiality", "integrity", "availability",
                     "handling", "location", "system_id", "id", "state", "label", "label_en", "in_scope",
                     "owner_org_unit_name", "created_by", "created_at", "updated_at"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  ch.version = *version;
  return Answer(app.assets.Update(call.actor(), id, ch),
                [&](const storage::AssetRecord& r) { return OneAsset(app, 200, r); });
}

Response GetAssetHistory(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound("情報資産"));
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  return Answer(app.assets.History(call.actor(), id, *page), [](const domain::AssetHistory& h) {
    json items = json::array();
    for (const auto& e : h.items) items.push_back(LogEntryJson(e));
    return Response::Json(200, ListJson(std::move(items), h.total));
  });
}

}  // namespace mamori::api
