// Attachments on register records (docs/registers.md, "Attachments"): upload as the raw request
// body with the file's name in `?name=`, list, download and withdraw. The route names the
// register; the handlers call domain::AttachmentService and answer API v1 JSON or the file.
#include "api/attachment_views.hpp"
#include "api/handlers.hpp"
#include "common/json_input.hpp"

namespace mamori::api {
namespace {

using json = nlohmann::json;

const policy::RegisterSpec* SpecOf(App& app, Call& call) { return app.registers.Find(call.req.params["register"]); }

Response Missing(const std::string& what) { return Response::Problem(Error::NotFound(what)); }

// Percent-encodes a UTF-8 file name for Content-Disposition's filename* (RFC 6266, RFC 5987).
std::string Rfc5987(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

// An ASCII stand-in for old clients: every other byte becomes '_'.
std::string AsciiName(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) out += (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') ? static_cast<char>(ch) : '_';
  return out;
}

}  // namespace

Response AddAttachment(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r || !r->attachments) return Missing("台帳");
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Missing(r->title);
  return Answer(app.attachments.Add(call.actor(), *r, id, QueryParam(call.req, "name"), call.req.body),
                [&](const domain::AttachmentView& v) { return Response::Json(201, AttachmentJson(v, *r)); });
}

Response ListAttachments(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r || !r->attachments) return Missing("台帳");
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Missing(r->title);
  return Answer(app.attachments.List(call.actor(), *r, id), [&](const std::vector<domain::AttachmentView>& views) {
    json items = json::array();
    for (const auto& v : views) items.push_back(AttachmentJson(v, *r));
    return Response::Json(200, ListJson(std::move(items), static_cast<int64_t>(views.size())));
  });
}

Response GetAttachment(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r || !r->attachments) return Missing("台帳");
  const std::string& id = call.req.params["id"];
  const std::string& attachment_id = call.req.params["attachment_id"];
  if (!ValidId(id)) return Missing(r->title);
  if (!ValidId(attachment_id)) return Missing("添付ファイル");
  return Answer(app.attachments.Read(call.actor(), *r, id, attachment_id), [](const domain::AttachmentFile& f) {
    Response resp = Response::Text(200, f.bytes, f.media_type);
    // Always a download, never shown inline: an uploaded file is not the app's own content.
    resp.SetHeader("Content-Disposition",
                   "attachment; filename=\"" + AsciiName(f.file_name) + "\"; filename*=UTF-8''" + Rfc5987(f.file_name));
    resp.SetHeader("Cache-Control", "no-store");
    resp.SetHeader("X-Content-SHA256", f.sha256);
    return resp;
  });
}

Response WithdrawAttachment(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r || !r->attachments) return Missing("台帳");
  const std::string& id = call.req.params["id"];
  const std::string& attachment_id = call.req.params["attachment_id"];
  if (!ValidId(id)) return Missing(r->title);
  if (!ValidId(attachment_id)) return Missing("添付ファイル");
  auto in = JsonInput::Parse(call.req.body.empty() ? std::string("{}") : call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  // Length and presence are the service's to judge (its refusals are logged); here the type.
  auto note = in->String("note", false, {0, 100000, true});
  in->RejectUnknown({"note"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  return Answer(app.attachments.Withdraw(call.actor(), *r, id, attachment_id, note.value_or("")),
                [&](const domain::AttachmentView& v) { return Response::Json(200, AttachmentJson(v, *r)); });
}

}  // namespace mamori::api
