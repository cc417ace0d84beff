// Plain HTTP request and response types shared by the handlers (api/) and the Beast server
// (http/). Nothing here knows Beast, so handlers and the pipeline compile fast and test
// without a network.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace mamori::api {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // raw request target, query included
  std::string path;                            // percent-decoded path, no query
  std::map<std::string, std::string> query;    // percent-decoded query parameters
  std::map<std::string, std::string> headers;  // keys lower-cased
  std::string body;
  std::string remote_address;                  // peer IP as text
  std::map<std::string, std::string> params;   // path parameters filled by the router

  // Header value by lower-case name, or "" when absent.
  std::string Header(std::string_view lower_name) const;
  // Cookie value by name from the Cookie header, or "" when absent.
  std::string Cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The Error a problem answer was made from, so the pipeline can put refusals on the record.
  std::optional<Error> error;

  void SetHeader(std::string name, std::string value);
  std::string GetHeader(std::string_view name) const;

  static Response Json(int status, const nlohmann::json& body);
  static Response NoContent();
  static Response Text(int status, std::string body, std::string content_type);
  // An application/problem+json document for an Error (API v1 contract).
  static Response Problem(const Error& error);
};

// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space). Invalid escapes are kept as is.
std::map<std::string, std::string> ParseQuery(std::string_view query);
// Percent-decodes a path or query component.
std::string PercentDecode(std::string_view in, bool plus_is_space);

}  // namespace mamori::api
