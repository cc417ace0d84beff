// The mail sender: the message it composes (RFC 2047 subject, base64 UTF-8 body, Message-ID),
// the addresses it accepts, and the outbox claim — each row sent once, a failed one retried
// after a doubling back-off and given up in the end, a row a dead sender held sent after its
// lease, and two senders on one database never sending a row twice.
#include "domain/mailer.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "common/crypto.hpp"
#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

using testing::TestEnv;

// The text of the RFC 2047 encoded-words of a header value (B encoding, UTF-8), unfolded.
std::string DecodeWords(const std::string& value, size_t* longest_word = nullptr) {
  std::string out;
  size_t pos = 0;
  while ((pos = value.find("=?UTF-8?B?", pos)) != std::string::npos) {
    const size_t end = value.find("?=", pos + 10);
    if (end == std::string::npos) break;
    if (longest_word) *longest_word = std::max(*longest_word, end + 2 - pos);
    auto bytes = crypto::Base64Decode(value.substr(pos + 10, end - pos - 10));
    if (!bytes) return "(bad base64)";
    out += *bytes;
    pos = end + 2;
  }
  return out;
}

// Header value (with continuation lines) of `name` in a message.
std::string Header(const std::string& msg, const std::string& name) {
  const size_t at = msg.find(name + ": ");
  if (at == std::string::npos) return "";
  size_t end = at;
  while (true) {
    end = msg.find("\r\n", end);
    if (end == std::string::npos || (msg.compare(end + 2, 1, " ") != 0)) break;
    end += 2;
  }
  return msg.substr(at + name.size() + 2, end - at - name.size() - 2);
}

storage::MailRecord Row(const std::string& id, int64_t due, const std::string& subject = "【承認依頼】持出し（山田 太郎）") {
  return storage::MailRecord{.id = id,
                             .notification_id = "n-" + id,
                             .to_address = "taro@city.example.jp",
                             .subject = subject,
                             .body = "山田 太郎 さんが申請しました。\nhttps://mamori.city.example.jp/requests/1\n",
                             .created_at = due,
                             .next_attempt_at = due,
                             .message_id = "<" + id + "@city.example.jp>"};
}

