#include "domain/sealer.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

policy::PolicyPack PackSealingRequests(std::vector<std::string> fields) {
  policy::PolicyPack p = testing::KobePack();
  p.sealing.rules.clear();
  p.sealing.rules.push_back({.kind = "request", .fields = std::move(fields)});
  return p;
}

TEST(SealedFieldCodec, SealsExactlyTheFieldsThePackNamesAndOpensThemBack) {
  auto sealer = Sealer::WithKey(crypto::RandomBytes(32));
  const auto pack = PackSealingRequests({"carrier", "recipient"});
  nlohmann::json form = {{"carrier", "山田 太郎"}, {"purpose", "会議資料"}, {"recipient", ""}, {"copies", 2}};
  ASSERT_TRUE(SealFields(*sealer, pack, "request", "r1", form).ok());
  EXPECT_TRUE(crypto::IsSealed(form["carrier"].get<std::string>()));
  EXPECT_EQ(form.dump().find("山田"), std::string::npos) << "the personal name is gone from the stored form";
  EXPECT_EQ(form["purpose"], "会議資料") << "a field the pack does not name stays plain (searchable)";
  EXPECT_EQ(form["recipient"], "") << "an empty value has nothing to hide";
  EXPECT_EQ(form["copies"], 2);
  nlohmann::json moved = form;
  ASSERT_TRUE(OpenFields(*sealer, "request", "r1", form).ok());
  EXPECT_EQ(form["carrier"], "山田 太郎");
  // The same sealed value under another record does not open: bound to its place.
  EXPECT_FALSE(OpenFields(*sealer, "request", "r2", moved).ok());
  EXPECT_FALSE(OpenFields(*sealer, "incident", "r1", moved).ok());
}

TEST(SealedFieldCodec, APlainValueReadsAsItIsButATotpSecretMustBeSealed) {
  auto sealer = Sealer::WithKey(crypto::RandomBytes(32));
  EXPECT_EQ(*sealer->Open("平文", "asset:a:name"), "平文");
  EXPECT_FALSE(OpenTotp(*sealer, "cGxhaW4=", "u1").ok()) << "an old raw-key TOTP value is not taken as a secret";
  auto s = sealer->Seal("secret", TotpPlace("u1"));
  EXPECT_EQ(*OpenTotp(*sealer, *s, "u1"), "secret");
}

}  // namespace
}  // namespace mamori::domain
