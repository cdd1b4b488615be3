#pragma once

// A log-linear histogram with HdrHistogram's bucket layout (Gil Tene's HdrHistogram): every value
// in [lowest, highest] is kept to `significant_digits` decimal digits, so with the defaults (unit
// 1 ns, range 1 ns..60 s, 3 digits) any recorded duration is known to within 0.1%.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace outrider {

class Histogram {
 public:
  __extension__ using Sum = unsigned __int128;  // 60 s * 2^64 records cannot overflow it

  static constexpr int64_t DefaultLowest = 1;                // 1 ns
  static constexpr int64_t DefaultHighest = 60'000'000'000;  // 60 s in ns
  static constexpr int DefaultSignificantDigits = 3;

  // lowest_discernible >= 1, highest_trackable >= 2 * lowest_discernible, digits in [1, 5]; out-of-
  // range arguments are clamped to the nearest valid value. No memory is taken until the first
  // record(): an unused histogram (an empty second of a series) costs a few words.
  Histogram(int64_t lowest_discernible, int64_t highest_trackable,
            int significant_digits = DefaultSignificantDigits);
  Histogram() : Histogram(DefaultLowest, DefaultHighest) {}

  // Records a value. Values above highest() are counted as highest() (see clampedCount()),
  // negative values as 0. Never allocates except on the first record after construction,
  // reset() or compact().
  void record(int64_t value) { recordCount(value, 1); }
  void recordCount(int64_t value, uint64_t count) {
    if (count == 0) {
      return;
    }
    if (value > highest_) {
      value = highest_;
      clamped_ += count;
    } else if (value < 0) {
      value = 0;
    }
    if (dense_.empty()) {
      expand();
    }
    dense_[countsIndexFor(value)] += count;
    total_ += count;
    sum_ += static_cast<Sum>(value) * count;
    if (value < min_) {
      min_ = value;
    }
    if (value > max_) {
      max_ = value;
    }
  }

  // Adds every count of other. Histograms with the same layout merge bucket by bucket, exactly;
  // others re-record each bucket at its lowest equivalent value (HdrHistogram's add()).
  void add(const Histogram& other);

  void reset();

  // Keeps only the non-zero buckets (a few KiB instead of the ~220 KiB dense array) for a
  // histogram that is done recording. Every query keeps working; a later record() re-expands it.
  void compact();

  uint64_t count() const { return total_; }
  // Exact recorded extremes (after clamping); 0 when empty.
  int64_t min() const { return total_ == 0 ? 0 : min_; }
  int64_t max() const { return total_ == 0 ? 0 : max_; }
  // Exact arithmetic mean of the recorded (clamped) values; 0 when empty.
  double mean() const;
  // How many records were above highest() and counted as highest().
  uint64_t clampedCount() const { return clamped_; }

  // The value at percentile p in [0, 100]: the bucket where the cumulative count first reaches
  // ceil(p / 100 * count()) (at least 1), reported as that bucket's highest equivalent value,
  // capped at max(). The answer is therefore never below the true sample percentile and at most
  // one bucket width (<= 0.1% with 3 digits) above it; p = 100 gives max() exactly. 0 when empty.
  int64_t valueAtPercentile(double p) const;

  // How many recorded values are <= value, at the histogram's resolution: a bucket counts when its
  // lowest equivalent value is <= value, so values at most one bucket width (<= 0.1%) above
  // `value` may be included. Exact for values below 2 * 10^digits units.
  uint64_t countAtOrBelow(int64_t value) const;

  // Bucket geometry, HdrHistogram's definitions.
  int64_t lowestEquivalentValue(int64_t value) const;
  int64_t highestEquivalentValue(int64_t value) const;
  bool equivalent(int64_t a, int64_t b) const {
    return lowestEquivalentValue(a) == lowestEquivalentValue(b);
  }

  int64_t lowest() const { return lowest_; }
  int64_t highest() const { return highest_; }
  int significantDigits() const { return digits_; }
  bool sameLayout(const Histogram& other) const {
    return unit_magnitude_ == other.unit_magnitude_ &&
           sub_bucket_half_count_magnitude_ == other.sub_bucket_half_count_magnitude_ &&
           counts_len_ == other.counts_len_;
  }
  // Bytes held by the counts (dense array or compacted pairs).
  std::size_t memoryBytes() const {
    return dense_.capacity() * sizeof(uint64_t) + sparse_.capacity() * sizeof(SparseEntry);
  }

  // Calls fn(lowest_equivalent, highest_equivalent, count) for each non-zero bucket, in value
  // order (for interval logs, reports and tests).
  template <class Fn>
  void forEachBucket(Fn&& fn) const {
    forEachIndex([&](uint32_t index, uint64_t count) {
      const int64_t low = valueFromIndex(index);
      fn(low, highestEquivalentValue(low), count);
    });
  }

 private:
  struct SparseEntry {
    uint32_t index;
    uint64_t count;
  };

  void expand();

  uint32_t countsIndexFor(int64_t value) const {
    const int bucket = bucketIndex(value);
    const int sub_bucket = subBucketIndex(value, bucket);
    return static_cast<uint32_t>(((bucket + 1) << sub_bucket_half_count_magnitude_) +
                                 (sub_bucket - sub_bucket_half_count_));
  }
  int bucketIndex(int64_t value) const {
    // The position of the highest set bit above the first sub-bucket range.
    return leading_zero_count_base_ -
           __builtin_clzll(static_cast<uint64_t>(value) | sub_bucket_mask_);
  }
  int subBucketIndex(int64_t value, int bucket) const {
    return static_cast<int>(static_cast<uint64_t>(value) >> (bucket + unit_magnitude_));
  }
  int64_t valueFromIndex(uint32_t index) const;
  int64_t sizeOfEquivalentRange(int64_t value) const;

  template <class Fn>
  void forEachIndex(Fn&& fn) const {
    if (!dense_.empty()) {
      for (uint32_t i = 0; i < counts_len_; ++i) {
        if (dense_[i] != 0) {
          fn(i, dense_[i]);
        }
      }
    } else {
      for (const auto& entry : sparse_) {
        fn(entry.index, entry.count);
      }
    }
  }

  int64_t lowest_;
  int64_t highest_;
  int digits_;
  int unit_magnitude_ = 0;
  int sub_bucket_half_count_magnitude_ = 0;
  int32_t sub_bucket_count_ = 0;
  int32_t sub_bucket_half_count_ = 0;
  uint64_t sub_bucket_mask_ = 0;
  int leading_zero_count_base_ = 0;
  uint32_t counts_len_ = 0;

  // Exactly one of the two holds the counts: dense while recording, sparse after compact() (or
  // neither while empty).
  std::vector<uint64_t> dense_;
  std::vector<SparseEntry> sparse_;
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  Sum sum_ = 0;
  int64_t min_ = std::numeric_limits<int64_t>::max();
  int64_t max_ = 0;
};

}  // namespace outrider
