#include "api/metrics.hpp"

#include <sstream>

namespace mamori::api {
namespace {

// Route patterns are ours, but escape anyway: label values must not break the format.
std::string Label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Metrics::Observe(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[route + "\t" + method + "\t" + std::to_string(status)];
  Series& s = latency_[route + "\t" + method];
  ++s.count;
  s.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++s.buckets[i];
}

std::string Metrics::Render(const std::string& extra) const {
  std::ostringstream out;
  std::lock_guard lock(mu_);
  out << "# HELP mamori_http_requests_total HTTP requests by route, method and status.\n"
      << "# TYPE mamori_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto a = key.find('\t'), b = key.find('\t', a + 1);
    out << "mamori_http_requests_total{route=\"" << Label(key.substr(0, a)) << "\",method=\""
        << Label(key.substr(a + 1, b - a - 1)) << "\",status=\"" << key.substr(b + 1) << "\"} " << n << "\n";
  }
  out << "# HELP mamori_http_request_duration_seconds Request latency by route and method.\n"
      << "# TYPE mamori_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : latency_) {
    const auto a = key.find('\t');
    const std::string labels =
        "route=\"" + Label(key.substr(0, a)) + "\",method=\"" + Label(key.substr(a + 1)) + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out << "mamori_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i] << "\"} "
          << s.buckets[i] << "\n";
    out << "mamori_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << s.count << "\n";
    out << "mamori_http_request_duration_seconds_sum{" << labels << "} " << s.sum << "\n";
    out << "mamori_http_request_duration_seconds_count{" << labels << "} " << s.count << "\n";
  }
  out << "# HELP mamori_login_failures_total Failed sign-in attempts since start.\n"
      << "# TYPE mamori_login_failures_total counter\n"
      << "mamori_login_failures_total " << login_failures_.load() << "\n";
  out << extra;
  return out.str();
}

}  // namespace mamori::api
