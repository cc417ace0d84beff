// `mamori demo`: a fictional city with bureaus, sections and someone in every role, so a new
// reader can sign in as each kind of user at once.
#include "cli/demo.hpp"

#include <iostream>

#include "audit/actions.hpp"
#include "auth/password_rules.hpp"
#include "domain/auth_service.hpp"
#include "domain/directory_service.hpp"
#include "domain/request_service.hpp"
#include "storage/repos.hpp"

namespace mamori::cli {
namespace {

struct DemoUnit {
  const char* code;
  const char* name;
  const char* kind;
  const char* parent;  // code; "city" for the root
};

// A fictional organisation; names are generic, not any real city's.
constexpr DemoUnit kUnits[] = {
    {"plan", "企画調整局", "bureau", "city"},
    {"plan-digital", "デジタル戦略部", "department", "plan"},
    {"plan-digital-sec", "情報セキュリティ課", "section", "plan-digital"},
    {"plan-digital-infra", "情報基盤課", "section", "plan-digital"},
    {"welfare", "福祉局", "bureau", "city"},
    {"welfare-pension", "保険年金課", "section", "welfare"},
    {"welfare-care", "介護保険課", "section", "welfare"},
    {"ward-chuo", "中央区", "bureau", "city"},
    {"ward-chuo-citizen", "市民課", "section", "ward-chuo"},
    {"audit", "監査事務局", "bureau", "city"},
    {"audit-sec", "監査課", "section", "audit"},
};

struct DemoPerson {
  const char* login;
  const char* name;
  const char* unit;
  const char* employment;
  const char* role;
  const char* scope_type;
  const char* scope_unit;  // code, "" for city scope
};

constexpr DemoPerson kPeople[] = {
    {"ciso", "山田 太郎", "plan", "regular", "ciso", "city", ""},
    {"director", "佐藤 花子", "plan-digital", "regular", "security_director", "city", ""},
    {"secmgr", "鈴木 一郎", "plan-digital-sec", "regular", "security_manager", "city", ""},
    {"infra", "高橋 次郎", "plan-digital-infra", "regular", "infrastructure_manager", "city", ""},
    {"officer", "田中 三郎", "welfare", "regular", "information_officer", "org_unit", "welfare"},
    {"manager", "伊藤 恵子", "welfare-pension", "regular", "information_manager", "org_unit", "welfare-pension"},
    {"sysowner", "渡辺 健", "welfare-pension", "regular", "system_owner", "org_unit", "welfare-pension"},
    {"sysadmin", "中村 誠", "plan-digital-infra", "regular", "system_admin", "org_unit", "plan-digital-infra"},
    {"auditdir", "小林 美穂", "audit", "regular", "audit_director", "city", ""},
    {"csirt", "加藤 翔", "plan-digital-sec", "regular", "csirt", "city", ""},
    {"auditor", "吉田 彩", "audit-sec", "regular", "auditor", "city", ""},
    {"staff", "山本 優", "welfare-pension", "fiscal_year", "staff", "org_unit", "welfare-pension"},
    {"staff2", "松本 陽菜", "ward-chuo-citizen", "regular", "staff", "org_unit", "ward-chuo-citizen"},
    {"vendor", "井上 大輔", "plan-digital-infra", "contractor", "contractor", "org_unit", "plan-digital-infra"},
};

// The actor of a demo person, with the roles they hold.
Result<domain::Actor> ActorOf(Runtime& rt, const std::string& login) {
  return rt.db->Read([&](storage::Connection& c) -> Result<domain::Actor> {
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).FindByLogin(login));
    if (!u) return Error::NotFound(login);
    domain::Actor a;
    a.user_id = u->id;
    a.login_id = u->login_id;
    a.address = "demo";
    MAMORI_ASSIGN(a.roles, storage::RoleRepo(c).ListForUser(u->id));
    return a;
  });
}

Result<std::string> OrgId(Runtime& rt, const std::string& code) {
  return rt.db->Read([&](storage::Connection& c) -> Result<std::string> {
    MAMORI_ASSIGN(auto u, storage::OrgRepo(c).FindByCode(code));
    if (!u) return Error::NotFound(code);
    return u->id;
  });
}

