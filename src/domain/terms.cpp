#include "domain/terms.hpp"

namespace mamori::domain {

std::vector<Vocabulary> Vocabularies() {
  return {{"asset_kinds", kAssetKindTerms},
          {"asset_states", kAssetStateTerms},
          {"employment_types", kEmploymentTypeTerms},
          {"user_statuses", kUserStatusTerms},
          {"org_kinds", kOrgKindTerms}};
}

const Term* FindTerm(std::span<const Term> terms, std::string_view id) {
  for (const Term& t : terms)
    if (id == t.id) return &t;
  return nullptr;
}

std::string_view TermLabel(std::span<const Term> terms, std::string_view id, bool english) {
  const Term* t = FindTerm(terms, id);
  if (!t) return {};
  return english ? t->label_en : t->label;
}

}  // namespace mamori::domain
