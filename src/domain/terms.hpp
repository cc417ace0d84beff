// The engine's own vocabularies: the values a field of the API v1 contract takes that no pack
// chooses — an asset's kind and state, a person's employment type and status, an org unit's
// kind — each with its Japanese and English label. They are spelled here once: GET
// /api/v1/policy answers them as `terms` (docs/api.md), so the web holds no copy, and the asset
// spreadsheet reads its labels from here. Request states are not here: each request type's
// workflow names its own (GET /api/v1/registers).
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace mamori::domain {

struct Term {
  const char* id;
  const char* label;     // Japanese
  const char* label_en;  // English
};

// 情報資産の種類 (DESIGN.md, Asset): the order of domain::kAssetKinds.
inline constexpr Term kAssetKindTerms[] = {
    {"electronic_data", "電子データ", "Electronic data"},
    {"paper_document", "紙文書", "Paper document"},
    {"removable_medium", "電磁的記録媒体", "Removable medium"},
    {"terminal", "端末", "Terminal"},
    {"mobile_terminal", "モバイル端末", "Mobile terminal"},
    {"server", "サーバ", "Server"},
    {"network_device", "ネットワーク機器", "Network device"},
    {"system", "情報システム", "Information system"},
};

// An asset's state: the order of domain::kAssetStates.
inline constexpr Term kAssetStateTerms[] = {
    {"in_use", "利用中", "In use"},
    {"taken_out", "持出中", "Taken out"},
    {"provided", "外部提供済み", "Provided"},
    {"disposed", "廃棄済み", "Disposed"},
};

// 任用形態: the order of policy::kEmploymentTypes.
inline constexpr Term kEmploymentTypeTerms[] = {
    {"regular", "正規職員", "Regular staff"},
    {"reappointed", "再任用職員", "Reappointed staff"},
    {"fixed_term", "任期付職員", "Fixed-term staff"},
    {"fiscal_year", "会計年度任用職員", "Fiscal-year appointee"},
    {"dispatched", "派遣職員", "Dispatched worker"},
    {"contractor", "委託事業者の従事者", "Contractor"},
};

// A user's status as the API answers it (AuthService::EffectiveStatus: locked and expired are
// derived from the lock and the expiry date).
inline constexpr Term kUserStatusTerms[] = {
    {"active", "利用中", "Active"},       {"locked", "ロック中", "Locked"},
    {"suspended", "停止中", "Suspended"}, {"expired", "期限切れ", "Expired"},
    {"deleted", "抹消済み", "Deleted"},
};

// An org unit's kind, from the root down (DirectoryService checks each kind's parent).
inline constexpr Term kOrgKindTerms[] = {
    {"city", "市", "City"},
    {"bureau", "局・室・区", "Bureau / Office / Ward"},
    {"department", "部", "Department"},
    {"section", "課", "Section"},
};

struct Vocabulary {
  const char* id;  // the key under `terms`: asset_kinds, asset_states, …
  std::span<const Term> terms;
};

// Every vocabulary, in the order the API answers them.
std::vector<Vocabulary> Vocabularies();

// The term `id` of `terms`, or null.
const Term* FindTerm(std::span<const Term> terms, std::string_view id);

// `id`'s label in Japanese or English; "" when `terms` has no such id.
std::string_view TermLabel(std::span<const Term> terms, std::string_view id, bool english);

}  // namespace mamori::domain
