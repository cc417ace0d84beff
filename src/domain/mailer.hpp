// The mail sender (docs/notifications.md): drains the outbox the Notifier fills, through an SMTP
// relay (libcurl). Each outbox row is claimed for a lease by one conditional update (so two
// servers on one database never both send it), sent, and marked sent; a failed attempt is tried
// again after a back-off that doubles up to an hour, and a row whose sender died mid-send is
// claimed again once its lease has run out. Rows are never deleted here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "common/time.hpp"
#include "storage/db.hpp"
#include "storage/notification_repo.hpp"

namespace mamori::domain {

struct MailSettings {
  std::string smtp_url;  // smtp://host:port or smtps://host:port
  std::string from;      // the envelope and From: address
  std::string user;      // SMTP AUTH; "" = none
  std::string password;
  bool tls = true;  // TLS required: STARTTLS on smtp://, from the start on smtps://
  int64_t retry_micros = 60 * kMicrosPerSecond;  // the first back-off; it doubles up to an hour
  int max_attempts = 10;                          // then the row is given up (last_error kept)
  int64_t lease_micros = 5 * 60 * kMicrosPerSecond;  // a claimed row is claimed again after this
  int timeout_seconds = 60;                       // one SMTP conversation
  int64_t poll_micros = 2 * kMicrosPerSecond;     // how often the outbox is looked at
};

// One delivery to a relay. Returns the relay's refusal or the connection's failure as an error.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  virtual Status Deliver(const std::string& from, const std::string& to, const std::string& message) = 0;
};

// libcurl's SMTP client.
std::unique_ptr<MailTransport> SmtpTransport(const MailSettings& s);

// The RFC 5322 message of an outbox row: Date, From, To, Subject (RFC 2047 encoded-words, UTF-8,
// base64), Message-ID, MIME headers and the body as UTF-8 text in base64, lines ending CRLF.
std::string ComposeMessage(const storage::MailRecord& m, const std::string& from, int64_t now_micros);

// Whether `address` is a plain addr-spec mamori mails to: ASCII local@domain, at most 254
// characters, the local part of letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~ .
// (no leading, trailing or double dot), the domain of dot-separated labels of letters, digits
// and '-' with at least one dot. Nothing that could end a header line or an SMTP command.
bool ValidMailAddress(std::string_view address);

class Mailer {
 public:
  Mailer(storage::Database& db, const Clock& clock, MailSettings settings, std::unique_ptr<MailTransport> transport);
  ~Mailer();
  // One pass over the due rows: each is claimed, sent and marked. The number sent.
  Result<int> RunOnce();
  // The background thread `serve` runs: RunOnce every poll interval until Stop.
  void Start();
  void Stop();

 private:
  // Claims, sends and marks one row: true when this call sent it.
  Result<bool> SendOne(const std::string& id);

  storage::Database& db_;
  const Clock& clock_;
  MailSettings s_;
  std::unique_ptr<MailTransport> transport_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mamori::domain
