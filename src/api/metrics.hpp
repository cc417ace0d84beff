// Prometheus metrics kept in memory: requests by route and status with a latency histogram,
// login failures; locked accounts and the log head are read from the database at scrape time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace mamori::api {

class Metrics {
 public:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.25,  0.5,  1.0};
  void Observe(const std::string& route, const std::string& method, int status, double seconds);
  void LoginFailure() { login_failures_.fetch_add(1, std::memory_order_relaxed); }
  // Prometheus text exposition; `extra` is appended (gauges read at scrape time).
  std::string Render(const std::string& extra) const;

 private:
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};
  };
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> requests_;   // key: route\tmethod\tstatus
  std::map<std::string, Series> latency_;      // key: route\tmethod
  std::atomic<uint64_t> login_failures_{0};
};

}  // namespace mamori::api
