// The table of certificates the load was served (served_certificates.h): distinct by serial and
// issuer, first and last seen, bounded to the last 1000 distinct.
#include "outrider/harness/served_certificates.h"

#include <gtest/gtest.h>

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;

tls::CertificateValidity certificate(std::string serial, int64_t not_after_s = 1780000100,
                                     std::string issuer = "CN=ca") {
  return {SystemTime(std::chrono::seconds(1780000000)),
          SystemTime(std::chrono::seconds(not_after_s)), std::move(serial), std::move(issuer)};
}

// The same certificate twice is one entry, seen from its first to its last handshake.
TEST(ServedCertificatesTest, RepeatedHandshakesUpdateOneEntry) {
  ServedCertificates served;
  served.record(certificate("A"), 1s);
  served.record(certificate("A"), 3s);
  served.record(certificate("A", 1780000100, "CN=other"), 4s);  // another issuer: distinct
  ASSERT_EQ(served.size(), 2u);
  const auto list = served.list();
  EXPECT_EQ(list[0].serial_hex, "A");
  EXPECT_EQ(list[0].first_seen, 1s);
  EXPECT_EQ(list[0].last_seen, 3s);
  EXPECT_EQ(list[0].handshakes, 2u);
  EXPECT_EQ(list[1].issuer, "CN=other");
  EXPECT_EQ(served.handshakes(), 3u);
  EXPECT_EQ(served.latest()->issuer, "CN=other");
}

// servedBetween gives what a window was actually served: a rotation shows both certificates.
TEST(ServedCertificatesTest, ServedBetweenFollowsTheWindow) {
  ServedCertificates served;
  served.record(certificate("OLD", 1780000010), 1s);
  served.record(certificate("OLD", 1780000010), 5s);
  served.record(certificate("NEW", 1780000060), 6s);
  served.record(certificate("NEW", 1780000060), 9s);
  auto early = served.servedBetween(0s, 2s);
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].serial_hex, "OLD");
  auto across = served.servedBetween(4s, 7s);
  ASSERT_EQ(across.size(), 2u);
  EXPECT_EQ(across[1].serial_hex, "NEW");
  EXPECT_TRUE(served.servedBetween(10s, 20s).empty());
  EXPECT_EQ(served.latest()->not_after, SystemTime(std::chrono::seconds(1780000060)));
}

// Beyond 1000 distinct certificates the least recently seen is forgotten, and counted.
TEST(ServedCertificatesTest, KeepsTheLastThousandDistinct) {
  ServedCertificates served;
  served.record(certificate("KEEP"), 0s);
  for (int i = 0; i < 1000; ++i) {
    served.record(certificate("S" + std::to_string(i)), std::chrono::milliseconds(i + 1));
    if (i == 500) {
      served.record(certificate("KEEP"), std::chrono::milliseconds(i + 1));  // seen again
    }
  }
  EXPECT_EQ(served.size(), ServedCertificates::MaxKept);
  EXPECT_EQ(served.forgotten(), 1u);
  const auto list = served.list();
  EXPECT_EQ(list.front().serial_hex, "KEEP");  // first seen earliest, still kept
  EXPECT_EQ(std::count_if(list.begin(), list.end(),
                          [](const ServedCertificate& c) { return c.serial_hex == "S0"; }),
            0);
  // A copy is a whole table of its own (its index points into its own entries).
  ServedCertificates copy = served;
  copy.record(certificate("S999"), 2s);
  EXPECT_EQ(copy.size(), served.size());
  EXPECT_EQ(copy.latest()->last_seen, 2s);
  EXPECT_EQ(served.latest()->last_seen, 1000ms);
}

}  // namespace
}  // namespace outrider::harness
