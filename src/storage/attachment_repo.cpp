#include "storage/attachment_repo.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_ATTACHMENT_META                                                                    \
  "id, register, record_id, file_name, media_type, size_bytes, sha256, created_by, created_at, " \
  "withdrawn_at, withdrawn_by, withdrawn_note"

constexpr std::string_view kInsert =
    "INSERT INTO register_attachments (" MAMORI_ATTACHMENT_META ", content) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kGet =
    "SELECT " MAMORI_ATTACHMENT_META ", content FROM register_attachments "
    "WHERE id = ? AND register = ? AND record_id = ?";
constexpr std::string_view kList =
    "SELECT " MAMORI_ATTACHMENT_META " FROM register_attachments "
    "WHERE register = ? AND record_id = ? ORDER BY created_at, id";
constexpr std::string_view kCount =
    "SELECT COUNT(*) FROM register_attachments WHERE register = ? AND record_id = ?";
constexpr std::string_view kWithdraw =
    "UPDATE register_attachments SET withdrawn_at = ?, withdrawn_by = ?, withdrawn_note = ? "
    "WHERE id = ? AND withdrawn_at IS NULL";

AttachmentRecord Read(const Row& r, bool with_content) {
  return AttachmentRecord{
      .id = r.Str(0),
      .register_id = r.Str(1),
      .record_id = r.Str(2),
      .file_name = r.Str(3),
      .media_type = r.Str(4),
      .size_bytes = r.Int(5),
      .sha256 = r.Str(6),
      .content = with_content ? r.Str(12) : std::string(),
      .created_by = r.Str(7),
      .created_at = r.Int(8),
      .withdrawn_at = r.IsNull(9) ? 0 : r.Int(9),
      .withdrawn_by = r.Str(10),
      .withdrawn_note = r.Str(11),
  };
}

}  // namespace

Status AttachmentRepo::Insert(const AttachmentRecord& a) {
  auto r = c_.Execute(kInsert, {a.id, a.register_id, a.record_id, a.file_name, a.media_type, a.size_bytes, a.sha256,
                                a.created_by, a.created_at, NullableInt(a.withdrawn_at, a.withdrawn_at != 0),
                                Nullable(a.withdrawn_by), Nullable(a.withdrawn_note), a.content});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::optional<AttachmentRecord>> AttachmentRepo::Get(const std::string& register_id,
                                                            const std::string& record_id, const std::string& id) {
  std::optional<AttachmentRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id, register_id, record_id}, [&](const Row& r) { out = Read(r, true); }));
  return out;
}

Result<std::vector<AttachmentRecord>> AttachmentRepo::ListForRecord(const std::string& register_id,
                                                                    const std::string& record_id) {
  std::vector<AttachmentRecord> out;
  MAMORI_TRY(c_.Query(kList, {register_id, record_id}, [&](const Row& r) { out.push_back(Read(r, false)); }));
  return out;
}

Result<int64_t> AttachmentRepo::CountForRecord(const std::string& register_id, const std::string& record_id) {
  return c_.QueryInt(kCount, {register_id, record_id}, 0);
}

Result<int64_t> AttachmentRepo::MarkWithdrawn(const std::string& id, int64_t at, const std::string& by,
                                              const std::string& note) {
  return c_.Execute(kWithdraw, {at, by, note, id});
}

}  // namespace mamori::storage
