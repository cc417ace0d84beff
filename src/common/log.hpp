// The server's own log (not the operation log): one line per event on standard output, which
// systemd hands to the journal. Lines are JSON objects for machines, or plain text for a person
// at a terminal. Every line written while a request is being served carries that request's id,
// so one failed request's lines are found together and matched with the X-Request-Id the client
// saw.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace mamori::log {

enum class Format { kJson, kText };

// "json", "text", or "auto" (text when standard output is a terminal, JSON otherwise: the
// journal, a pipe, a file). Anything else is a validation error on field `log_format`.
Result<Format> ParseFormat(std::string_view name);

// Installs the format on the default logger; may be called again to switch.
void SetFormat(Format format);

// While one exists, lines logged on this thread carry `request_id`. Scopes do not nest.
class RequestScope {
 public:
  explicit RequestScope(std::string request_id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
};

// The id of the request this thread serves, or "" outside one.
const std::string& CurrentRequestId();

// A fresh request id: 16 random bytes in lower-case hex (32 characters).
std::string NewRequestId();

// Whether a request id offered by a trusted proxy may be used as is: 1 to 64 characters of
// letters, digits, '-', '_', '.', ':'. Anything else is replaced by a fresh id.
bool IsAcceptableRequestId(std::string_view id);

// An info line with structured fields: in JSON they are keys of the line's object, in text
// they follow the message as key=value.
void Info(std::string_view message, const nlohmann::json& fields);

// One line as the JSON formatter writes it (for tests): time is RFC 3339 UTC with
// milliseconds.
std::string JsonLine(std::string_view time, std::string_view level, std::string_view message,
                     std::string_view request_id, const nlohmann::json* fields);

}  // namespace mamori::log
