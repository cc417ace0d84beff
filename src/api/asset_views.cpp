#include "api/asset_views.hpp"

#include "api/views.hpp"

namespace mamori::api {
namespace {

using nlohmann::json;

json StrOrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json NameOf(const OwnerNames& names, const std::string& id) {
  auto it = names.find(id);
  return it == names.end() ? json(nullptr) : json(it->second);
}


}  // namespace

json AssetJson(const storage::AssetRecord& r, const domain::AssetService& assets, const OwnerNames& names) {
  return {{"id", r.id},
          {"name", r.name},
          {"kind", r.kind},
          {"owner_org_unit_id", r.owner_org_unit_id},
          {"owner_org_unit_name", NameOf(names, r.owner_org_unit_id)},
          {"confidentiality", r.confidentiality},
          {"integrity", r.integrity},
          {"availability", r.availability},
          {"label", assets.Label(r)},
          {"label_en", assets.Label(r, true)},
          {"in_scope", assets.InScope(r)},
          {"handling", r.handling},
          {"location", StrOrNull(r.location)},
          {"system_id", StrOrNull(r.system_id)},
          {"state", r.state},
          {"created_by", r.created_by},
          {"created_at", TimeOrNull(r.created_at)},
          {"updated_at", TimeOrNull(r.updated_at)},
          {"version", r.version}};
}

}  // namespace mamori::api
