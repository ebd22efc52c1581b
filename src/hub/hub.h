// Hub: the `roundtable serve` (and `roundtable signal`) process. One port,
// HTTP and WebSocket; see Router for what it serves.
//
//   std::unique_ptr<Hub> hub;
//   Status s = Hub::Create(options, &hub);   // takes the data directory, binds
//   if (!s.ok()) { print(s.message()); return 1; }
//   hub->run();                              // until SIGINT/SIGTERM or stop()
#pragma once

#include <memory>

#include "hub/hub_options.h"
#include "roundtable/base/status.h"

namespace roundtable::hub {

class Hub {
 public:
  // Opens the store (refused if another hub holds the data directory) and
  // binds the port. Nothing is served until run().
  static Status Create(const HubOptions& options, std::unique_ptr<Hub>* out);
  ~Hub();

  uint16_t port() const;
  // Serves on `options.threads` threads until stop() or a termination signal;
  // then stops accepting, commits every accepted update and returns.
  void run();
  // Thread-safe.
  void stop();

 private:
  struct Impl;
  explicit Hub(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace roundtable::hub
