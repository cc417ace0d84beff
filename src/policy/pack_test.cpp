#include "policy/pack.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <gtest/gtest.h>

namespace mamori::policy {
namespace {

std::string KobePath() {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  return std::string(src ? src : ".") + "/policy/kobe.yaml";
}

TEST(PackTest, KobePackLoads) {
  auto pack = LoadPackFile(KobePath());
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  EXPECT_EQ(pack->pack, "kobe");
  EXPECT_EQ(pack->auth.password.min_length, 8);
  EXPECT_EQ(pack->auth.lockout.max_failures, 5);
  EXPECT_EQ(pack->auth.mfa.required_for, MfaRequirement::kAll);
  EXPECT_EQ(pack->Cite(pack->auth.lockout.clause), "kobe:8.2.5");
  const RoleDef* im = pack->FindRole("infrastructure_manager");
  ASSERT_NE(im, nullptr);
  EXPECT_TRUE(im->privileged);
  // Every role of DESIGN.md is present.
  for (const char* r : {"ciso", "security_director", "security_manager", "infrastructure_manager",
                        "information_officer", "information_manager", "system_owner", "system_admin",
                        "audit_director", "csirt", "auditor", "staff", "contractor"})
    EXPECT_NE(pack->FindRole(r), nullptr) << r;
}

const char* kMinimal = R"(pack: test
title: t
version: "1"
municipality: テスト市
roles:
  infrastructure_manager: {title: a, scopes: [city], permissions: [users.manage]}
  security_manager: {title: b, scopes: [city]}
authentication:
  password: {clause: "1", min_length: 10}
  lockout: {clause: "2", max_failures: 3, lock_minutes: 1}
  session: {idle_minutes: 5, absolute_hours: 1}
  mfa: {required_for: none}
classification:
  confidentiality: {label: C, levels: [1, 2, 3]}
  integrity: {label: I, levels: [1, 2]}
  availability: {label: A, levels: [1, 2]}
)";

TEST(PackTest, ValuesComeFromThePack) {
  std::vector<PackError> errors;
  auto pack = ParsePack(kMinimal, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(pack->auth.password.min_length, 10);
  EXPECT_EQ(pack->auth.lockout.max_failures, 3);
  EXPECT_EQ(pack->auth.session.idle_minutes, 5);
  EXPECT_EQ(pack->auth.mfa.required_for, MfaRequirement::kNone);
}

TEST(PackTest, BrokenPackNamesLineAndReason) {
  std::string text = kMinimal;
  text.replace(text.find("min_length: 10"), 14, "min_length: -3");
  text += "unknown_section: 1\n";
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 2u);
  // Unknown top-level keys are reported first, then the sections in order.
  EXPECT_EQ(errors[0].line, 17);
  EXPECT_NE(errors[0].message.find("unknown_section"), std::string::npos);
  EXPECT_EQ(errors[1].line, 9);
  EXPECT_NE(errors[1].message.find("min_length"), std::string::npos);
}

TEST(PackTest, UnknownPermissionAndScopeRefused) {
  std::string text = kMinimal;
  text.replace(text.find("permissions: [users.manage]"), 27, "permissions: [users.everything]");
  text.replace(text.find("scopes: [city]}"), 15, "scopes: [planet]}");
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].line, 6);
}

TEST(PackTest, SyntaxErrorHasLine) {
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack("pack: a\nroles: [\n  x: y\n", errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_GE(errors[0].line, 2);
}

TEST(PackTest, MissingFileIsAnError) {
  auto r = LoadPackFile("/nonexistent/pack.yaml");
  EXPECT_FALSE(r.ok());
}


// ---- sources, who files, completion rules, the city's choices -----------------------------

const char* kRequests = R"(sources:
  proc: {title: 特記事項}
request_types:
  media:
    title: 媒体
    clause: "proc:2(1)③"
    assets: none
    approver: {role: security_manager, scope: city}
    filed_by:
      when: '"infrastructure_manager" in requester.roles'
      clause: "9.5.1"
      message: だめ
    fields:
      used_on: {label: 使用日, type: date}
    completion:
      erased_on: {label: 消去日, type: date}
    deny:
      - when: completion.erased_on < fields.used_on
        at: completion
        field: completion.erased_on
        clause: "proc:2(1)③"
        message: 消去日が使用日より前
)";

