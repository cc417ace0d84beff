#include "api/request.hpp"

#include "api/problem.hpp"

#include <algorithm>
#include <cctype>

namespace mamori::api {

std::string Request::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::Cookie(std::string_view name) const {
  const std::string all = Header("cookie");
  std::string_view rest(all);
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return {};
}

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string Response::GetHeader(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.SetHeader("Content-Type", "application/json; charset=utf-8");
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.SetHeader("Content-Type", std::move(content_type));
  return r;
}

Response Response::Problem(const Error& error) {
  nlohmann::json doc = {
      {"type", std::string("/problems/") + ErrorCodeName(error.code)},
      {"title", ErrorCodeName(error.code)},
      {"status", HttpStatus(error.code)},
      {"detail", error.detail},
  };
  if (!error.detail_en.empty()) doc["detail_en"] = error.detail_en;
  if (!error.clause.empty()) doc["clause"] = error.clause;
  if (!error.fields.empty()) {
    auto arr = nlohmann::json::array();
    for (const auto& f : error.fields) {
      nlohmann::json item = {{"field", f.field}, {"code", f.code}};
      if (f.row > 0) item["row"] = f.row;
      if (!f.column.empty()) item["column"] = f.column;
      arr.push_back(std::move(item));
    }
    doc["errors"] = arr;
  }
  Response r;
  r.status = HttpStatus(error.code);
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.SetHeader("Content-Type", "application/problem+json; charset=utf-8");
  if (error.retry_after_seconds > 0) r.SetHeader("Retry-After", std::to_string(error.retry_after_seconds));
  r.error = error;
  return r;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key = PercentDecode(part.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1), true);
    out[std::move(key)] = std::move(value);
  }
  return out;
}

}  // namespace mamori::api
