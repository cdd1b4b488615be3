// The http link's framer, tested as data: where messages begin, where headers and messages end,
// however the stream is cut into chunks.

#include "http_framer.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outrider::faults::detail {
namespace {

using Type = FrameEvent::Type;

// "D<n> " (built by append: GCC 12 warns a false -Wrestrict on `"literal" + std::string&&`).
std::string data(size_t length) {
  std::string out = "D";
  out += std::to_string(length);
  out += ' ';
  return out;
}

// Events rendered compactly: B = begin, D<n> = data, H = head, E = end, R = raw.
std::string render(const std::vector<FrameEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    switch (e.type) {
      case Type::Begin:
        out += "B ";
        break;
      case Type::Data:
        out += data(e.length);
        break;
      case Type::Head:
        out += "H ";
        break;
      case Type::End:
        out += "E ";
        break;
      case Type::Raw:
        out += "R ";
        break;
    }
  }
  return out;
}

// Feeds `stream` in pieces of `step` bytes; returns (message index -> bytes) and the ends seen.
struct Framed {
  std::vector<std::string> messages;
  int ends = 0;
  int heads = 0;
  bool raw = false;
};

Framed frame(HttpFramer& framer, const std::string& stream, size_t step) {
  Framed framed;
  size_t position = 0;
  std::vector<FrameEvent> events;
  for (size_t offset = 0; offset < stream.size(); offset += step) {
    std::string chunk = stream.substr(offset, step);
    events.clear();
    framer.feed(chunk, events);
    size_t in_chunk = 0;
    for (const auto& e : events) {
      if (e.type == Type::Begin) {
        framed.messages.emplace_back();
      } else if (e.type == Type::Data) {
        framed.messages.back() += chunk.substr(in_chunk, e.length);
        in_chunk += e.length;
      } else if (e.type == Type::End) {
        ++framed.ends;
      } else if (e.type == Type::Head) {
        ++framed.heads;
      } else {
        framed.raw = true;
      }
    }
    EXPECT_EQ(in_chunk, chunk.size()) << "data events must cover the chunk";
    position += chunk.size();
  }
  EXPECT_EQ(position, stream.size());
  return framed;
}

const std::string Get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string Post = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";

// Pipelined requests in one chunk come out as separate messages with their headers marked.
TEST(HttpFramerTest, PipelinedRequestsInOneChunk) {
  HttpFramer framer(/*requests=*/true);
  std::vector<FrameEvent> events;
  framer.feed(Get + Post, events);
  EXPECT_EQ(render(events), "B " + data(Get.size()) + "H E B " + data(Post.size() - 5) + "H D5 E ");
  EXPECT_EQ(framer.messages(), 2u);
  EXPECT_FALSE(framer.inMessage());
}

// Any cut of the stream, down to one byte at a time, frames the same messages.
TEST(HttpFramerTest, AnyChunkingFramesTheSame) {
  const std::string chunked =
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  const std::string stream = Get + Post + chunked + Get;
  for (size_t step : {1u, 2u, 7u, 64u, 4096u}) {
    HttpFramer framer(true);
    auto framed = frame(framer, stream, step);
    ASSERT_EQ(framed.messages.size(), 4u) << "step " << step;
    EXPECT_EQ(framed.messages[0], Get);
    EXPECT_EQ(framed.messages[1], Post);
    EXPECT_EQ(framed.messages[2], chunked);
    EXPECT_EQ(framed.messages[3], Get);
    EXPECT_EQ(framed.ends, 4);
    EXPECT_EQ(framed.heads, 4);
    EXPECT_FALSE(framed.raw);
  }
}

// A reply to HEAD has no body even with a Content-Length; an interim 100 is its own message.
TEST(HttpFramerTest, ResponsesFollowTheirRequests) {
  HttpFramer framer(/*requests=*/false);
  framer.expectResponse(/*head_request=*/true, false);
  framer.expectResponse(false, false);
  const std::string head_reply = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for (size_t step : {1u, 5u, 4096u}) {
    HttpFramer f(false);
    f.expectResponse(true, false);
    f.expectResponse(false, false);
    auto framed = frame(f, head_reply + interim + reply, step);
    ASSERT_EQ(framed.messages.size(), 3u) << "step " << step;
    EXPECT_EQ(framed.messages[0], head_reply);
    EXPECT_EQ(framed.messages[1], interim);
    EXPECT_EQ(framed.messages[2], reply);
  }
}

// A reply without length ends at EOF.
TEST(HttpFramerTest, BodyUntilEof) {
  HttpFramer framer(false);
  framer.expectResponse(false, false);
  std::vector<FrameEvent> events;
  framer.feed("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsome body", events);
  EXPECT_EQ(render(events), "B D38 H D9 ");
  events.clear();
  framer.feedEof(events);
  EXPECT_EQ(render(events), "E ");
}

// A stream that is not HTTP turns raw and is passed on as data of the current message.
TEST(HttpFramerTest, GarbageTurnsRaw) {
  HttpFramer framer(true);
  std::vector<FrameEvent> events;
  const std::string garbage = "\x01\x02 not http\r\n\r\n";
  framer.feed(Get + garbage, events);
  EXPECT_TRUE(framer.raw());
  EXPECT_EQ(render(events), "B " + data(Get.size()) + "H E B R " + data(garbage.size()));
  events.clear();
  framer.feed("more", events);
  EXPECT_EQ(render(events), "D4 ");
}

// After an upgrade the stream is a tunnel: no more framing.
TEST(HttpFramerTest, UpgradeTurnsRaw) {
  HttpFramer framer(true);
  std::vector<FrameEvent> events;
  framer.feed("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
              "\x81\x05hello",
              events);
  EXPECT_TRUE(framer.raw());
  EXPECT_EQ(events.back().type, Type::Data);
  EXPECT_EQ(events.back().length, 7u);
}

}  // namespace
}  // namespace outrider::faults::detail