TEST(PackTest, ClausesOfADeclaredSourceKeepTheirPrefix) {
  std::vector<PackError> errors;
  auto pack = ParsePack(std::string(kMinimal) + kRequests, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  ASSERT_EQ(pack->sources.size(), 1u);
  EXPECT_EQ(pack->sources[0].prefix, "proc");
  EXPECT_EQ(pack->Cite("proc:2(1)③"), "proc:2(1)③");
  EXPECT_EQ(pack->Cite("9.5.1"), "test:9.5.1");
  const RequestType* t = pack->FindRequestType("media");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(pack->Cite(t->clause), "proc:2(1)③");
  EXPECT_EQ(pack->Cite(t->filed_by.clause), "test:9.5.1");
  ASSERT_EQ(t->deny.size(), 1u);
  EXPECT_EQ(t->deny[0].at, "completion");
  EXPECT_EQ(t->deny[0].field, "completion.erased_on");
}

TEST(PackTest, AnUndeclaredSourcePrefixIsRefused) {
  std::string text = std::string(kMinimal) + kRequests;
  const std::string from = "clause: \"proc:2(1)③\"\n    assets";
  text.replace(text.find(from), from.size(), "clause: \"prc:2(1)③\"\n    assets");
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("undeclared source 'prc'"), std::string::npos) << errors[0].message;
}

TEST(PackTest, CompletionFieldsAreReadOnlyByCompletionRules) {
  std::string text = std::string(kMinimal) + kRequests;
  text.replace(text.find("        at: completion\n"), 23, "");
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  bool unknown = false, field = false;
  for (const auto& e : errors) {
    unknown |= e.message.find("unknown field 'completion.erased_on'") != std::string::npos;
    field |= e.message.find("deny.field") != std::string::npos;
  }
  EXPECT_TRUE(unknown);
  EXPECT_TRUE(field);
}

TEST(PackTest, WhoFilesIsDecidedOnlyFromTheRequester) {
  std::string text = std::string(kMinimal) + kRequests;
  text.replace(text.find("'\"infrastructure_manager\" in requester.roles'"), 45, "fields.used_on == null");
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message.find("filed_by.when: unknown field 'fields.used_on'"), std::string::npos)
      << errors[0].message;
}

TEST(PackTest, TheCitysChoicesMustNameValuesOfTheirSection) {
  std::string text = kMinimal;
  text.replace(text.find("lock_minutes: 1}"), 16, "lock_minutes: 1, city_choice: [max_failures, clause]}");
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("'clause' is not a value"), std::string::npos) << errors[0].message;
}

