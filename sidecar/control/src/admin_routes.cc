#include "outrider/control/admin_routes.h"

#include <prometheus/text_serializer.h>

namespace outrider::control {

void addAdminRoutes(admin::AdminServer& admin, ControlServer& server,
                    const std::shared_ptr<prometheus::Registry>& registry) {
  admin.route("GET", "/live", [](const admin::AdminRequest&) {
    return admin::AdminReply{200, "text/plain", "live\n"};
  });
  admin.route("GET", "/ready", [&server](const admin::AdminRequest&) {
    if (!server.started()) {
      return admin::AdminReply{503, "text/plain", "not serving yet\n"};
    }
    return admin::AdminReply{200, "text/plain", "ready\n"};
  });
  admin.route("GET", "/metrics", [registry](const admin::AdminRequest&) {
    return admin::AdminReply{200, "text/plain; version=0.0.4",
                             prometheus::TextSerializer().Serialize(registry->Collect())};
  });
  admin.route("GET", "/fault", [&server](const admin::AdminRequest&) {
    return admin::AdminReply{200, "application/json", faultStateJson(server.fault())};
  });
  admin.route("POST", "/fault", [&server](const admin::AdminRequest& request) {
    auto setting = parseFaultQuery(request.query);
    if (!setting) {
      return admin::AdminReply{400, "text/plain", setting.error().message + "\n"};
    }
    auto state = server.setFault(*setting);
    if (!state) {
      return admin::AdminReply{503, "text/plain", state.error().message + "\n"};
    }
    return admin::AdminReply{200, "application/json", faultStateJson(*state)};
  });
  admin.route("GET", "/issuance", [&server](const admin::AdminRequest&) {
    return admin::AdminReply{200, "application/json", issuanceStateJson(server.issuance())};
  });
  admin.route("POST", "/issuance", [&server](const admin::AdminRequest& request) {
    auto setting = parseIssuanceQuery(request.query);
    if (!setting) {
      return admin::AdminReply{400, "text/plain", setting.error().message + "\n"};
    }
    auto state = server.setIssuance(*setting);
    if (!state) {
      return admin::AdminReply{503, "text/plain", state.error().message + "\n"};
    }
    return admin::AdminReply{200, "application/json", issuanceStateJson(*state)};
  });
}

}  // namespace outrider::control
