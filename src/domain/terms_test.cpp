#include "domain/terms.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "domain/asset_service.hpp"
#include "policy/pack.hpp"

namespace mamori::domain {
namespace {

template <typename Ids>
std::vector<std::string> IdsOf(const Ids& ids) {
  return {std::begin(ids), std::end(ids)};
}

std::vector<std::string> IdsOf(std::span<const Term> terms) {
  std::vector<std::string> out;
  for (const Term& t : terms) out.push_back(t.id);
  return out;
}

TEST(Terms, NameExactlyTheValuesTheServicesAcceptInTheirOrder) {
  EXPECT_EQ(IdsOf(std::span<const Term>(kAssetKindTerms)), IdsOf(kAssetKinds));
  EXPECT_EQ(IdsOf(std::span<const Term>(kAssetStateTerms)), IdsOf(kAssetStates));
  EXPECT_EQ(IdsOf(std::span<const Term>(kEmploymentTypeTerms)), IdsOf(policy::kEmploymentTypes));
  EXPECT_EQ(IdsOf(std::span<const Term>(kOrgKindTerms)),
            (std::vector<std::string>{"city", "bureau", "department", "section"}));
}

TEST(Terms, CoverEveryStatusAUserIsAnsweredWith) {
  // Stored statuses, and the two the answer derives (a lock in force, a passed expiry date).
  for (const char* s : {"active", "suspended", "deleted", "locked", "expired"})
    EXPECT_NE(FindTerm(kUserStatusTerms, s), nullptr) << s;
}

TEST(Terms, HaveADistinctJapaneseAndEnglishLabelForEachValue) {
  std::set<std::string> vocabularies;
  for (const Vocabulary& v : Vocabularies()) {
    EXPECT_TRUE(vocabularies.insert(v.id).second) << v.id;
    EXPECT_FALSE(v.terms.empty()) << v.id;
    std::set<std::string> ja, en;
    for (const Term& t : v.terms) {
      EXPECT_TRUE(ja.insert(t.label).second) << v.id << ": " << t.id;
      EXPECT_TRUE(en.insert(t.label_en).second) << v.id << ": " << t.id;
      EXPECT_NE(std::string(t.label), t.id) << v.id;
      EXPECT_NE(std::string(t.label_en), "") << v.id;
    }
  }
  EXPECT_EQ(vocabularies, (std::set<std::string>{"asset_kinds", "asset_states", "employment_types", "user_statuses",
                                                 "org_kinds"}));
}

TEST(Terms, LabelAnIdInEitherLanguageAndNothingForAnUnknownOne) {
  EXPECT_EQ(TermLabel(kAssetStateTerms, "taken_out", false), "持出中");
  EXPECT_EQ(TermLabel(kAssetStateTerms, "taken_out", true), "Taken out");
  EXPECT_EQ(TermLabel(kEmploymentTypeTerms, "fiscal_year", false), "会計年度任用職員");
  EXPECT_EQ(TermLabel(kAssetStateTerms, "lost", false), "");
  EXPECT_EQ(FindTerm(kOrgKindTerms, "ward"), nullptr);
}

}  // namespace
}  // namespace mamori::domain
