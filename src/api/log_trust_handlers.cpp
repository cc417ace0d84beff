// The operation log's trust edge: verification, the byte-exact export for outside verifiers,
// and the readiness and metrics answers that report the chain's state.
#include "api/handlers.hpp"
#include "common/crypto.hpp"

namespace mamori::api {
namespace {

// RFC 4180 quoting only: a verifier needs the stored bytes, so no formula defusing here.
std::string Quote(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string Row(std::initializer_list<std::string> cells) {
  std::string out;
  for (const auto& c : cells) out += (out.empty() ? "" : ",") + Quote(c);
  return out + "\r\n";
}

}  // namespace

Response VerifyAuditLog(App& app, Call& call) {
  return Answer(app.logs.Verify(call.actor()), [](const audit::VerifyReport& r) {
    nlohmann::json body = {{"ok", r.ok},
                           {"entries", r.entries},
                           {"checkpoints", r.checkpoints},
                           {"key_id", r.key_id},
                           {"last_witnessed_seq", r.last_witnessed_seq}};
    if (r.ok) {
      body["head"] = r.head;
    } else {
      body["first_bad_seq"] = r.first_bad_seq;
      body["reason"] = r.reason;
    }
    return Response::Json(200, body);
  });
}

// GET /api/v1/audit-log/chain?format=jsonl|csv&from_seq=N: the chain from N (default 1, at
// most 500,000 entries) with its checkpoints, head and public key.
Response ExportAuditChain(App& app, Call& call) {
  auto get = [&](const char* k) {
    auto it = call.req.query.find(k);
    return it == call.req.query.end() ? std::string() : it->second;
  };
  const std::string format = get("format").empty() ? "jsonl" : get("format");
  if (format != "jsonl" && format != "csv") return Response::Problem(Error::Validation("format", "not_allowed"));
  int64_t from_seq = 1;
  if (const std::string f = get("from_seq"); !f.empty()) {
    if (f.size() > 18 || f.find_first_not_of("0123456789") != std::string::npos || std::stoll(f) < 1)
      return Response::Problem(Error::Validation("from_seq", "invalid"));
    from_seq = std::stoll(f);
  }
  constexpr int64_t kMaxEntries = 500000;
  return Answer(app.logs.ExportChain(call.actor(), from_seq, kMaxEntries, format), [&](const domain::ChainExport& x) {
    std::string out;
    const std::string fingerprint = "sha256:" + crypto::Sha256Hex(x.public_pem);
    if (format == "jsonl") {
      auto line = [&](const nlohmann::json& j) {
        out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out += "\n";
      };
      line({{"type", "key"}, {"key_id", x.key_id}, {"fingerprint", fingerprint}, {"public_key_pem", x.public_pem}});
      for (const auto& e : x.entries)
        line({{"type", "entry"},     {"seq", e.seq},         {"at_us", e.at},          {"actor", e.actor},
              {"actor_login", e.actor_login}, {"session", e.session}, {"address", e.address}, {"action", e.action},
              {"target", e.target},  {"result", e.result},   {"clause", e.clause},     {"detail", e.detail},
              {"prev_hash", e.prev_hash}, {"hash", e.hash}});
      for (const auto& c : x.checkpoints)
        line({{"type", "checkpoint"}, {"seq", c.seq}, {"hash", c.hash}, {"prev_seq", c.prev_seq}, {"at_us", c.at},
              {"key_id", c.key_id}, {"signature", c.signature}});
      line({{"type", "head"}, {"seq", x.head_seq}, {"hash", x.head_hash}, {"exported_at_us", x.exported_at}});
      Response r = Response::Text(200, std::move(out), "application/jsonl; charset=utf-8");
      r.SetHeader("Content-Disposition", "attachment; filename=\"operation-log-chain.jsonl\"");
      return r;
    }
    out = Row({"type", "seq", "at_us", "actor", "actor_login", "session", "address", "action", "target", "result",
               "clause", "detail", "prev_hash", "hash", "prev_seq", "key_id", "signature"});
    for (const auto& e : x.entries)
      out += Row({"entry", std::to_string(e.seq), std::to_string(e.at), e.actor, e.actor_login, e.session, e.address,
                  e.action, e.target, e.result, e.clause, e.detail, e.prev_hash, e.hash, "", "", ""});
    for (const auto& c : x.checkpoints)
      out += Row({"checkpoint", std::to_string(c.seq), std::to_string(c.at), "", "", "", "", "", "", "", "", "", "",
                  c.hash, std::to_string(c.prev_seq), c.key_id, c.signature});
    out += Row({"head", std::to_string(x.head_seq), std::to_string(x.exported_at), "", "", "", "", "", "", "", "", "", "",
                x.head_hash, "", x.key_id, fingerprint});
    Response r = Response::Text(200, std::move(out), "text/csv; charset=utf-8");
    r.SetHeader("Content-Disposition", "attachment; filename=\"operation-log-chain.csv\"");
    return r;
  });
}

Response Readyz(App& app, Call&) {
  return Answer(app.health.Ready(), [](const domain::LogHealth& h) {
    return Response::Json(200, {{"status", "ready"},
                                {"log", {{"checked", h.checked}, {"ok", h.ok}, {"verified_seq", h.verified_seq}}}});
  });
}

Response MetricsText(App& app, Call& call) {
  // Prometheus sends the configured token (bearer_token_file); anything else learns nothing.
  if (app.metrics_token.empty()) return Response::Problem(Error::NotFound("メトリクス"));
  const std::string auth = call.req.Header("authorization");
  const std::string prefix = "Bearer ";
  if (auth.size() <= prefix.size() || auth.compare(0, prefix.size(), prefix) != 0 ||
      !crypto::ConstantTimeEqual(auth.substr(prefix.size()), app.metrics_token)) {
    Response r = Response::Problem(
        Error{ErrorCode::kUnauthenticated, "メトリクスには設定の metrics_token を Bearer トークンとして送ってください", {}, {}});
    r.SetHeader("WWW-Authenticate", "Bearer realm=\"mamori-metrics\"");
    return r;
  }
  std::string extra;
  const auto gauges = app.health.Gauges();
  if (gauges.ok()) {
    extra += "# HELP mamori_locked_accounts Accounts locked out now.\n# TYPE mamori_locked_accounts gauge\n";
    extra += "mamori_locked_accounts " + std::to_string(gauges->locked_accounts) + "\n";
    extra += "# HELP mamori_operation_log_head_seq Sequence number of the newest operation-log entry.\n";
    extra += "# TYPE mamori_operation_log_head_seq gauge\nmamori_operation_log_head_seq " +
             std::to_string(gauges->log_head_seq) + "\n";
  }
  const domain::LogHealth h = app.logs.Health();
  auto gauge = [&](const char* name, const char* help, int64_t v, const char* type = "gauge") {
    extra += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
             std::to_string(v) + "\n";
  };
  gauge("mamori_log_chain_ok", "1 while the operation log's last verification found it intact (or none has run yet).",
        h.ok ? 1 : 0);
  gauge("mamori_log_chain_checked", "1 once a verification has finished since start.", h.checked ? 1 : 0);
  gauge("mamori_log_verified_seq", "The last operation-log entry the last verification found good.", h.verified_seq);
  gauge("mamori_log_first_bad_seq", "First bad entry the last verification found (0: none).", h.first_bad_seq);
  gauge("mamori_log_last_witnessed_seq", "Newest head the witness holds, as the last verification read it.",
        h.last_witnessed_seq);
  gauge("mamori_log_verified_timestamp_seconds", "When the last verification finished.", h.checked_at / 1'000'000);
  gauge("mamori_log_witness_heads_written_total", "Signed heads this process wrote to the witness.",
        app.logs.WitnessWritten(), "counter");
  gauge("mamori_log_witness_failures_total", "Witness writes that failed.", app.logs.WitnessFailures(), "counter");
  return Response::Text(200, app.metrics.Render(extra), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace mamori::api
