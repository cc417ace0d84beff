#include "domain/register_attachments.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/crypto.hpp"
#include "common/json_input.hpp"

namespace mamori::domain {
namespace {

using policy::RegisterSpec;

constexpr size_t kMaxNameLength = 200;  // code points
constexpr size_t kMaxNoteLength = 1000;

std::string TargetOf(const RegisterSpec& r, const std::string& record_id) { return r.object + ":" + record_id; }
std::string Action(const RegisterSpec& r, const char* what) { return r.log_prefix + "." + what; }

std::string ClauseOf(const Env& env, const RegisterSpec& r) {
  return env.pack.Cite(r.attachments && !r.attachments->clause.empty() ? r.attachments->clause : r.clause);
}

// Rules of a register that takes files; a register without `attachments:` has none to show.
Result<const policy::AttachmentRules*> RulesOf(const RegisterSpec& r) {
  if (!r.attachments) return Error::NotFound("添付ファイル");
  return &*r.attachments;
}

bool HasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

Result<const policy::AttachmentType*> CheckAttachment(const policy::AttachmentRules& rules,
                                                     const std::string& file_name, const std::string& bytes) {
  if (static_cast<int64_t>(bytes.size()) > rules.max_bytes) {
    Error e{ErrorCode::kPayloadTooLarge,
            "ファイルが大きすぎます（上限 " + std::to_string(rules.max_bytes) + " バイト）", "", {{"file", "too_large"}}};
    e.detail_en = "The file is too large (at most " + std::to_string(rules.max_bytes) + " bytes)";
    return e;
  }
  std::vector<FieldError> errors;
  const policy::AttachmentType* type = nullptr;
  if (file_name.empty()) {
    errors.emplace_back("name", "required");
  } else if (!IsValidUtf8(file_name) || HasControl(file_name) || file_name.find_first_of("/\\") != std::string::npos ||
             file_name == "." || file_name == "..") {
    errors.emplace_back("name", "invalid_format");
  } else if (Utf8Length(file_name) > kMaxNameLength) {
    errors.emplace_back("name", "too_long");
  } else {
    const size_t dot = file_name.rfind('.');
    std::string ext = dot == std::string::npos ? std::string() : file_name.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (ext.empty() || dot == 0 || !rules.Allows(ext)) errors.emplace_back("name", "not_allowed");
    else type = policy::FindAttachmentType(ext);
  }
  if (bytes.empty()) errors.emplace_back("file", "required");
  else if (type && !type->magic.empty() && !std::string_view(bytes).starts_with(type->magic))
    errors.emplace_back("file", "type_mismatch");
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  return type;
}

void AttachmentService::Refused(const Actor& a, const RegisterSpec& r, const std::string& action,
                                const std::string& record_id, const Error& why, const std::string& call,
                                bool changing) {
  switch (why.code) {
    case ErrorCode::kInternal:
    case ErrorCode::kUnavailable:
      return;  // not a refusal: a fault, in the server's own log
    default: break;
  }
  if (IsRecordedRefusal(why.code, changing)) return;  // the pipeline writes it (routes name the action)
  audit::Event e = a.Event(action, TargetOf(r, record_id));
  e.detail = {{"problem", ErrorCodeName(why.code)}};
  if (!why.fields.empty()) {
    nlohmann::json fields = nlohmann::json::array();
    for (const auto& f : why.fields) fields.push_back({{"field", f.field}, {"code", f.code}});
    e.detail["errors"] = fields;
  }
  (void)refusals_.Record(std::move(e), why, call);
}

Result<std::vector<AttachmentView>> AttachmentService::Views(storage::Connection& c,
                                                            std::vector<storage::AttachmentRecord> rows) const {
  std::set<std::string> ids;
  for (const auto& row : rows) {
    ids.insert(row.created_by);
    if (!row.withdrawn_by.empty()) ids.insert(row.withdrawn_by);
  }
  std::map<std::string, std::string> names;
  if (!ids.empty()) {
    MAMORI_ASSIGN(auto users, storage::UserRepo(c).GetMany({ids.begin(), ids.end()}));
    for (const auto& u : users) names[u.id] = u.name;
  }
  std::vector<AttachmentView> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    MAMORI_ASSIGN(row.file_name, env_.sealer->Open(row.file_name, FieldPlace("attachment", row.id, "file_name")));
    row.content.clear();
    AttachmentView v{.row = std::move(row)};
    if (auto it = names.find(v.row.created_by); it != names.end()) v.created_by_name = it->second;
    if (auto it = names.find(v.row.withdrawn_by); it != names.end()) v.withdrawn_by_name = it->second;
    out.push_back(std::move(v));
  }
  return out;
}

Result<AttachmentView> AttachmentService::Add(const Actor& a, const RegisterSpec& r, const std::string& record_id,
                                              const std::string& file_name, const std::string& bytes) {
  const std::string sha = crypto::Sha256Hex(bytes);
  auto done = [&]() -> Result<AttachmentView> {
    MAMORI_ASSIGN(const policy::AttachmentRules* rules, RulesOf(r));
    return env_.db.Write([&](storage::Connection& c) -> Result<AttachmentView> {
      // Out of sight answers 404 before any limit is told.
      MAMORI_ASSIGN(auto seen, registers_.SeenIn(c, a, r, record_id));
      MAMORI_ASSIGN(const policy::AttachmentType* type, CheckAttachment(*rules, file_name, bytes));
      if (r.workflow && !seen.record.state.empty()) {
        const policy::StateDef* st = r.workflow->FindState(seen.record.state);
        if (st && st->final) return Error::Conflict("完了した記録にはファイルを添付できません");
      }
      storage::AttachmentRepo repo(c);
      MAMORI_ASSIGN(int64_t count, repo.CountForRecord(r.id, record_id));
      if (count >= rules->max_files) return Error::Validation("file", "too_many", "この記録に添付できるファイル数の上限です");
      storage::AttachmentRecord row{
          .id = NewId(),
          .register_id = r.id,
          .record_id = record_id,
          .media_type = std::string(type->media_type),
          .size_bytes = static_cast<int64_t>(bytes.size()),
          .sha256 = sha,
          .created_by = a.user_id,
          .created_at = env_.clock.NowMicros(),
      };
      MAMORI_ASSIGN(row.file_name, env_.sealer->Seal(file_name, FieldPlace("attachment", row.id, "file_name")));
      MAMORI_ASSIGN(row.content, env_.sealer->Seal(bytes, FieldPlace("attachment", row.id, "content")));
      MAMORI_TRY(repo.Insert(row));
      // The log holds the evidence's fingerprint, not its name (the name may be personal data;
      // it is sealed with the file).
      audit::Event e = a.Event(Action(r, "attachment_add"), TargetOf(r, record_id));
      e.detail = {{"attachment_id", row.id},
                  {"sha256", sha},
                  {"size", row.size_bytes},
                  {"media_type", row.media_type}};
      e.clause = ClauseOf(env_, r);
      MAMORI_TRY(env_.log.Record(c, e));
      MAMORI_ASSIGN(auto views, Views(c, {row}));
      return std::move(views.front());
    });
  }();
  if (!done.ok())
    Refused(a, r, Action(r, "attachment_add"), record_id, done.error(),
            crypto::Sha256Hex("add\n" + record_id + "\n" + file_name + "\n" + sha), true);
  return done;
}

Result<std::vector<AttachmentView>> AttachmentService::List(const Actor& a, const RegisterSpec& r,
                                                            const std::string& record_id) {
  MAMORI_TRY(RulesOf(r));
  return env_.db.Read([&](storage::Connection& c) -> Result<std::vector<AttachmentView>> {
    MAMORI_TRY(registers_.SeenIn(c, a, r, record_id));
    MAMORI_ASSIGN(auto rows, storage::AttachmentRepo(c).ListForRecord(r.id, record_id));
    return Views(c, std::move(rows));
  });
}

Result<AttachmentFile> AttachmentService::Read(const Actor& a, const RegisterSpec& r, const std::string& record_id,
                                               const std::string& attachment_id) {
  auto done = [&]() -> Result<AttachmentFile> {
    MAMORI_TRY(RulesOf(r));
    return env_.db.Write([&](storage::Connection& c) -> Result<AttachmentFile> {
      MAMORI_TRY(registers_.SeenIn(c, a, r, record_id));
      MAMORI_ASSIGN(auto found, storage::AttachmentRepo(c).Get(r.id, record_id, attachment_id));
      if (!found) return Error::NotFound("添付ファイル");
      AttachmentFile f{.media_type = found->media_type, .sha256 = found->sha256};
      MAMORI_ASSIGN(f.file_name, env_.sealer->Open(found->file_name, FieldPlace("attachment", found->id, "file_name")));
      MAMORI_ASSIGN(f.bytes, env_.sealer->Open(found->content, FieldPlace("attachment", found->id, "content")));
      // GCM already refuses altered ciphertext; the recorded hash also catches a row whose
      // plain columns were changed to match another file.
      if (crypto::Sha256Hex(f.bytes) != found->sha256 || static_cast<int64_t>(f.bytes.size()) != found->size_bytes)
        return Error::Internal("attachment " + found->id + " does not match its recorded SHA-256");
      audit::Event e = a.Event(Action(r, "attachment_read"), TargetOf(r, record_id));
      e.detail = {{"attachment_id", found->id}, {"sha256", found->sha256}};
      e.clause = ClauseOf(env_, r);
      MAMORI_TRY(env_.log.Record(c, e));
      return f;
    });
  }();
  if (!done.ok())
    Refused(a, r, Action(r, "attachment_read"), record_id, done.error(),
            crypto::Sha256Hex("read\n" + record_id + "\n" + attachment_id), false);
  return done;
}

Result<AttachmentView> AttachmentService::Withdraw(const Actor& a, const RegisterSpec& r, const std::string& record_id,
                                                   const std::string& attachment_id, const std::string& note) {
  auto done = [&]() -> Result<AttachmentView> {
    MAMORI_TRY(RulesOf(r));
    return env_.db.Write([&](storage::Connection& c) -> Result<AttachmentView> {
      MAMORI_ASSIGN(auto seen, registers_.SeenIn(c, a, r, record_id));
      storage::AttachmentRepo repo(c);
      MAMORI_ASSIGN(auto found, repo.Get(r.id, record_id, attachment_id));
      if (!found) return Error::NotFound("添付ファイル");
      if (found->created_by != a.user_id && !seen.manages)
        return Error::Forbidden("添付した本人か台帳の管理者だけが取り下げられます");
      if (note.empty()) return Error::Validation("note", "required", "取り下げの理由を記入してください");
      if (!IsValidUtf8(note)) return Error::Validation("note", "invalid_format");
      if (Utf8Length(note) > kMaxNoteLength) return Error::Validation("note", "too_long");
      if (found->withdrawn_at != 0) return Error::Conflict("この添付ファイルはすでに取り下げられています");
      const int64_t now = env_.clock.NowMicros();
      MAMORI_ASSIGN(int64_t changed, repo.MarkWithdrawn(found->id, now, a.user_id, note));
      if (changed != 1) return Error::Conflict("この添付ファイルはすでに取り下げられています");
      audit::Event e = a.Event(Action(r, "attachment_withdraw"), TargetOf(r, record_id));
      e.detail = {{"attachment_id", found->id}, {"sha256", found->sha256}, {"note", note}};
      e.clause = ClauseOf(env_, r);
      MAMORI_TRY(env_.log.Record(c, e));
      found->withdrawn_at = now;
      found->withdrawn_by = a.user_id;
      found->withdrawn_note = note;
      MAMORI_ASSIGN(auto views, Views(c, {*found}));
      return std::move(views.front());
    });
  }();
  if (!done.ok())
    Refused(a, r, Action(r, "attachment_withdraw"), record_id, done.error(),
            crypto::Sha256Hex("withdraw\n" + record_id + "\n" + attachment_id + "\n" + note), true);
  return done;
}

}  // namespace mamori::domain
