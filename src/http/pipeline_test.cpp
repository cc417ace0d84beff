#include "http/pipeline.hpp"

#include <gtest/gtest.h>

namespace mamori::http {
namespace {

std::vector<net::IpNetwork> Proxies(std::initializer_list<const char*> list) {
  std::vector<net::IpNetwork> out;
  for (const char* p : list) out.push_back(*net::ParseNetwork(p));
  return out;
}

TEST(ClientAddressTest, ForwardedForIsIgnoredUnlessThePeerIsATrustedProxy) {
  EXPECT_EQ(ClientAddress("203.0.113.9", "198.51.100.1", {}), "203.0.113.9");
  EXPECT_EQ(ClientAddress("203.0.113.9", "198.51.100.1", Proxies({"10.0.0.0/8"})), "203.0.113.9")
      << "a client cannot name itself another address";
  EXPECT_EQ(ClientAddress("10.0.0.5", "", Proxies({"10.0.0.0/8"})), "10.0.0.5");
}

TEST(ClientAddressTest, TheRightMostUntrustedHopIsTheClient) {
  const auto proxies = Proxies({"10.0.0.5", "10.0.1.0/24"});
  EXPECT_EQ(ClientAddress("10.0.0.5", "198.51.100.7", proxies), "198.51.100.7");
  // The client wrote "1.2.3.4" itself; HAProxy appended the address it saw.
  EXPECT_EQ(ClientAddress("10.0.0.5", "1.2.3.4, 198.51.100.7", proxies), "198.51.100.7");
  // Two proxies in a row: the inner one is skipped.
  EXPECT_EQ(ClientAddress("10.0.0.5", "198.51.100.7,10.0.1.9", proxies), "198.51.100.7");
  EXPECT_EQ(ClientAddress("10.0.0.5", " 2001:db8::1 ", proxies), "2001:db8::1");
}

TEST(ClientAddressTest, AMalformedHopEndsTheWalk) {
  const auto proxies = Proxies({"10.0.0.5", "10.0.1.0/24"});
  EXPECT_EQ(ClientAddress("10.0.0.5", "garbage", proxies), "10.0.0.5");
  EXPECT_EQ(ClientAddress("10.0.0.5", "198.51.100.7, unknown, 10.0.1.9", proxies), "10.0.1.9");
  EXPECT_EQ(ClientAddress("10.0.0.5", "[2001:db8::1]:443", proxies), "10.0.0.5");
}

TEST(JsonBodyTest, OnlyApplicationJsonCarriesABody) {
  api::Request r;
  EXPECT_TRUE(IsJsonBody(r)) << "no body, no type needed";
  r.body = "{}";
  EXPECT_FALSE(IsJsonBody(r)) << "a body without a type";
  for (const char* ok : {"application/json", "application/json; charset=utf-8", "Application/JSON ;charset=UTF-8"}) {
    r.headers["content-type"] = ok;
    EXPECT_TRUE(IsJsonBody(r)) << ok;
  }
  for (const char* bad : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                          "text/plain; a=application/json", "application/jsonx", "text/csv"}) {
    r.headers["content-type"] = bad;
    EXPECT_FALSE(IsJsonBody(r)) << bad;
  }
}

}  // namespace
}  // namespace mamori::http
