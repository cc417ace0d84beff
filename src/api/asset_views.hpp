// JSON views of the asset register and the system ledger for API v1: every asset carries its
// label (機密性3・完全性2・可用性2, and in English) and whether the standard covers it. The asset's
// JSON Schema is `Asset` in api/openapi_schemas.cpp (tests/e2e/openapi.mjs holds answers to it).
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/asset_service.hpp"
#include "storage/records.hpp"

namespace mamori::api {

// Org unit id → name, to label owner units ("owner_org_unit_name" is null when unknown).
using OwnerNames = std::map<std::string, std::string>;

nlohmann::json AssetJson(const storage::AssetRecord& r, const domain::AssetService& assets, const OwnerNames& names);

}  // namespace mamori::api
