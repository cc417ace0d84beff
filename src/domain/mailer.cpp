#include "domain/mailer.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <mutex>

#include <spdlog/spdlog.h>

#include "common/crypto.hpp"

namespace mamori::domain {
namespace {

// "Wed, 02 Dec 2026 01:23:57 +0000" (RFC 5322 date-time, in UTC).
std::string MailDate(int64_t micros) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const time_t secs = static_cast<time_t>(micros / kMicrosPerSecond);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
}

// RFC 2047 encoded-words (UTF-8, "B"), each at most 75 characters: 45 bytes of text a word,
// never cut inside a UTF-8 sequence; words folded onto continuation lines.
std::string EncodeHeaderText(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = std::min(text.size(), i + 45);
    // Back off to a character boundary (a continuation byte is 10xxxxxx).
    while (end < text.size() && end > i && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (end == i) end = std::min(text.size(), i + 45);  // not UTF-8: cut anyway
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + crypto::Base64Encode(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// The body's lines end in CRLF, as SMTP carries them, then base64 in lines of 76.
std::string EncodeBody(std::string_view body) {
  std::string crlf;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\r') continue;
    if (body[i] == '\n') crlf += "\r\n";
    else crlf += body[i];
  }
  const std::string b64 = crypto::Base64Encode(crlf);
  std::string out;
  for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

bool LocalChar(char ch) {
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) != std::string_view::npos;
}

bool DomainChar(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
}

class CurlTransport : public MailTransport {
 public:
  explicit CurlTransport(MailSettings s) : s_(std::move(s)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Status Deliver(const std::string& from, const std::string& to, const std::string& message) override {
    CURL* curl = curl_easy_init();
    if (!curl) return Error::Internal("curl_easy_init failed");
    struct Source {
      const std::string* text;
      size_t at = 0;
    } src{&message};
    const std::string mail_from = "<" + from + ">";
    const std::string rcpt = "<" + to + ">";
    curl_slist* rcpts = curl_slist_append(nullptr, rcpt.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, s_.smtp_url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, +[](char* buf, size_t size, size_t n, void* p) -> size_t {
      auto* s = static_cast<Source*>(p);
      const size_t take = std::min(size * n, s->text->size() - s->at);
      std::copy_n(s->text->data() + s->at, take, buf);
      s->at += take;
      return take;
    });
    curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, s_.tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_NONE));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(s_.timeout_seconds));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (!s_.user.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, s_.user.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, s_.password.c_str());
    }
    char err[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
    const CURLcode rc = curl_easy_perform(curl);
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
      return Error::Internal("smtp: " + std::string(err[0] ? err : curl_easy_strerror(rc)) +
                             (reply ? " (reply " + std::to_string(reply) + ")" : ""));
    return Ok();
  }

 private:
  MailSettings s_;
};

}  // namespace

std::unique_ptr<MailTransport> SmtpTransport(const MailSettings& s) { return std::make_unique<CurlTransport>(s); }

bool ValidMailAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (!std::all_of(local.begin(), local.end(), [](char ch) { return LocalChar(ch) || ch == '.'; })) return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos) return false;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), DomainChar)) return false;
    start = dot + 1;
  }
  return true;
}

std::string ComposeMessage(const storage::MailRecord& m, const std::string& from, int64_t now_micros) {
  std::string msg;
  msg += "Date: " + MailDate(now_micros) + "\r\n";
  msg += "From: " + from + "\r\n";
  msg += "To: " + m.to_address + "\r\n";
  msg += "Subject: " + (IsAscii(m.subject) && m.subject.size() < 900 && m.subject.find("=?") == std::string::npos
                            ? m.subject
                            : EncodeHeaderText(m.subject)) +
         "\r\n";
  msg += "Message-ID: " + m.message_id + "\r\n";
  msg += "MIME-Version: 1.0\r\n";
  msg += "Content-Type: text/plain; charset=UTF-8\r\n";
  msg += "Content-Transfer-Encoding: base64\r\n";
  msg += "Auto-Submitted: auto-generated\r\n";
  msg += "\r\n";
  msg += EncodeBody(m.body);
  return msg;
}

Mailer::Mailer(storage::Database& db, const Clock& clock, MailSettings settings, std::unique_ptr<MailTransport> transport)
    : db_(db), clock_(clock), s_(std::move(settings)), transport_(std::move(transport)) {}

Mailer::~Mailer() { Stop(); }

Result<bool> Mailer::SendOne(const std::string& id) {
  const int64_t now = clock_.NowMicros();
  // Claim: one conditional update; whoever changed the row owns it until the lease ends.
  MAMORI_ASSIGN(auto claimed, db_.Write([&](storage::Connection& c) -> Result<std::optional<storage::MailRecord>> {
    storage::MailOutboxRepo outbox(c);
    MAMORI_ASSIGN(bool mine, outbox.Claim(id, now, now + s_.lease_micros));
    if (!mine) return std::optional<storage::MailRecord>();
    return outbox.Get(id);
  }));
  if (!claimed) return false;
  const storage::MailRecord& m = *claimed;
  const bool addressable = ValidMailAddress(m.to_address);
  Status sent = addressable ? transport_->Deliver(s_.from, m.to_address, ComposeMessage(m, s_.from, now))
                            : Status(Error::Validation("to_address", "invalid", "not a mail address"));
  if (sent.ok()) {
    MAMORI_TRY(db_.Write([&](storage::Connection& c) { return storage::MailOutboxRepo(c).MarkSent(id, clock_.NowMicros()); }));
    return true;
  }
  // m.attempts counts this one. Back-off: retry, 2×, 4×, … up to an hour; then given up.
  const bool give_up = m.attempts >= s_.max_attempts || !addressable;
  int64_t wait = s_.retry_micros;
  for (int64_t i = 1; i < m.attempts && wait < kMicrosPerHour; ++i) wait *= 2;
  wait = std::min(wait, kMicrosPerHour);
  const std::string error = sent.error().detail;
  spdlog::warn("mail {} to outbox row {} not sent (attempt {}{}): {}", m.message_id, id, m.attempts,
               give_up ? ", given up" : "", error);
  MAMORI_TRY(db_.Write([&](storage::Connection& c) {
    return storage::MailOutboxRepo(c).MarkFailed(id, error.substr(0, 500), give_up ? 0 : clock_.NowMicros() + wait);
  }));
  return false;
}

Result<int> Mailer::RunOnce() {
  MAMORI_ASSIGN(auto due, db_.Read([&](storage::Connection& c) {
    return storage::MailOutboxRepo(c).Due(clock_.NowMicros(), 100);
  }));
  int sent = 0;
  for (const auto& id : due) {
    MAMORI_ASSIGN(bool done, SendOne(id));
    if (done) ++sent;
  }
  return sent;
}

void Mailer::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    do {
      lock.unlock();
      auto n = RunOnce();
      if (!n.ok()) spdlog::error("mail outbox: {}", n.error().detail);
      else if (*n > 0) spdlog::info("{} mails sent", *n);
      lock.lock();
    } while (!cv_.wait_for(lock, std::chrono::microseconds(s_.poll_micros), [&] { return stopping_; }));
  });
}

void Mailer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace mamori::domain