// Systems, assets and requests made through the same services people use, so the demo's
// operation log reads like a real city's.
Status AddDemoRecords(Runtime& rt) {
  auto& app = *rt.app;
  MAMORI_ASSIGN(auto infra, ActorOf(rt, "infra"));
  MAMORI_ASSIGN(auto manager, ActorOf(rt, "manager"));
  MAMORI_ASSIGN(auto staff, ActorOf(rt, "staff"));
  MAMORI_ASSIGN(std::string pension, OrgId(rt, "welfare-pension"));
  MAMORI_ASSIGN(std::string infra_unit, OrgId(rt, "plan-digital-infra"));
  const policy::RegisterSpec* systems = app.registers.Find("systems");
  if (!systems) return Error::Internal("the built-in system ledger is missing");
  MAMORI_ASSIGN(auto juki, app.registers.Create(infra, *systems,
                                                {{"name", "国民年金システム"},
                                                 {"owner_org_unit_id", pension},
                                                 {"network_zone", "mynumber"},
                                                 {"hosting", "on_premises"},
                                                 {"sla_availability", "99.9"},
                                                 {"rto_minutes", 240},
                                                 {"rpo_minutes", 60},
                                                 {"notes", "マイナンバー利用事務系の基幹業務"}}));
  MAMORI_TRY(app.registers.Create(infra, *systems,
                                  {{"name", "庁内ポータル"},
                                   {"owner_org_unit_id", infra_unit},
                                   {"network_zone", "lgwan"},
                                   {"hosting", "on_premises"},
                                   {"sla_availability", "99.5"},
                                   {"rto_minutes", 480},
                                   {"rpo_minutes", 1440}}));
  MAMORI_ASSIGN(auto ledger, app.assets.Create(manager, {"国民年金被保険者台帳", "electronic_data", pension, 3, 2, 2,
                                                         {"複製禁止"}, "基幹サーバ", juki.record.id}));
  MAMORI_ASSIGN(auto usb, app.assets.Create(manager, {"窓口用USBメモリ（暗号化）1号", "removable_medium", pension, 2, 1,
                                                      1, {}, "保険年金課 施錠キャビネット", ""}));
  MAMORI_ASSIGN(auto pc, app.assets.Create(manager, {"ノートPC 年金-07", "mobile_terminal", pension, 2, 2, 1,
                                                     {"持出禁止"}, "保険年金課", ""}));
  MAMORI_ASSIGN(auto leaflet, app.assets.Create(staff, {"年金制度案内（配布用）", "paper_document", pension, 1, 1, 1, {},
                                                        "窓口", ""}));
  (void)ledger;
  (void)pc;
  (void)leaflet;
  const std::string today = FormatDate(JstDate(rt.env->clock.NowMicros()));
  const std::string later = FormatDate(JstDate(rt.env->clock.NowMicros() + 3 * kMicrosPerDay));
  nlohmann::json take_out = {{"destination", "中央区役所 出張窓口"}, {"purpose", "年金相談会"}, {"period_from", today},
                             {"period_to", later}, {"carrier", "山本 優"}};
  // One waiting in the section chief's inbox, and one already approved (the medium is out).
  MAMORI_TRY(app.requests.Create(staff, {"take_out", {usb.id}, take_out}));
  nlohmann::json remote = {{"place", "自宅"},         {"public_place", false},       {"personal_data", false},
                           {"bulk_or_sensitive_personal_data", false}, {"remote_access", "lgwan"},
                           {"period_from", today},      {"period_to", later}};
  MAMORI_ASSIGN(auto rw, app.requests.Create(staff, {"remote_work", {}, remote}));
  MAMORI_TRY(app.requests.Approve(manager, rw.request.id, "承認します"));
  return Ok();
}

}  // namespace

Result<std::vector<DemoLogin>> BuildDemoCity(Runtime& rt) {
  domain::DirectoryService dir(*rt.env);
  const auto rules = domain::RulesOf(rt.pack.auth.password);
  std::vector<DemoLogin> logins;
  MAMORI_TRY(rt.db->Write([&](storage::Connection& c) -> Status {
    storage::MetaRepo meta(c);
    MAMORI_ASSIGN(auto done, meta.Get("demo"));
    if (done) return Error::Conflict("デモの市は既に作成されています");
    storage::OrgRepo orgs(c);
    std::map<std::string, std::string> ids;
    MAMORI_ASSIGN(auto city, orgs.FindByCode("city"));
    if (!city) return Error::Internal("city root missing");
    ids["city"] = city->id;
    for (const DemoUnit& u : kUnits) {
      storage::OrgUnitRecord r{domain::NewId(), u.code, u.name, u.kind, ids[u.parent], "", "", rt.env->clock.NowMicros()};
      MAMORI_TRY(orgs.Insert(r));
      audit::Event e;
      e.actor = e.actor_login = "system";
      e.action = audit::action::kOrgCreate;
      e.target = "org_unit:" + r.id;
      e.detail = {{"code", r.code}, {"name", r.name}, {"kind", r.kind}};
      MAMORI_TRY(rt.log->Record(c, e));
      ids[u.code] = r.id;
    }
    const std::string expiry = FormatDate(JstDate(rt.env->clock.NowMicros() + 365 * kMicrosPerDay));
    for (const DemoPerson& p : kPeople) {
      const std::string password = auth::GenerateTemporaryPassword(rules, p.login);
      const bool limited = std::string(p.employment) == "contractor";
      MAMORI_ASSIGN(auto created, dir.CreateUserAsSystem(
                                      c, {p.login, p.name, ids[p.unit], p.employment, limited ? expiry : ""}, password));
      MAMORI_TRY(AssignAsSystem(c, rt, created.user.id, p.role, p.scope_type, p.scope_unit[0] ? ids[p.scope_unit] : ""));
      logins.push_back({p.login, p.name, p.role, password});
    }
    return meta.Set("demo", "1");
  }));
  MAMORI_TRY(AddDemoRecords(rt));
  return logins;
}

}  // namespace mamori::cli
