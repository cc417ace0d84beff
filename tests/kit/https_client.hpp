// The one HTTPS client of mamori's test and benchmark programs (tests/integration's harness and
// bench/): libcurl with a kept-alive connection, the reply's status, body and headers, and
// nothing about mamori's API (cookies, CSRF and JSON are the callers' business).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mamori::testkit {

struct HttpReply {
  long status = 0;      // 0 when no answer came (see error)
  std::string body;
  std::multimap<std::string, std::string> headers;  // names lower-cased, values trimmed
  std::string error;    // libcurl's description when the request failed

  std::string Header(const std::string& lower_name) const;  // the first value, or ""
  std::vector<std::string> AllHeaders(const std::string& lower_name) const;
};

class HttpsClient {
 public:
  // `ca_file`: the certificate to trust (the server's self-signed one); "" = accept any
  // certificate (tests that only care about the API).
  explicit HttpsClient(std::string ca_file = {});
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // `method` to `url` with `body` (none: no body; a POST then sends an empty one) and header
  // lines ("Name: value"). The connection is reused by the next call when the server keeps it.
  HttpReply Send(const std::string& method, const std::string& url, const std::optional<std::string>& body,
                 const std::vector<std::string>& header_lines = {});

  // The local address requests leave from ("127.0.0.2"); "" = the system's choice.
  std::string source_address;
  long timeout_seconds = 60;

 private:
  std::string ca_file_;
  void* curl_ = nullptr;
};

}  // namespace mamori::testkit
