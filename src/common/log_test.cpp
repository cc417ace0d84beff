#include "common/log.hpp"

#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace mamori::log {
namespace {

// Routes the default logger into a string for the length of a test.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(Log, JsonLinesCarryTimeLevelMessageAndTheRequestIdOfTheThreadsRequest) {
  CapturedLog cap;
  SetFormat(Format::kJson);
  spdlog::warn("outside any request");
  {
    RequestScope scope("req-123");
    spdlog::error("inside: {}", "失敗");
    Info("request", {{"status", 503}, {"route", "/api/v1/assets"}});
  }
  spdlog::info("after");
  const auto lines = cap.Lines();
  ASSERT_EQ(lines.size(), 4u);
  const auto a = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(a["level"], "warning");
  EXPECT_EQ(a["msg"], "outside any request");
  EXPECT_FALSE(a.contains("request_id"));
  EXPECT_EQ(a["time"].get<std::string>().size(), 24u) << a["time"];  // 2026-12-01T22:45:15.123Z
  EXPECT_EQ(a["time"].get<std::string>().back(), 'Z');
  const auto b = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(b["msg"], "inside: 失敗");
  EXPECT_EQ(b["request_id"], "req-123");
  const auto c = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(c["status"], 503);
  EXPECT_EQ(c["route"], "/api/v1/assets");
  EXPECT_EQ(c["request_id"], "req-123");
  EXPECT_FALSE(nlohmann::json::parse(lines[3]).contains("request_id"));
  SetFormat(Format::kText);
}

TEST(Log, AFieldCannotOverwriteTheLinesOwnKeys) {
  const nlohmann::json fields = {{"msg", "forged"}, {"request_id", "forged"}, {"user", "u1"}};
  const auto line = nlohmann::json::parse(JsonLine("t", "info", "real", "r1", &fields));
  EXPECT_EQ(line["msg"], "real");
  EXPECT_EQ(line["request_id"], "r1");
  EXPECT_EQ(line["user"], "u1");
}

TEST(Log, BytesThatAreNotUtf8AreReplacedAndTheLineIsStillWritten) {
  const std::string line = JsonLine("t", "info", std::string("bad \xff\xfe path"), "", nullptr);
  const auto j = nlohmann::json::parse(line);
  EXPECT_NE(j["msg"].get<std::string>().find("bad "), std::string::npos);
  EXPECT_EQ(line.back(), '\n');
}

TEST(Log, TextLinesAppendFieldsAndTheRequestId) {
  CapturedLog cap;
  SetFormat(Format::kText);
  {
    RequestScope scope("abc");
    Info("request", {{"status", 200}});
  }
  const auto lines = cap.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("request status=200 request_id=abc"), std::string::npos) << lines[0];
}

TEST(Log, RequestIdsOfferedByAProxyMustBeShortPlainTokens) {
  EXPECT_TRUE(IsAcceptableRequestId("7f3c-01.ab:CD_9"));
  EXPECT_FALSE(IsAcceptableRequestId(""));
  EXPECT_FALSE(IsAcceptableRequestId(std::string(65, 'a')));
  EXPECT_FALSE(IsAcceptableRequestId("a b"));
  EXPECT_FALSE(IsAcceptableRequestId("a\"}\n{"));
  const std::string id = NewRequestId();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_TRUE(IsAcceptableRequestId(id));
  EXPECT_NE(id, NewRequestId());
}

TEST(Log, FormatNamesAreCheckedAndNamed) {
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_EQ(*ParseFormat("text"), Format::kText);
  EXPECT_TRUE(ParseFormat("auto").ok());
  auto bad = ParseFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields.at(0).field, "log_format");
}

}  // namespace
}  // namespace mamori::log