// The Kobe pack against the standard, written out here (never read back from the pack itself).
TEST(PackTest, TheKobePackSaysWhatTheStandardSays) {
  auto pack = LoadPackFile(KobePath());
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  auto type = [&](const char* id) {
    const RequestType* t = pack->FindRequestType(id);
    EXPECT_NE(t, nullptr) << id;
    return t;
  };
  // kobe:8.3.3イ(3): the 統括責任者 permits personal data as test data, city-wide.
  EXPECT_EQ(type("personal_test_data")->approver.role, "security_director");
  EXPECT_EQ(type("personal_test_data")->approver.scope, "city");
  // proc:2(1)③: the usage log of removable media comes from the procurement clauses.
  EXPECT_EQ(pack->Cite(type("removable_media")->clause), "proc:2(1)③");
  // kobe:9.5.1 / 9.5.2: who files an exception is restricted.
  EXPECT_EQ(pack->Cite(type("exception")->filed_by.clause), "kobe:9.5.1");
  EXPECT_EQ(pack->Cite(type("exception_minor")->filed_by.clause), "kobe:9.5.1");
  EXPECT_EQ(pack->Cite(type("exception_emergency")->filed_by.clause), "kobe:9.5.2");
  // kobe:8.3.1ウ: the security manager keeps the system ledger.
  const RoleDef* sm = pack->FindRole("security_manager");
  ASSERT_NE(sm, nullptr);
  EXPECT_NE(std::find(sm->permissions.begin(), sm->permissions.end(), "systems.manage"), sm->permissions.end());
  // kobe:8.2.5 sets no numbers: the lockout count and session limits are the city's.
  for (const char* k : {"max_failures", "lock_minutes"})
    EXPECT_NE(std::find(pack->auth.lockout.city_choice.begin(), pack->auth.lockout.city_choice.end(), k),
              pack->auth.lockout.city_choice.end()) << k;
  for (const char* k : {"idle_minutes", "absolute_hours"})
    EXPECT_NE(std::find(pack->auth.session.city_choice.begin(), pack->auth.session.city_choice.end(), k),
              pack->auth.session.city_choice.end()) << k;
  const auto& pw = pack->auth.password.city_choice;
  EXPECT_NE(std::find(pw.begin(), pw.end(), "history"), pw.end());
  EXPECT_EQ(std::find(pw.begin(), pw.end(), "min_length"), pw.end()) << "kobe:8.2.6ウ fixes eight characters";
  std::set<std::string> prefixes;
  for (const auto& s : pack->sources) prefixes.insert(s.prefix);
  EXPECT_EQ(prefixes, (std::set<std::string>{"proc", "mic", "pref"}));
}

TEST(PackTest, ContextWordsAreReadAndAOneByteWordIsRefused) {
  std::string text = kMinimal;
  text.replace(text.find("min_length: 10}"), 15, "min_length: 10, context_words: [tesuto, てすと]}");
  std::vector<PackError> errors;
  auto pack = ParsePack(text, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(pack->auth.password.context_words, (std::vector<std::string>{"tesuto", "てすと"}));
  text.replace(text.find("tesuto"), 6, "t");
  errors.clear();
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("context_words"), std::string::npos);
  // The shipped packs name their city and the system.
  auto kobe = LoadPackFile(KobePath());
  ASSERT_TRUE(kobe.ok());
  const auto& words = kobe->auth.password.context_words;
  for (const char* w : {"kobe", "神戸", "mamori"})
    EXPECT_NE(std::find(words.begin(), words.end(), w), words.end()) << w;
}

}  // namespace
}  // namespace mamori::policy

// ---- sealing -------------------------------------------------------------------------------

