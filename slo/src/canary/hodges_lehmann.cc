#include "outrider/slo/canary/hodges_lehmann.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace outrider::slo::canary {

double hodgesLehmannShift(std::span<const double> candidate, std::span<const double> baseline) {
  std::vector<double> differences;
  differences.reserve(candidate.size() * baseline.size());
  for (double c : candidate) {
    for (double b : baseline) {
      const double difference = c - b;  // NaN for a NaN value, and for inf - inf
      if (!std::isnan(difference)) {
        differences.push_back(difference);
      }
    }
  }
  if (differences.empty()) {
    return 0;
  }
  const auto middle = differences.begin() + static_cast<std::ptrdiff_t>(differences.size() / 2);
  std::nth_element(differences.begin(), middle, differences.end());
  if (differences.size() % 2 == 1) {
    return *middle;
  }
  // The lower middle is the largest value before the upper one.
  const double lower = *std::max_element(differences.begin(), middle);
  return (lower + *middle) / 2;
}

}  // namespace outrider::slo::canary
