// RoomSecretApi: a plan's WebRTC room secret over HTTP, for the hub's own
// pages (same origin; the Router applies the request policy, the
// Sec-Fetch-Site rule and access control before it gets here).
//
//   GET  /api/plans/<planId>/room-secret                  200 {"secret":"..."}, 404 if the plan has none
//   POST /api/plans/<planId>/room-secret {"secret":"..."}  adopt: 200 {"secret": <the one kept>}, 400 if malformed,
//                                                          404 if there is no such plan
//
// Answers carry Cache-Control: no-store.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hub/router.h"

namespace roundtable::hub {

class RoomSecrets;
class PlanService;

class RoomSecretApi {
 public:
  // Largest POST body read: HttpSession stops reading past it (413).
  static constexpr size_t kMaxBodyBytes = 4096;

  // For a target /api/plans/<id>/room-secret (query ignored): the
  // percent-decoded id, which may be empty or invalid (the caller answers
  // 400); nullopt for any other path.
  static std::optional<std::string> planIdOf(std::string_view target);

  RoomSecretApi(std::shared_ptr<RoomSecrets> secrets, std::shared_ptr<PlanService> plans);

  // Answers `request` (GET or POST, for a valid plan id) through
  // `respond`, exactly once, perhaps later and on another thread.
  using Respond = std::function<void(HttpResponse)>;
  void serve(const HttpRequest& request, const std::string& planId, Respond respond) const;

 private:
  std::shared_ptr<RoomSecrets> secrets_;
  std::shared_ptr<PlanService> plans_;
};

// A JSON answer that no cache keeps.
HttpResponse noStoreJson(const HttpRequest& request, boost::beast::http::status status, const std::string& json);

}  // namespace roundtable::hub
