#include "outrider/common/histogram.h"

#include <algorithm>
#include <cmath>

namespace outrider {
namespace {

int floorLog2(uint64_t value) { return 63 - __builtin_clzll(value); }

int ceilLog2(uint64_t value) { return value <= 1 ? 0 : 64 - __builtin_clzll(value - 1); }

}  // namespace

Histogram::Histogram(int64_t lowest_discernible, int64_t highest_trackable, int significant_digits)
    : lowest_(std::max<int64_t>(lowest_discernible, 1)),
      highest_(std::max<int64_t>(highest_trackable, 2 * lowest_)),
      digits_(std::clamp(significant_digits, 1, 5)) {
  // HdrHistogram's layout: 2 * 10^digits single-unit sub-buckets in the first bucket, then each
  // bucket doubles the unit and uses the upper half of its sub-buckets.
  int64_t largest_single_unit = 2;
  for (int i = 0; i < digits_; ++i) {
    largest_single_unit *= 10;
  }
  const int sub_bucket_count_magnitude = ceilLog2(static_cast<uint64_t>(largest_single_unit));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, 1) - 1;
  unit_magnitude_ = floorLog2(static_cast<uint64_t>(lowest_));
  sub_bucket_count_ = int32_t{1} << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = static_cast<uint64_t>(sub_bucket_count_ - 1) << unit_magnitude_;
  leading_zero_count_base_ = 64 - unit_magnitude_ - sub_bucket_half_count_magnitude_ - 1;

  int64_t smallest_untrackable = static_cast<int64_t>(sub_bucket_count_) << unit_magnitude_;
  int bucket_count = 1;
  while (smallest_untrackable <= highest_) {
    if (smallest_untrackable > std::numeric_limits<int64_t>::max() / 2) {
      ++bucket_count;
      break;
    }
    smallest_untrackable <<= 1;
    ++bucket_count;
  }
  counts_len_ = static_cast<uint32_t>((bucket_count + 1) * sub_bucket_half_count_);
}

void Histogram::expand() {
  dense_.assign(counts_len_, 0);
  for (const auto& entry : sparse_) {
    dense_[entry.index] += entry.count;
  }
  sparse_.clear();
  sparse_.shrink_to_fit();
}

void Histogram::compact() {
  if (dense_.empty()) {
    return;
  }
  size_t non_zero = 0;
  for (uint64_t c : dense_) {
    non_zero += c != 0 ? 1 : 0;
  }
  std::vector<SparseEntry> sparse;
  sparse.reserve(non_zero);
  for (uint32_t i = 0; i < counts_len_; ++i) {
    if (dense_[i] != 0) {
      sparse.push_back(SparseEntry{i, dense_[i]});
    }
  }
  sparse_ = std::move(sparse);
  dense_.clear();
  dense_.shrink_to_fit();
}

void Histogram::reset() {
  std::fill(dense_.begin(), dense_.end(), 0);
  sparse_.clear();
  total_ = 0;
  clamped_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<int64_t>::max();
  max_ = 0;
}

void Histogram::add(const Histogram& other) {
  if (other.total_ == 0) {
    return;
  }
  if (!sameLayout(other)) {
    other.forEachIndex(
        [&](uint32_t index, uint64_t count) { recordCount(other.valueFromIndex(index), count); });
    return;
  }
  if (dense_.empty()) {
    expand();
  }
  other.forEachIndex([&](uint32_t index, uint64_t count) { dense_[index] += count; });
  total_ += other.total_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double Histogram::mean() const {
  if (total_ == 0) {
    return 0.0;
  }
  return static_cast<double>(sum_) / static_cast<double>(total_);
}

int64_t Histogram::valueFromIndex(uint32_t index) const {
  int bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude_) - 1;
  int sub_bucket = static_cast<int>(index & static_cast<uint32_t>(sub_bucket_half_count_ - 1)) +
                   sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return static_cast<int64_t>(sub_bucket) << (bucket + unit_magnitude_);
}

int64_t Histogram::sizeOfEquivalentRange(int64_t value) const {
  const int bucket = bucketIndex(value);
  const int sub_bucket = subBucketIndex(value, bucket);
  const int adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return int64_t{1} << (unit_magnitude_ + adjusted);
}

int64_t Histogram::lowestEquivalentValue(int64_t value) const {
  value = std::max<int64_t>(value, 0);
  const int bucket = bucketIndex(value);
  const int sub_bucket = subBucketIndex(value, bucket);
  return static_cast<int64_t>(sub_bucket) << (bucket + unit_magnitude_);
}

int64_t Histogram::highestEquivalentValue(int64_t value) const {
  value = std::max<int64_t>(value, 0);
  return lowestEquivalentValue(value) + sizeOfEquivalentRange(value) - 1;
}

int64_t Histogram::valueAtPercentile(double p) const {
  if (total_ == 0) {
    return 0;
  }
  p = std::clamp(p, 0.0, 100.0);
  // ceil(p/100 * N) in long double; the relative nudge keeps 99% of 100 at 99, not 100, when the
  // product lands a rounding error above an integer.
  const long double exact = static_cast<long double>(p) / 100.0L * total_;
  auto target = static_cast<uint64_t>(std::ceil(exact - exact * 1e-15L));
  target = std::clamp<uint64_t>(target, 1, total_);
  uint64_t cumulative = 0;
  int64_t answer = max_;
  bool found = false;
  forEachIndex([&](uint32_t index, uint64_t count) {
    if (found) {
      return;
    }
    cumulative += count;
    if (cumulative >= target) {
      answer = std::min(highestEquivalentValue(valueFromIndex(index)), max_);
      found = true;
    }
  });
  return answer;
}

uint64_t Histogram::countAtOrBelow(int64_t value) const {
  if (value < 0 || total_ == 0) {
    return 0;
  }
  uint64_t below = 0;
  forEachIndex([&](uint32_t index, uint64_t count) {
    if (valueFromIndex(index) <= value) {
      below += count;
    }
  });
  return below;
}

}  // namespace outrider
