#pragma once

// outrider-control's admin routes on the shared admin listener (outrider/admin/admin_server.h):
//   GET  /ready    200 once the gRPC server has started (also during `down`: the process serves)
//   GET  /live     200
//   GET  /metrics  Prometheus text format
//   GET  /fault    {"mode": "...", "latency_ms": N, "since_unix_ms": N, "affected_calls": N}
//   POST /fault?mode=down|hang|error|slow[&latency=500ms] and ?mode=none; answers like GET
//        (400 for a bad query, 503 when the mode cannot change, say the port was taken)
//   GET  /issuance  the issuance switch (issuance_switch.h): mode, ttl, since, counters
//   POST /issuance?mode=normal|no-renewal|wrong-ca[&ttl=30s]; answers like GET (400, 503 alike)

#include <prometheus/registry.h>

#include <memory>

#include "outrider/admin/admin_server.h"
#include "outrider/control/control_server.h"

namespace outrider::control {

// `server` and `registry` must outlive the admin listener's handlers.
void addAdminRoutes(admin::AdminServer& admin, ControlServer& server,
                    const std::shared_ptr<prometheus::Registry>& registry);

}  // namespace outrider::control
