#pragma once

// A whole load run on the calling thread, for the load generator's tests on loopback: io.run()
// returns when every coroutine of the run has ended.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <utility>

#include "outrider/common/clock.h"
#include "outrider/harness/load_generator.h"

namespace outrider::harness {

// An empty result (and a failure) when the config is refused.
inline LoadResult runLoadToEnd(const Clock& clock, LoadConfig config) {
  boost::asio::io_context io;
  auto generator = LoadGenerator::create(io, clock, std::move(config));
  EXPECT_TRUE(generator.has_value()) << generator.error().message;
  if (!generator) {
    return {};
  }
  auto done = boost::asio::co_spawn(io, (*generator)->run(), boost::asio::use_future);
  io.run();
  return done.get();
}

}  // namespace outrider::harness
