#include "outrider/sidecar/hop_by_hop.h"

#include <gtest/gtest.h>

namespace outrider::sidecar {
namespace {

namespace http = boost::beast::http;

// The fixed hop-by-hop set and every Proxy-* field go; end-to-end fields stay.
TEST(HopByHopTest, StripsFixedSetAndProxyFields) {
  http::fields fields;
  fields.set(http::field::host, "example");
  fields.set(http::field::connection, "keep-alive");
  fields.set(http::field::keep_alive, "timeout=5");
  fields.set(http::field::te, "trailers");
  fields.set(http::field::trailer, "X-Checksum");
  fields.set(http::field::transfer_encoding, "chunked");
  fields.set(http::field::upgrade, "websocket");
  fields.set(http::field::proxy_authorization, "Basic abc");
  fields.set("Proxy-Connection", "keep-alive");
  fields.set("Proxy-Custom-Thing", "1");
  fields.set("X-Request-Id", "abc");
  stripHopByHopFields(fields);
  std::size_t count = 0;
  for (const auto& field : fields) {
    ++count;
    EXPECT_TRUE(field.name() == http::field::host || field.name_string() == "X-Request-Id")
        << field.name_string();
  }
  EXPECT_EQ(count, 2u);
}

// Fields that Connection names are hop-by-hop for this message only.
TEST(HopByHopTest, StripsFieldsNamedByConnection) {
  http::fields fields;
  fields.set(http::field::connection, "close, X-Hop, x-other");
  fields.set("X-Hop", "1");
  fields.set("X-Other", "2");
  fields.set("X-Keep", "3");
  stripHopByHopFields(fields);
  EXPECT_EQ(fields.count("X-Hop"), 0u);
  EXPECT_EQ(fields.count("X-Other"), 0u);
  EXPECT_EQ(fields.count(http::field::connection), 0u);
  EXPECT_EQ(fields["X-Keep"], "3");
}

}  // namespace
}  // namespace outrider::sidecar
