#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <tl/expected.hpp>

#include "outrider/common/exit_codes.h"

namespace outrider {

// What went wrong, in the terms the exit codes of spec/cli.md use.
enum class ErrorCode {
  InvalidArgument,  // usage or scenario error (exit 2)
  NotFound,         // a file or program that is not there (exit 2)
  Io,               // the host refused something: spawn, bind, write (exit 3)
  Timeout,          // something did not become ready in time (exit 3)
  Internal,         // a broken invariant in outrider itself (exit 3)
};

// A place in a source file, 1-based, as toml++ reports it.
struct SourceLocation {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  std::optional<SourceLocation> where;
};

// Result<T> at boundaries (loading, spawning, writing reports); error codes in the data plane.
template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> makeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::nullopt});
}

// The exit code spec/cli.md assigns to an error of this kind.
inline int exitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::NotFound:
      return exit_code::Usage;
    case ErrorCode::Io:
    case ErrorCode::Timeout:
    case ErrorCode::Internal:
      return exit_code::Harness;
  }
  return exit_code::Harness;
}

}  // namespace outrider