namespace mamori::policy {
namespace {

Context Confidentiality(int64_t c) {
  Context ctx;
  ctx.Set("asset.confidentiality", c);
  ctx.Set("asset.integrity", int64_t{1});
  ctx.Set("asset.availability", int64_t{1});
  ctx.Set("asset.kind", std::string("electronic_data"));
  return ctx;
}

TEST(PackSealing, TheKobePackSealsEverythingDescriptiveOf機密性3AndNothingBelow) {
  auto pack = LoadPackFile(std::string(std::getenv("MAMORI_SOURCE_DIR")) + "/policy/kobe.yaml");
  ASSERT_TRUE(pack.ok());
  const SealingRule* asset = pack->sealing.Find("asset");
  ASSERT_NE(asset, nullptr);
  // proc:5(3)①, pref:第10(5)キ: the restricted class (機密性3) is stored encrypted.
  EXPECT_TRUE(*asset->when.Evaluate(Confidentiality(3)));
  EXPECT_FALSE(*asset->when.Evaluate(Confidentiality(2)));
  for (const char* f : {"name", "location", "handling"}) EXPECT_TRUE(pack->sealing.Seals("asset", f)) << f;
  // Personal data in forms: who carries an asset out (kobe:7.1.1エ, 4.2キ(2)).
  EXPECT_TRUE(pack->sealing.Seals("request", "carrier"));
  EXPECT_FALSE(pack->sealing.Seals("request", "purpose")) << "a purpose is not personal data and stays searchable";
  // An incident's report (kobe:7.3.2): what happened and what leaked are sealed by the register.
  EXPECT_TRUE(pack->FindRegister("incidents")->FindField("details")->sealed);
  EXPECT_TRUE(pack->FindRegister("incidents")->FindField("leaked_info")->sealed);
  EXPECT_EQ(pack->Cite(pack->sealing.clauses.front()), "proc:5(3)①");
}

TEST(PackSealing, TheSecondTownSealsOnlyItsOwnTopClass) {
  auto pack = LoadPackFile(std::string(std::getenv("MAMORI_SOURCE_DIR")) + "/tests/packs/sample_town.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  const SealingRule* asset = pack->sealing.Find("asset");
  ASSERT_NE(asset, nullptr);
  EXPECT_TRUE(*asset->when.Evaluate(Confidentiality(4)));
  EXPECT_FALSE(*asset->when.Evaluate(Confidentiality(3)));
  EXPECT_FALSE(pack->sealing.Seals("asset", "handling"));
  EXPECT_EQ(pack->sealing.Find("request"), nullptr);
}

TEST(PackSealing, FieldsThatCannotBeSealedAreRefusedWithTheirLine) {
  const std::string base = std::string(kMinimal) + kRequests;
  struct Case {
    const char* section;
    const char* expect;
  } cases[] = {
      {"sealing:\n  asset:\n    fields: [confidentiality]\n", "field 'confidentiality' cannot be sealed"},
      {"sealing:\n  asset:\n    when: asset.handling == null\n    fields: [name]\n", "unknown field 'asset.handling'"},
      {"sealing:\n  request:\n    fields: [used_on]\n", "field 'used_on' cannot be sealed"},
      {"sealing:\n  request:\n    fields: [nobody]\n", "field 'nobody' cannot be sealed"},
      {"sealing:\n  user:\n    fields: [name]\n", "unknown key"},
      {"sealing:\n  asset:\n    fields: []\n", "at least one field"},
  };
  for (const auto& c : cases) {
    std::vector<PackError> errors;
    EXPECT_FALSE(ParsePack(base + c.section, errors)) << c.section;
    bool found = false;
    for (const auto& e : errors) found |= e.message.find(c.expect) != std::string::npos && e.line > 1;
    EXPECT_TRUE(found) << c.section << (errors.empty() ? "" : errors[0].message);
  }
}

// notification_templates (docs/registers.md): subjects and bodies, the English optional.
TEST(PackTest, NotificationTemplatesAreReadWithTheirEnglishOptional) {
  const std::string text = std::string(kMinimal) + R"(notification_templates:
  asked:
    subject: 【承認依頼】{{register.title}}
    body: |
      {{actor.name}} さんの申請です。
      {{link}}
    subject_en: "Approve {{register.title}}"
  told: {subject: 結果, body: 本文}
)";
  std::vector<PackError> errors;
  auto pack = ParsePack(text, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  const NotificationTemplate* asked = pack->FindTemplate("asked");
  ASSERT_NE(asked, nullptr);
  EXPECT_EQ(asked->subject, "【承認依頼】{{register.title}}");
  EXPECT_EQ(asked->body, "{{actor.name}} さんの申請です。\n{{link}}\n");
  EXPECT_EQ(asked->subject_en, "Approve {{register.title}}");
  EXPECT_EQ(asked->body_en, "");
  EXPECT_NE(pack->FindTemplate("told"), nullptr);
  EXPECT_EQ(pack->FindTemplate("nothing"), nullptr);
}

TEST(PackTest, ANotificationTemplateWithoutABodyOrWithAnUnknownKeyOrATwoLineSubjectIsRefused) {
  for (const char* bad : {"  t: {subject: s}\n", "  t: {subject: s, body: b, bcc: x}\n",
                          "  t: {subject: \"a\\nb\", body: b}\n", "  T-1: {subject: s, body: b}\n"}) {
    std::vector<PackError> errors;
    EXPECT_FALSE(ParsePack(std::string(kMinimal) + "notification_templates:\n" + bad, errors)) << bad;
    ASSERT_FALSE(errors.empty()) << bad;
    EXPECT_NE(errors[0].message.find("notification_templates"), std::string::npos) << errors[0].message;
  }
}

}  // namespace
// ---- approval chains (approvers:) -----------------------------------------------------------

// A minimal pack with one chained type: the roles it needs, and `chain` as the type's approver
// key (the text after "    " on the lines following `exchange:`'s header).
std::string ChainPack(const std::string& approvers, const std::string& fields = "      system_id: {label: 系, type: system}\n",
                      const std::string& assets = "none") {
  std::string text = kMinimal;
  text.replace(text.find("  security_manager: {title: b, scopes: [city]}"), 46,
               "  security_manager: {title: b, scopes: [city]}\n"
               "  system_owner: {title: c, scopes: [system, org_unit]}\n"
               "  section_chief: {title: d, scopes: [org_unit]}");
  text += "request_types:\n"
          "  exchange:\n"
          "    title: 交換\n"
          "    clause: \"8.1.4\"\n"
          "    assets: " + assets + "\n" + approvers +
          "    fields:\n" + fields;
  return text;
}

TEST(PackChain, AnOrderedChainIsReadStepByStepAndTheApproverIsItsFirstStep) {
  std::vector<PackError> errors;
  auto pack = ParsePack(ChainPack("    approvers:\n"
                                  "      - {role: security_manager, scope: city}\n"
                                  "      - {role: system_owner, scope: system}\n"),
                        errors);
  ASSERT_TRUE(pack) << errors[0].message;
  const RequestType* t = pack->FindRequestType("exchange");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->approvers.size(), 2u);
  EXPECT_EQ(t->approvers[0].role, "security_manager");
  EXPECT_EQ(t->approvers[0].scope, "city");
  EXPECT_EQ(t->approvers[1].role, "system_owner");
  EXPECT_EQ(t->approvers[1].scope, "system");
  EXPECT_EQ(t->approver.role, "security_manager");
  EXPECT_EQ(t->system_field, "system_id");
  // The transition table: approve is the chain, in order; reject is any step's holder.
  const Transition* approve = t->workflow->FindTransition("approve");
  ASSERT_NE(approve, nullptr);
  EXPECT_TRUE(approve->by.empty());
  ASSERT_EQ(approve->chain.size(), 2u);
  EXPECT_EQ(approve->chain[0].role, "security_manager");
  EXPECT_EQ(approve->chain[1].role, "system_owner");
  EXPECT_EQ(approve->chain[1].scope, "system");
  EXPECT_EQ(approve->to, "approved");
  EXPECT_EQ(t->workflow->FindTransition("reject")->by.size(), 2u);
}

TEST(PackChain, ASingleApproverIsAChainOfOneAndItsTableIsUnchanged) {
  std::vector<PackError> errors;
  auto pack = ParsePack(ChainPack("    approver: {role: security_manager, scope: city}\n"), errors);
  ASSERT_TRUE(pack) << errors[0].message;
  const RequestType* t = pack->FindRequestType("exchange");
  ASSERT_EQ(t->approvers.size(), 1u);
  EXPECT_EQ(t->approvers[0].role, "security_manager");
  const Transition* approve = t->workflow->FindTransition("approve");
  EXPECT_TRUE(approve->chain.empty());
  ASSERT_EQ(approve->by.size(), 1u);
  EXPECT_EQ(approve->by[0].role, "security_manager");
}

TEST(PackChain, MistakesInAChainAreReportedWithTheirLine) {
  struct Case {
    const char* approvers;
    const char* fields;
    const char* assets;
    const char* message;
    int line_offset;  // lines after the `approvers:` key (0: the key's own line)
  };
  const Case cases[] = {
      {"    approvers:\n      - {role: security_manager, scope: city}\n      - {role: nobody, scope: city}\n",
       "      system_id: {label: 系, type: system}\n", "none", "approvers[2]: unknown role 'nobody'", 2},
      {"    approvers:\n      - {role: security_manager, scope: planet}\n", "      system_id: {label: 系, type: system}\n",
       "none", "approvers[1].scope must be asset_owner, requester_unit, city or system", 1},
      // A system step needs the request's system: a system field or assets that have one.
      {"    approvers:\n      - {role: security_manager, scope: city}\n      - {role: system_owner, scope: system}\n",
       "      counterpart: {label: 相手}\n", "optional", "approvers[2].scope system needs a field of type system", 2},
      // The role must be assignable over that kind of scope.
      {"    approvers:\n      - {role: section_chief, scope: system}\n", "      system_id: {label: 系, type: system}\n",
       "none", "role 'section_chief' cannot be assigned at system scope", 1},
      {"    approvers:\n      - {role: security_manager, scope: city, when: x}\n",
       "      system_id: {label: 系, type: system}\n", "none", "unknown key 'when'", 1},
      {"    approvers: []\n", "      system_id: {label: 系, type: system}\n", "none",
       "approvers must be a list of {role, scope}", 0},
      {"    approver: {role: security_manager, scope: city}\n    approvers:\n      - {role: system_owner, scope: system}\n",
       "      system_id: {label: 系, type: system}\n", "none", "either approver or approvers", 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    const std::string text = ChainPack(c.approvers, c.fields, c.assets);
    std::vector<PackError> errors;
    EXPECT_FALSE(ParsePack(text, errors));
    ASSERT_FALSE(errors.empty());
    const auto hit = std::find_if(errors.begin(), errors.end(), [&](const PackError& e) {
      return e.message.find(c.message) != std::string::npos;
    });
    ASSERT_NE(hit, errors.end()) << errors[0].message;
    // The line of the `approvers:` (or `approver:`) key in the text, 1-based.
    int key_line = 1;
    const size_t key = text.find(std::string(c.approvers).substr(0, 12));
    for (size_t i = 0; i < key; ++i) key_line += text[i] == '\n';
    EXPECT_EQ(hit->line, key_line + c.line_offset) << hit->message;
  }
}

TEST(PackChain, KobesExchangeWithAnotherBodyNeedsTheDirectorAndTheSystemsOwner) {
  auto pack = LoadPackFile(KobePath());
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  const RequestType* t = pack->FindRequestType("info_exchange");
  ASSERT_NE(t, nullptr);
  // kobe:8.1.4: the 情報セキュリティ統括責任者 (city-wide) and the 業務システム責任者 of the
  // system concerned both permit it.
  ASSERT_EQ(t->approvers.size(), 2u);
  EXPECT_EQ(t->approvers[0].role, "security_director");
  EXPECT_EQ(t->approvers[0].scope, "city");
  EXPECT_EQ(t->approvers[1].role, "system_owner");
  EXPECT_EQ(t->approvers[1].scope, "system");
  // The system concerned is named on the form.
  ASSERT_FALSE(t->system_field.empty());
  // Only the 情報基盤管理者 and the 業務システム管理者 file it.
  Context ctx;
  auto files = [&](std::vector<std::string> roles) {
    Value::List list;
    for (auto& r : roles) list.emplace_back(r);
    ctx.Set("requester.roles", Value(std::move(list)));
    auto r = t->filed_by.when.Evaluate(ctx);
    return r.ok() && *r;
  };
  EXPECT_TRUE(files({"infrastructure_manager"}));
  EXPECT_TRUE(files({"system_admin"}));
  EXPECT_FALSE(files({"staff"}));
  EXPECT_FALSE(files({"information_manager"}));
  EXPECT_FALSE(files({"system_owner"}));
  EXPECT_EQ(pack->Cite(t->filed_by.clause), "kobe:8.1.4");
  // No other Kobe type has two approvers: the standard asks for a second permission only here.
  for (const auto& other : pack->request_types)
    if (other.id != "info_exchange") {
      EXPECT_EQ(other.approvers.size(), 1u) << other.id;
    }
}

}  // namespace mamori::policy
