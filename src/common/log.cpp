#include "common/log.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include "common/crypto.hpp"

namespace mamori::log {
namespace {

thread_local std::string t_request_id;
thread_local const nlohmann::json* t_fields = nullptr;

std::string Rfc3339Millis(std::chrono::system_clock::time_point tp) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string_view Payload(const spdlog::details::log_msg& msg) { return {msg.payload.data(), msg.payload.size()}; }

void Append(spdlog::memory_buf_t& dest, std::string_view s) { dest.append(s.data(), s.data() + s.size()); }

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    Append(dest, JsonLine(Rfc3339Millis(msg.time), {level.data(), level.size()}, Payload(msg), t_request_id,
                          t_fields));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

class TextFormatter final : public spdlog::formatter {
 public:
  TextFormatter() : base_("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v", spdlog::pattern_time_type::local, "") {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    base_.format(msg, dest);
    if (t_fields) {
      for (const auto& [k, v] : t_fields->items())
        Append(dest, " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    }
    if (!t_request_id.empty()) Append(dest, " request_id=" + t_request_id);
    Append(dest, "\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextFormatter>(); }

 private:
  spdlog::pattern_formatter base_;
};

}  // namespace

Result<Format> ParseFormat(std::string_view name) {
  if (name == "json") return Format::kJson;
  if (name == "text") return Format::kText;
  if (name == "auto") return isatty(STDOUT_FILENO) ? Format::kText : Format::kJson;
  return Error::Validation("log_format", "invalid", "log_format は json、text、auto のいずれかです");
}

void SetFormat(Format format) {
  if (format == Format::kJson) {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::set_formatter(std::make_unique<TextFormatter>());
  }
}

RequestScope::RequestScope(std::string request_id) { t_request_id = std::move(request_id); }
RequestScope::~RequestScope() { t_request_id.clear(); }

const std::string& CurrentRequestId() { return t_request_id; }

std::string NewRequestId() { return crypto::HexEncode(crypto::RandomBytes(16)); }

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

void Info(std::string_view message, const nlohmann::json& fields) {
  t_fields = &fields;
  struct Reset {
    ~Reset() { t_fields = nullptr; }
  } reset;
  spdlog::info("{}", message);
}

std::string JsonLine(std::string_view time, std::string_view level, std::string_view message,
                     std::string_view request_id, const nlohmann::json* fields) {
  nlohmann::ordered_json line;
  line["time"] = time;
  line["level"] = level;
  line["msg"] = message;
  if (!request_id.empty()) line["request_id"] = request_id;
  if (fields) {
    for (const auto& [k, v] : fields->items()) {
      if (!line.contains(k)) line[k] = v;
    }
  }
  // Messages may quote what a client sent: bytes that are not UTF-8 are replaced, never dropped
  // with the whole line.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace mamori::log
