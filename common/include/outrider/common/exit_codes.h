#pragma once

// The exit codes of spec/cli.md, the one place they are spelled out.

namespace outrider::exit_code {

constexpr int Pass = 0;          // every gate finding clear
constexpr int Fail = 1;          // a gate finding (objective, page, ticket, budget)
constexpr int Usage = 2;         // a usage or scenario error
constexpr int Harness = 3;       // the harness or the host failed
constexpr int Inconclusive = 4;  // too few events to judge
constexpr int Invalid = 5;       // the run cannot be trusted (a fault without effect, ...)

// The words of spec/cli.md for an exit code, for tables and logs; "unexpected" for a code it does
// not list (a crash of a child, a signal).
constexpr const char* meaning(int code) {
  switch (code) {
    case Pass:
      return "pass";
    case Fail:
      return "fail";
    case Usage:
      return "usage or scenario error";
    case Harness:
      return "harness or host error";
    case Inconclusive:
      return "inconclusive";
    case Invalid:
      return "invalid run";
    default:
      return "unexpected";
  }
}

}  // namespace outrider::exit_code
