// The schemas of api/openapi_schemas.cpp against the views that write the answers: each view's
// output must match its schema exactly (no key missing, none extra, the types), so the document
// cannot drift from the JSON the server sends. tests/e2e/openapi.mjs checks the same with ajv on
// a running server, for the answers built inside handlers.
#include "api/openapi_schemas.hpp"

#include <cstdlib>
#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "api/register_views.hpp"
#include "api/views.hpp"
#include "common/json_input.hpp"

namespace mamori::api {
namespace {

using nlohmann::json;

// A checker for the subset of JSON Schema the document uses: type (one or a list), enum, const,
// required, properties, additionalProperties (false or a schema), items, oneOf, $ref into the
// components, minimum, maximum, minLength, maxLength. Answers the first mismatch ("" when none).
class Checker {
 public:
  explicit Checker(json schemas) : schemas_(std::move(schemas)) {}

  std::string Check(const json& value, const std::string& schema_name) const {
    return Check(value, Ref(schema_name), "");
  }

 private:
  static json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

  static bool HasType(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
  }

  std::string Check(const json& v, const json& s, const std::string& at) const {
    if (s.contains("$ref")) {
      const std::string ref = s["$ref"];
      const std::string name = ref.substr(ref.rfind('/') + 1);
      if (!schemas_.contains(name)) return at + ": $ref " + ref + " does not resolve";
      return Check(v, schemas_[name], at);
    }
    if (s.contains("oneOf")) {
      int matched = 0;
      for (const auto& alt : s["oneOf"])
        if (Check(v, alt, at).empty()) ++matched;
      return matched == 1 ? "" : at + ": matches " + std::to_string(matched) + " of oneOf";
    }
    if (s.contains("type")) {
      bool ok = false;
      for (const auto& t : s["type"].is_array() ? s["type"] : json::array({s["type"]})) ok = ok || HasType(v, t);
      if (!ok) return at + ": " + v.dump() + " is not " + s["type"].dump();
    }
    if (s.contains("const") && v != s["const"]) return at + ": not " + s["const"].dump();
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end())
      return at + ": " + v.dump() + " not in " + s["enum"].dump();
    if (v.is_number() && s.contains("minimum") && v.get<double>() < s["minimum"].get<double>()) return at + ": below minimum";
    if (v.is_number() && s.contains("maximum") && v.get<double>() > s["maximum"].get<double>()) return at + ": above maximum";
    if (v.is_string() && s.contains("maxLength") && Utf8Length(v.get<std::string>()) > s["maxLength"].get<size_t>())
      return at + ": too long";
    if (v.is_string() && s.contains("minLength") && Utf8Length(v.get<std::string>()) < s["minLength"].get<size_t>())
      return at + ": too short";
    if (v.is_array() && s.contains("items"))
      for (size_t i = 0; i < v.size(); ++i)
        if (auto e = Check(v[i], s["items"], at + "/" + std::to_string(i)); !e.empty()) return e;
    if (v.is_object()) {
      for (const auto& k : s.value("required", json::array()))
        if (!v.contains(k.get<std::string>())) return at + ": required key " + k.get<std::string>() + " is missing";
      const json props = s.value("properties", json::object());
      for (const auto& [k, item] : v.items()) {
        if (props.contains(k)) {
          if (auto e = Check(item, props[k], at + "/" + k); !e.empty()) return e;
        } else if (s.contains("additionalProperties")) {
          const json& extra = s["additionalProperties"];
          if (extra.is_boolean() && !extra.get<bool>()) return at + ": key " + k + " is not in the schema";
          if (extra.is_object())
            if (auto e = Check(item, extra, at + "/" + k); !e.empty()) return e;
        }
      }
    }
    return "";
  }