TEST(ComposeMessage, TheJapaneseSubjectIsEncodedWordsThatDecodeBackToIt) {
  // Long enough to need several words; each at most 75 characters, no character cut in two.
  const std::string subject = "【承認依頼】外部記録媒体による情報資産の持出し（情報政策課 山田 太郎）についての確認のお願い";
  const std::string msg = ComposeMessage(Row("m1", 1, subject), "mamori@city.example.jp", 1'790'000'000'000'000);
  const std::string value = Header(msg, "Subject");
  size_t longest = 0;
  EXPECT_EQ(DecodeWords(value, &longest), subject);
  EXPECT_LE(longest, 75u);
  EXPECT_NE(value.find("\r\n "), std::string::npos) << "several words, folded";
  for (char ch : value) EXPECT_LT(static_cast<unsigned char>(ch), 0x80) << "headers are ASCII";
}

TEST(ComposeMessage, TheBodyIsUtf8InBase64WithCrlfLinesAndTheHeadersNameTheMessage) {
  const auto row = Row("m1", 1);
  const std::string msg = ComposeMessage(row, "mamori@city.example.jp", 1'790'000'000'000'000);
  EXPECT_EQ(Header(msg, "From"), "mamori@city.example.jp");
  EXPECT_EQ(Header(msg, "To"), "taro@city.example.jp");
  EXPECT_EQ(Header(msg, "Message-ID"), "<m1@city.example.jp>");
  EXPECT_EQ(Header(msg, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(Header(msg, "Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(Header(msg, "Date"), "Mon, 21 Sep 2026 14:13:20 +0000");
  const size_t split = msg.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  std::string b64;
  for (char ch : msg.substr(split + 4))
    if (ch != '\r' && ch != '\n') b64 += ch;
  auto body = crypto::Base64Decode(b64);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "山田 太郎 さんが申請しました。\r\nhttps://mamori.city.example.jp/requests/1\r\n");
  for (size_t at = split + 4, nl; (nl = msg.find("\r\n", at)) != std::string::npos; at = nl + 2)
    EXPECT_LE(nl - at, 76u);
}

TEST(ValidMailAddress, AcceptsPlainAddressesAndRefusesAnythingThatCouldBreakAHeader) {
  for (const char* ok : {"taro@city.example.jp", "t.yamada+mamori@city.kobe.lg.jp", "a_b-c@x-y.example.com"})
    EXPECT_TRUE(ValidMailAddress(ok)) << ok;
  for (const char* bad : {"", "taro", "@city.example.jp", "taro@", "taro@localhost", "taro@@city.example.jp",
                          "ta ro@city.example.jp", "taro@city.example.jp\r\nBcc: x@y.jp", "taro@city..jp",
                          ".taro@city.example.jp", "taro.@city.example.jp", "ta..ro@city.example.jp",
                          "<taro@city.example.jp>", "taro@-city.example.jp", "山田@city.example.jp",
                          "taro@city.example.jp>"})
    EXPECT_FALSE(ValidMailAddress(bad)) << bad;
  EXPECT_FALSE(ValidMailAddress(std::string(250, 'a') + "@x.jp"));
}

// Records what it was given; fails while `failing` is set.
class FakeTransport : public MailTransport {
 public:
  Status Deliver(const std::string& from, const std::string& to, const std::string& message) override {
    std::lock_guard lock(mu);
    if (failing) return Error::Internal("smtp: connection refused");
    delivered.push_back(Header(message, "Message-ID"));
    (void)from;
    (void)to;
    return Ok();
  }
  std::mutex mu;
  bool failing = false;
  std::vector<std::string> delivered;
};

class MailerTest : public ::testing::Test {
 protected:
  MailerTest() {
    settings_.from = "mamori@city.example.jp";
    settings_.retry_micros = 10 * kMicrosPerSecond;
    settings_.max_attempts = 4;
    settings_.lease_micros = 60 * kMicrosPerSecond;
  }
  void Put(const storage::MailRecord& m) {
    ASSERT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) { return storage::MailOutboxRepo(c).Insert(m); }).ok());
  }
  storage::MailRecord Get(const std::string& id) {
    return **t_.tdb.db()->Read([&](storage::Connection& c) { return storage::MailOutboxRepo(c).Get(id); });
  }
  std::unique_ptr<Mailer> NewMailer(FakeTransport*& fake) {
    auto f = std::make_unique<FakeTransport>();
    fake = f.get();
    return std::make_unique<Mailer>(*t_.tdb.db(), t_.clock, settings_, std::move(f));
  }

  TestEnv t_;
  MailSettings settings_;
};

TEST_F(MailerTest, EachDueRowIsSentOnceAndMarkedSent) {
  const int64_t now = t_.clock.NowMicros();
  Put(Row("m1", now));
  Put(Row("m2", now));
  Put(Row("later", now + kMicrosPerHour));
  FakeTransport* fake = nullptr;
  auto mailer = NewMailer(fake);
  auto n = mailer->RunOnce();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(fake->delivered, (std::vector<std::string>{"<m1@city.example.jp>", "<m2@city.example.jp>"}));
  EXPECT_EQ(Get("m1").sent_at, now);
  EXPECT_EQ(Get("m1").attempts, 1);
  EXPECT_EQ(Get("later").sent_at, 0);
  EXPECT_EQ(*mailer->RunOnce(), 0) << "a sent row is never sent again";
  EXPECT_EQ(fake->delivered.size(), 2u);
}

TEST_F(MailerTest, AFailedRowWaitsADoublingBackOffAndIsGivenUpAfterTheLastAttempt) {
  const int64_t start = t_.clock.NowMicros();
  Put(Row("m1", start));
  FakeTransport* fake = nullptr;
  auto mailer = NewMailer(fake);
  fake->failing = true;
  ASSERT_EQ(*mailer->RunOnce(), 0);
  auto row = Get("m1");
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.last_error, "smtp: connection refused");
  EXPECT_EQ(row.next_attempt_at, start + 10 * kMicrosPerSecond);
  t_.clock.Advance(9 * kMicrosPerSecond);
  ASSERT_EQ(*mailer->RunOnce(), 0);
  EXPECT_EQ(Get("m1").attempts, 1) << "not before its time";
  t_.clock.Advance(kMicrosPerSecond);
  ASSERT_EQ(*mailer->RunOnce(), 0);
  EXPECT_EQ(Get("m1").attempts, 2);
  EXPECT_EQ(Get("m1").next_attempt_at, t_.clock.NowMicros() + 20 * kMicrosPerSecond) << "twice as long";
  t_.clock.Advance(20 * kMicrosPerSecond);
  ASSERT_EQ(*mailer->RunOnce(), 0);
  EXPECT_EQ(Get("m1").next_attempt_at, t_.clock.NowMicros() + 40 * kMicrosPerSecond);

  // The relay is back: the next attempt goes through.
  fake->failing = false;
  t_.clock.Advance(40 * kMicrosPerSecond);
  ASSERT_EQ(*mailer->RunOnce(), 1);
  EXPECT_NE(Get("m1").sent_at, 0);
  EXPECT_EQ(Get("m1").attempts, 4);

  // Another that never gets through is given up after max_attempts, its error kept.
  Put(Row("m2", t_.clock.NowMicros()));
  fake->failing = true;
  for (int i = 0; i < 10; ++i) {
    (void)mailer->RunOnce();
    t_.clock.Advance(kMicrosPerHour);
  }
  row = Get("m2");
  EXPECT_EQ(row.attempts, 4);
  EXPECT_EQ(row.next_attempt_at, 0);
  EXPECT_EQ(row.sent_at, 0);
  EXPECT_EQ(row.last_error, "smtp: connection refused");
}

TEST_F(MailerTest, ARowADeadSenderHeldIsSentOnceItsLeaseIsOver) {
  const int64_t now = t_.clock.NowMicros();
  Put(Row("m1", now));
  // Another sender claimed it and died before marking it.
  ASSERT_TRUE(*t_.tdb.db()->Write(
      [&](storage::Connection& c) { return storage::MailOutboxRepo(c).Claim("m1", now, now + settings_.lease_micros); }));
  FakeTransport* fake = nullptr;
  auto mailer = NewMailer(fake);
  ASSERT_EQ(*mailer->RunOnce(), 0);
  EXPECT_TRUE(fake->delivered.empty()) << "the lease still runs";
  t_.clock.Advance(settings_.lease_micros);
  ASSERT_EQ(*mailer->RunOnce(), 1);
  EXPECT_EQ(fake->delivered.size(), 1u);
  EXPECT_EQ(Get("m1").attempts, 2);
}

TEST_F(MailerTest, AnAddressThatIsNotOneIsGivenUpWithoutContactingTheRelay) {
  auto row = Row("m1", t_.clock.NowMicros());
  row.to_address = "taro@city.example.jp\r\nRCPT TO:<x@y.jp>";
  Put(row);
  FakeTransport* fake = nullptr;
  auto mailer = NewMailer(fake);
  ASSERT_EQ(*mailer->RunOnce(), 0);
  EXPECT_TRUE(fake->delivered.empty());
  EXPECT_EQ(Get("m1").next_attempt_at, 0);
}

TEST_F(MailerTest, TwoSendersOnOneDatabaseNeverSendARowTwice) {
  const int64_t now = t_.clock.NowMicros();
  for (int i = 0; i < 40; ++i) Put(Row("m" + std::to_string(i), now));
  FakeTransport *f1 = nullptr, *f2 = nullptr;
  auto m1 = NewMailer(f1);
  auto m2 = NewMailer(f2);
  std::thread a([&] { (void)m1->RunOnce(); });
  std::thread b([&] { (void)m2->RunOnce(); });
  a.join();
  b.join();
  std::vector<std::string> all = f1->delivered;
  all.insert(all.end(), f2->delivered.begin(), f2->delivered.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), 40u);
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a message delivered twice";
}

}  // namespace
}  // namespace mamori::domain
