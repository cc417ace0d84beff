#include "common/net.hpp"

#include <gtest/gtest.h>

namespace mamori::net {
namespace {

TEST(NetTest, AddressesParseAndPrintInOneForm) {
  EXPECT_EQ(ParseIp("192.0.2.7")->ToString(), "192.0.2.7");
  EXPECT_EQ(ParseIp("2001:DB8:0:0::1")->ToString(), "2001:db8::1");
  EXPECT_EQ(ParseIp("::ffff:192.0.2.7")->ToString(), "192.0.2.7") << "IPv4-mapped is IPv4";
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "host.example", "[::1]", "::1%eth0", "1.2.3.4 "})
    EXPECT_FALSE(ParseIp(bad).has_value()) << bad;
}

TEST(NetTest, NetworksContainTheirAddressesOnly) {
  auto n = ParseNetwork("10.1.0.0/16");
  ASSERT_TRUE(n.has_value());
  EXPECT_TRUE(n->Contains(*ParseIp("10.1.255.3")));
  EXPECT_FALSE(n->Contains(*ParseIp("10.2.0.1")));
  EXPECT_FALSE(n->Contains(*ParseIp("::ffff:10.2.0.1")));
  auto one = ParseNetwork("127.0.0.1");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->prefix, 32);
  EXPECT_TRUE(one->Contains(*ParseIp("127.0.0.1")));
  EXPECT_FALSE(one->Contains(*ParseIp("127.0.0.2")));
  auto v6 = ParseNetwork("2001:db8:abcd::/47");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->Contains(*ParseIp("2001:db8:abcd:1::9")));
  EXPECT_FALSE(v6->Contains(*ParseIp("2001:db8:abce::1")));
  EXPECT_FALSE(v6->Contains(*ParseIp("10.0.0.1"))) << "families never match";
  EXPECT_TRUE(ParseNetwork("0.0.0.0/0")->Contains(*ParseIp("203.0.113.5")));
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "nope/8"})
    EXPECT_FALSE(ParseNetwork(bad).has_value()) << bad;
}

TEST(NetTest, IPv6ClientsAreCountedByTheirSlash64) {
  EXPECT_EQ(ThrottleKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(ThrottleKey("2001:db8:1:2:bbbb::7"), ThrottleKey("2001:db8:1:2:aaaa::1"));
  EXPECT_NE(ThrottleKey("2001:db8:1:3::1"), ThrottleKey("2001:db8:1:2::1"));
  EXPECT_EQ(ThrottleKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(ThrottleKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(ThrottleKey("unix"), "unix");
}

}  // namespace
}  // namespace mamori::net