  json schemas_;
};

const policy::PolicyPack& Pack(const std::string& rel) {
  static std::map<std::string, policy::PolicyPack> loaded;
  if (!loaded.count(rel)) {
    const char* src = std::getenv("MAMORI_SOURCE_DIR");
    auto pack = policy::LoadPackFile(std::string(src ? src : ".") + "/" + rel);
    EXPECT_TRUE(pack.ok()) << (pack.ok() ? "" : pack.error().detail);
    loaded[rel] = pack.ok() ? *pack : policy::PolicyPack{};
  }
  return loaded[rel];
}
const policy::PolicyPack& Kobe() { return Pack("policy/kobe.yaml"); }

constexpr int64_t kNow = 1'780'000'000'000'000;  // 2026-05-28

storage::UserRecord AUser() {
  storage::UserRecord u;
  u.id = std::string(32, 'a');
  u.login_id = "sato";
  u.name = "佐藤 一郎";
  u.org_unit_id = std::string(32, 'b');
  u.employment_type = "regular";
  u.status = "active";
  u.created_at = kNow - 1000;
  u.version = 3;
  return u;
}

TEST(OpenApiSchemas, TheCheckerFailsOnAnExtraKeyAMissingKeyAndAWrongType) {
  const Checker c(ResourceSchemas(Kobe()));
  json user = UserJson(AUser(), kNow, "2026-05-28");
  ASSERT_EQ(c.Check(user, "User"), "");
  json extra = user;
  extra["surprise"] = 1;
  EXPECT_NE(c.Check(extra, "User").find("surprise"), std::string::npos);
  json missing = user;
  missing.erase("status");
  EXPECT_NE(c.Check(missing, "User").find("status"), std::string::npos);
  json wrong = user;
  wrong["version"] = "3";
  EXPECT_NE(c.Check(wrong, "User"), "");
  wrong = user;
  wrong["employment_type"] = "astronaut";
  EXPECT_NE(c.Check(wrong, "User"), "");
}

TEST(OpenApiSchemas, AUserAnswersItsSchemaFreshAndWithEveryOptionalValueSet) {
  const Checker c(ResourceSchemas(Kobe()));
  EXPECT_EQ(c.Check(UserJson(AUser(), kNow, "2026-05-28"), "User"), "");
  storage::UserRecord u = AUser();
  u.expires_on = "2026-03-31";
  u.email = "sato@example.jp";
  u.last_login_at = kNow - 50;
  u.last_login_address = "192.0.2.1";
  u.totp_secret = "secret";
  u.password_changed_at = kNow - 60;
  u.locked_until = kNow + 600;
  u.deleted_at = kNow - 1;
  u.status = "deleted";
  const json j = UserJson(u, kNow, "2026-05-28");
  EXPECT_EQ(c.Check(j, "User"), "");
  EXPECT_NE(c.Check(j, "UserList"), "") << "a bare user must not pass for a list";
}

TEST(OpenApiSchemas, AnOrgUnitWithAndWithoutParentAnswersItsSchema) {
  const Checker c(ResourceSchemas(Kobe()));
  storage::OrgUnitRecord city;
  city.id = "c1";
  city.code = "kobe";
  city.name = "神戸市";
  city.kind = "city";
  EXPECT_EQ(c.Check(OrgUnitJson(city), "OrgUnit"), "");
  storage::OrgUnitRecord section = city;
  section.kind = "section";
  section.parent_id = "b1";
  section.created_at = kNow;
  EXPECT_EQ(c.Check(OrgUnitJson(section), "OrgUnit"), "");
  EXPECT_EQ(c.Check({{"items", {OrgUnitJson(city), OrgUnitJson(section)}}, {"total", 2}}, "OrgUnitList"), "");
}

TEST(OpenApiSchemas, ARoleAssignmentOfEachKobeRoleAnswersItsSchema) {
  const Checker c(ResourceSchemas(Kobe()));
  for (const auto& role : Kobe().roles) {
    storage::RoleAssignmentRecord r;
    r.id = "r1";
    r.user_id = "u1";
    r.role = role.id;
    r.scope_type = role.scopes.empty() ? "city" : role.scopes.front();
    r.scope_id = r.scope_type == "city" ? "" : "s1";
    r.valid_from = "2026-04-01";
    r.created_at = kNow;
    EXPECT_EQ(c.Check(RoleJson(r, Kobe(), {{"s1", "情報推進課"}}), "RoleAssignment"), "") << role.id;
  }
}

TEST(OpenApiSchemas, ALogEntryAnswersItsSchemaInTheHistoryFormAndTheLogPageForm) {
  const Checker c(ResourceSchemas(Kobe()));
  storage::LogEntryRecord e;
  e.seq = 7;
  e.at = kNow;
  e.actor = "u1";
  e.actor_login = "sato";
  e.session = "s1";
  e.action = "asset.update";
  e.target = "asset:a1";
  e.result = "success";
  e.address = "192.0.2.1";
  e.clause = "kobe:8.1.1";
  e.detail = R"({"name":["a","b"]})";
  e.prev_hash = "00";
  e.hash = "11";
  EXPECT_EQ(c.Check(LogEntryJson(e), "LogEntry"), "");
  domain::LogEntryView v;
  v.entry = e;
  v.actor_name = "佐藤 一郎";
  v.target_type = "asset";
  v.target_id = "a1";
  v.target_label = "住民記録";
  v.refs["org_unit:o1"] = std::nullopt;
  v.refs["user:u1"] = "佐藤 一郎";
  EXPECT_EQ(c.Check(LogEntryJson(v), "LogEntry"), "");
  v.detail_withheld = true;
  v.target_hidden = true;
  v.target_type.clear();
  EXPECT_EQ(c.Check(LogEntryJson(v), "LogEntry"), "");
}

TEST(OpenApiSchemas, ThePolicyOfKobeAndOfTheSecondTownAnswersItsSchema) {
  for (const char* rel : {"policy/kobe.yaml", "tests/packs/sample_town.yaml"}) {
    const auto& pack = Pack(rel);
    const Checker c(ResourceSchemas(pack));
    EXPECT_EQ(c.Check(PolicyJson(pack), "Policy"), "") << rel;
  }
}

TEST(OpenApiSchemas, EveryRequestTypeAndRegisterFieldOfTheCatalogueAnswersItsSchema) {
  for (const char* rel : {"policy/kobe.yaml", "tests/packs/sample_town.yaml"}) {
    const auto& pack = Pack(rel);
    const Checker c(ResourceSchemas(pack));
    for (const auto& t : pack.request_types)
      EXPECT_EQ(c.Check(RequestTypeCatalogJson(t, pack), "RequestTypeSummary"), "") << rel << " " << t.id;
    for (const auto& r : pack.registers)
      for (const auto& f : r.fields) EXPECT_EQ(c.Check(FieldJson(f), "RegisterField"), "") << rel << " " << f.id;
  }
}

TEST(OpenApiSchemas, ASessionAnswerMatchesItsSchemaBeforeAndAfterThePreviousSignIn) {
  const Checker c(ResourceSchemas(Kobe()));
  domain::SessionState s;
  s.user = AUser();
  s.session.csrf_token = "t";
  s.session.expires_at = kNow + 3600'000'000;
  storage::RoleAssignmentRecord r;
  r.id = "r1";
  r.user_id = s.user.id;
  r.role = Kobe().roles.front().id;
  r.scope_type = "city";
  s.actor.roles.push_back(r);
  EXPECT_EQ(c.Check(SessionJson(s, Kobe(), kNow, "2026-05-28", {}), "Session"), "");
  s.session.prev_login_at = kNow - 86400'000'000;
  s.session.prev_login_address = "192.0.2.9";
  EXPECT_EQ(c.Check(SessionJson(s, Kobe(), kNow, "2026-05-28", {}), "Session"), "");
}

TEST(OpenApiSchemas, ANotificationReadOrUnreadWithOrWithoutALinkAnswersItsSchema) {
  const Checker c(ResourceSchemas(Kobe()));
  storage::NotificationRecord n{.id = "n1", .user_id = "u1", .created_at = kNow, .subject = "申請が届きました",
                                .body = "承認してください", .kind = "request_submitted"};
  EXPECT_EQ(c.Check(NotificationJson(n), "Notification"), "");
  n.link = "/requests/r1";
  n.target = "request:r1";
  n.read_at = kNow + 1;
  const json read = NotificationJson(n);
  EXPECT_EQ(c.Check(read, "Notification"), "");
  EXPECT_EQ(c.Check({{"items", {read}}, {"total", 1}, {"unread", 0}}, "NotificationList"), "");
  EXPECT_NE(c.Check({{"items", {read}}, {"total", 1}}, "NotificationList"), "") << "unread is always written";
}

TEST(OpenApiSchemas, EverySchemaAnOperationNamesExistsAndEveryRefResolves) {
  const json schemas = ResourceSchemas(Kobe());
  std::set<std::string> names;
  for (const auto& [name, _] : schemas.items()) names.insert(name);
  for (const auto& [key, op] : OperationSchemas()) {
    if (!op.body.empty()) {
      EXPECT_TRUE(names.count(op.body)) << key << " body " << op.body;
    }
    EXPECT_FALSE(op.answers.empty()) << key;
    for (const auto& a : op.answers)
      if (!a.schema.empty()) {
        EXPECT_TRUE(names.count(a.schema)) << key << " answer " << a.schema;
      }
  }
  std::function<void(const json&, const std::string&)> refs = [&](const json& node, const std::string& at) {
    if (node.is_object()) {
      for (const auto& [k, v] : node.items()) {
        if (k == "$ref") {
          const std::string ref = v;
          EXPECT_TRUE(names.count(ref.substr(ref.rfind('/') + 1))) << at << ": " << ref;
        } else {
          refs(v, at + "/" + k);
        }
      }
    } else if (node.is_array()) {
      for (const auto& v : node) refs(v, at);
    }
  };
  refs(schemas, "#/components/schemas");
}

}  // namespace
}  // namespace mamori::api
