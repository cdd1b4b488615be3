#include "outrider/slo/canary/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "outrider/slo/canary/distributions.h"

namespace outrider::slo::canary {
namespace {

// How many k-subsets of the items have each sum of weights: counts[s], s from 0 to the largest
// possible sum. Doubles: the counts reach C(98, 49) ~ 2.5e28, and only their ratios matter. Every
// step adds, so nothing cancels.
std::vector<double> subsetSumCounts(const std::vector<int64_t>& weights, std::size_t k) {
  std::vector<int64_t> sorted = weights;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  int64_t max_sum = 0;
  for (std::size_t i = 0; i < k && i < sorted.size(); ++i) {
    max_sum += sorted[i];
  }
  const auto width = static_cast<std::size_t>(max_sum) + 1;
  std::vector<double> f((k + 1) * width, 0.0);  // f[j * width + s]
  f[0] = 1;
  for (std::size_t t = 0; t < weights.size(); ++t) {
    const auto w = static_cast<std::size_t>(weights[t]);
    for (std::size_t j = std::min(t + 1, k); j >= 1; --j) {
      double* to = &f[j * width];
      const double* from = &f[(j - 1) * width];
      for (std::size_t s = width; s-- > w;) {
        to[s] += from[s - w];
      }
    }
  }
  return {f.begin() + static_cast<std::ptrdiff_t>(k * width), f.end()};
}

struct Ranked {
  double candidate_rank_sum = 0;
  double tie_term = 0;                 // sum over tie groups of t^3 - t
  std::vector<int64_t> doubled_ranks;  // 2 * mid-rank of every value: whole numbers
};

Ranked rank(std::span<const double> candidate, std::span<const double> baseline) {
  std::vector<std::pair<double, bool>> values;  // (value, is candidate)
  values.reserve(candidate.size() + baseline.size());
  for (double v : candidate) {
    if (!std::isnan(v)) {
      values.emplace_back(v, true);
    }
  }
  for (double v : baseline) {
    if (!std::isnan(v)) {
      values.emplace_back(v, false);
    }
  }
  std::sort(values.begin(), values.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  Ranked ranked;
  ranked.doubled_ranks.reserve(values.size());
  for (std::size_t i = 0; i < values.size();) {
    std::size_t j = i;
    while (j < values.size() && values[j].first == values[i].first) {
      ++j;
    }
    // Positions i..j-1 share the ranks i+1..j; their mid-rank is (i + 1 + j) / 2.
    const auto doubled = static_cast<int64_t>(i + 1 + j);
    const double t = static_cast<double>(j - i);
    ranked.tie_term += t * t * t - t;
    for (std::size_t k = i; k < j; ++k) {
      ranked.doubled_ranks.push_back(doubled);
      if (values[k].second) {
        ranked.candidate_rank_sum += static_cast<double>(doubled) / 2;
      }
    }
    i = j;
  }
  return ranked;
}

// P(S <= s) and P(S >= s) for the doubled rank sum S of the candidate's m values.
std::pair<double, double> exactTails(const std::vector<int64_t>& doubled_ranks, std::size_t m,
                                     int64_t observed) {
  const std::size_t n = doubled_ranks.size() - m;
  // Counting the smaller side's subsets is cheaper; the baseline's sum is the total minus ours.
  const bool count_candidate = m <= n;
  int64_t total = 0;
  for (int64_t r : doubled_ranks) {
    total += r;
  }
  const std::vector<double> counts = subsetSumCounts(doubled_ranks, count_candidate ? m : n);
  const int64_t cut = count_candidate ? observed : total - observed;
  double below = 0;  // counted side's sum < cut
  double at = 0;
  double above = 0;
  for (std::size_t s = 0; s < counts.size(); ++s) {
    const auto sum = static_cast<int64_t>(s);
    if (sum < cut) {
      below += counts[s];
    } else if (sum == cut) {
      at += counts[s];
    } else {
      above += counts[s];
    }
  }
  const double all = below + at + above;
  const double lower_or_equal = (below + at) / all;
  const double upper_or_equal = (above + at) / all;
  if (count_candidate) {
    return {lower_or_equal, upper_or_equal};
  }
  return {upper_or_equal, lower_or_equal};
}

}  // namespace

MannWhitney mannWhitney(std::span<const double> candidate, std::span<const double> baseline,
                        MannWhitneyMethod method) {
  const Ranked ranked = rank(candidate, baseline);
  const std::size_t big_n = ranked.doubled_ranks.size();
  std::size_t m = 0;
  for (double v : candidate) {
    m += std::isnan(v) ? 0 : 1;
  }
  const std::size_t n = big_n - m;
  MannWhitney result;
  if (m == 0 || n == 0) {
    return result;
  }
  const double md = static_cast<double>(m);
  const double nd = static_cast<double>(n);
  const double nn = static_cast<double>(big_n);
  result.u = ranked.candidate_rank_sum - md * (md + 1) / 2;

  const double centred = result.u - md * nd / 2;
  const double variance = md * nd / 12 * ((nn + 1) - ranked.tie_term / (nn * (nn - 1)));
  if (variance > 0) {
    const double correction = centred > 0 ? 0.5 : centred < 0 ? -0.5 : 0;
    result.z = (centred - correction) / std::sqrt(variance);
  }
  const bool exact =
      method == MannWhitneyMethod::Exact || (method == MannWhitneyMethod::Auto && m < 50 && n < 50);
  if (variance <= 0) {
    result.exact = exact;
    return result;  // every value equal: nothing to tell apart
  }
  if (!exact) {
    result.p_value = std::min(1.0, 2 * normalUpperTail(std::fabs(result.z)));
    return result;
  }
  const auto observed = static_cast<int64_t>(std::llround(2 * ranked.candidate_rank_sum));
  const auto [lower, upper] = exactTails(ranked.doubled_ranks, m, observed);
  // R's two-sided rule: double the tail on the side U lies.
  result.p_value = std::min(1.0, 2 * (centred > 0 ? upper : lower));
  result.exact = true;
  return result;
}

std::optional<ExactRejection> mannWhitneyExactRejection(std::size_t m, std::size_t n,
                                                        double alpha) {
  if (m == 0 || n == 0) {
    return std::nullopt;
  }
  std::vector<int64_t> ranks(m + n);
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    ranks[i] = static_cast<int64_t>(i + 1);
  }
  const std::vector<double> counts = subsetSumCounts(ranks, std::min(m, n));
  double all = 0;
  for (double c : counts) {
    all += c;
  }
  // The smaller side's rank sum starts at k(k+1)/2, where its U is 0; U's law is symmetric, so
  // either side's lower tail is U's.
  const std::size_t k = std::min(m, n);
  const std::size_t first = k * (k + 1) / 2;
  std::optional<ExactRejection> region;
  double tail = 0;
  for (std::size_t s = first; s < counts.size(); ++s) {
    tail += counts[s];
    if (2 * tail / all > alpha) {
      break;
    }
    region = ExactRejection{s - first, 2 * tail / all};
  }
  return region;
}

}  // namespace outrider::slo::canary
