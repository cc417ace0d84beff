#include "http/router.hpp"

namespace mamori::http {
namespace {

bool MatchPattern(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  size_t p = 0, q = 0;
  while (p < pattern.size() && q <= path.size()) {
    if (pattern[p] == '{') {
      const size_t close = pattern.find('}', p);
      const std::string name = pattern.substr(p + 1, close - p - 1);
      size_t end = path.find('/', q);
      if (end == std::string::npos) end = path.size();
      if (end == q) return false;  // empty segment
      params[name] = path.substr(q, end - q);
      p = close + 1;
      q = end;
    } else {
      if (q >= path.size() || pattern[p] != path[q]) return false;
      ++p;
      ++q;
    }
  }
  return p == pattern.size() && q == path.size();
}

}  // namespace

Match Router::Find(api::Request& req) const {
  Match m;
  // HEAD is GET without the body (the server drops it).
  const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(r.pattern, req.path, params)) continue;
    m.path_known = true;
    if (r.method == method) {
      req.params = std::move(params);
      for (const auto& [k, v] : r.fixed) req.params[k] = v;
      m.route = &r;
      return m;
    }
  }
  return m;
}

}  // namespace mamori::http
