#include "outrider/secrets/secrets_metrics.h"

#include <prometheus/text_serializer.h>

namespace outrider::secrets {

namespace {

prometheus::Histogram::BucketBoundaries refreshBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace

SecretsMetrics::SecretsMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      refresh_seconds_(prometheus::BuildHistogram()
                           .Name("outrider_secrets_refresh_seconds")
                           .Help("From opening a FetchX509 call to its set being on disk (M10)")
                           .Register(*registry_)
                           .Add({}, refreshBuckets())),
      remaining_validity_(prometheus::BuildGauge()
                              .Name("outrider_secrets_remaining_validity_seconds")
                              .Help("Seconds until the current certificate's NotAfter (0 if none)")
                              .Register(*registry_)
                              .Add({})),
      failures_(prometheus::BuildCounter()
                    .Name("outrider_secrets_fetch_failures_total")
                    .Help("Failed joins and fetches, by gRPC status code name")
                    .Register(*registry_)),
      rotations_(prometheus::BuildCounter()
                     .Name("outrider_secrets_rotations_total")
                     .Help("Sets written that replaced an earlier set")
                     .Register(*registry_)
                     .Add({})),
      attempts_(prometheus::BuildCounter()
                    .Name("outrider_secrets_fetch_attempts_total")
                    .Help("Joins and fetches that ended, landed or failed: the total of a ratio "
                          "SLI whose bad events are outrider_secrets_fetch_failures_total")
                    .Register(*registry_)
                    .Add({})),
      degraded_(prometheus::BuildGauge()
                    .Name("outrider_secrets_degraded")
                    .Help("1 while the set is expired or has less than --degraded-below of its "
                          "lifetime left")
                    .Register(*registry_)
                    .Add({})),
      not_after_(prometheus::BuildGauge()
                     .Name("outrider_secrets_cert_not_after_seconds")
                     .Help("The current certificate's NotAfter, unix seconds (0 if none)")
                     .Register(*registry_)
                     .Add({})),
      ready_(prometheus::BuildGauge()
                 .Name("outrider_secrets_ready")
                 .Help("1 while a valid set is on disk")
                 .Register(*registry_)
                 .Add({})) {
  // The codes a scrape should always see, so rate() has a series before the first failure.
  for (const char* code : {"UNAVAILABLE", "DEADLINE_EXCEEDED", "UNAUTHENTICATED"}) {
    failures_.Add({{"code", code}});
  }
}

void SecretsMetrics::countFailure(const std::string& code) {
  failures_.Add({{"code", code}}).Increment();
  attempts_.Increment();
}

double SecretsMetrics::failuresForTest(const std::string& code) const {
  return failures_.Has({{"code", code}}) ? failures_.Add({{"code", code}}).Value() : 0;
}

uint64_t SecretsMetrics::refreshCountForTest() const {
  return refresh_seconds_.Collect().histogram.sample_count;
}

std::string SecretsMetrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace outrider::secrets
