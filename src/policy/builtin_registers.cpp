// mamori's built-in registers: registers the engine itself reads, so they exist whatever the
// pack (docs/registers.md「組み込みの台帳」). Each is described in the same format as a pack's
// register and loaded by the same parser; only what no pack may set (the table that predates
// the kit, its plain column names, the records being systems) is set here in C++.
#include "policy/pack_checker.hpp"

namespace mamori::policy {
namespace {

// The information system ledger (the clause the pack names as clauses.system_ledger; Kobe:
// 8.3.1ウ, the security manager keeps a ledger of every information system). Asset validation,
// the rules' asset.system.* and roles scoped to a system read it, so its fields are the
// engine's. The network zones are the three-tier model every Japanese municipality uses.
constexpr const char* kSystemsYaml = R"YAML(
systems:
  title: 情報システム台帳
  title_en: Information system ledger
  path: systems
  log_prefix: system
  permissions: {read: systems.read, manage: systems.manage}
  scope: {owner_unit: owner_org_unit_id}
  order_by: name
  visible_to_parties: false
  fields:
    name: {label: システム名, label_en: System name, type: text, required: true, max_length: 100, list: true,
           search: true}
    owner_org_unit_id: {label: 所管, label_en: Owner section, type: org_unit, required: true, filter: true,
                        list: true}
    network_zone:
      label: ネットワーク
      label_en: Network zone
      type: choice
      required: true
      filter: true
      list: true
      choices:
        - {id: mynumber, label: マイナンバー利用事務系, label_en: Individual number (My Number) segment,
           help: 個人番号を扱う事務の系統。他の系統から分離します, help_en: Work handling individual numbers; kept apart from the other segments}
        - {id: lgwan, label: LGWAN接続系, label_en: LGWAN-connected segment,
           help: 庁内の業務と総合行政ネットワーク（LGWAN）の系統, help_en: Internal work and the LGWAN}
        - {id: internet, label: インターネット接続系, label_en: Internet-connected segment,
           help: インターネットに接続する系統, help_en: Connected to the Internet}
        - {id: other, label: その他, label_en: Other}
    hosting:
      label: 設置形態
      label_en: Hosting
      type: choice
      required: true
      filter: true
      list: true
      choices:
        - {id: on_premises, label: 庁内設置（オンプレミス）, label_en: On premises}
        - {id: cloud, label: クラウド, label_en: Cloud}
        - {id: external_service, label: 外部サービス, label_en: External service}
    sla_availability: {label: 稼働率（％）, label_en: Availability (%), type: decimal, min: 0, max: 100, scale: 3,
                       list: true, help: 例：99.9, help_en: "e.g. 99.9"}
    rto_minutes: {label: 目標復旧時間 RTO（分）, label_en: Recovery time objective (minutes), type: int, min: 0,
                  max: 525600, list: true}
    rpo_minutes: {label: 目標復旧時点 RPO（分）, label_en: Recovery point objective (minutes), type: int, min: 0,
                  max: 525600, list: true}
    system_owner_user_id: {label: 業務システム責任者, label_en: System owner, type: user}
    system_admin_user_id: {label: 業務システム管理者, label_en: System administrator, type: user}
    notes: {label: 備考, label_en: Notes, type: long_text, max_length: 2000}
)YAML";

}  // namespace

void ParseBuiltinRegisters(Checker& c, PolicyPack& pack) {
  const YAML::Node root = YAML::Load(kSystemsYaml);
  ParseRegisters(c, root, pack, /*builtin=*/true);
  if (RegisterSpec* systems = const_cast<RegisterSpec*>(pack.FindRegister("systems"))) {
    systems->table = "information_systems";
    systems->column_prefix = "";
    systems->self_system = true;
    systems->clause = pack.clauses.count("system_ledger") ? pack.clauses.at("system_ledger") : "";
  }
}

}  // namespace mamori::policy
