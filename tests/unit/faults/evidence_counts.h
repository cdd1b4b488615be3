#pragma once

// What a link fault's evidence is expected to count, checked field by field in one assertion:
// the kinds' filter tests and the link tests on sockets read the same FaultEvidence.

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "outrider/faults/link_fault.h"

namespace outrider::faults::test {

// A field left empty is not checked.
struct Counts {
  std::optional<uint64_t> injections;
  std::optional<uint64_t> opportunities;
  std::optional<uint64_t> connections_affected;
  std::optional<uint64_t> requests_affected;
  std::optional<uint64_t> bytes_affected;
  std::optional<std::string> evidence;
};

// Every field `expected` gives equals the evidence's; the failure names each one that differs.
inline testing::AssertionResult hasCounts(const FaultEvidence& e, const Counts& expected) {
  std::string differences;
  auto check = [&differences](const char* field, const auto& want, const auto& got) {
    if (want && *want != got) {
      differences += std::string(field) + " is " + testing::PrintToString(got) + ", expected " +
                     testing::PrintToString(*want) + "; ";
    }
  };
  check("injections", expected.injections, e.injections);
  check("opportunities", expected.opportunities, e.opportunities);
  check("connections_affected", expected.connections_affected, e.connections_affected);
  check("requests_affected", expected.requests_affected, e.requests_affected);
  check("bytes_affected", expected.bytes_affected, e.bytes_affected);
  check("evidence", expected.evidence, e.evidence);
  if (!differences.empty()) {
    return testing::AssertionFailure() << differences << "in " << e.name;
  }
  return testing::AssertionSuccess();
}

}  // namespace outrider::faults::test
