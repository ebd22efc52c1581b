// LogThrottle: lets a repeated log line through a few times a second and
// counts the rest, so that a flood (refused connections, a descriptor limit,
// evicted sessions) cannot fill the disk with one line repeated millions of
// times. One throttle per kind of line:
//
//   static LogThrottle throttle;
//   if (auto suppressed = throttle.allow())
//     spdlog::warn("accept: {} ({} more like it not logged)", ec.message(), *suppressed);
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace roundtable::hub {

class LogThrottle {
 public:
  explicit LogThrottle(unsigned perSecond = 5) : perSecond_(perSecond) {}

  // When the line may be logged now: how many were withheld since the last
  // one that was. Otherwise nothing (and the line counts as withheld).
  std::optional<uint64_t> allow() {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (now - windowStart_ >= std::chrono::seconds(1)) {
      windowStart_ = now;
      inWindow_ = 0;
    }
    if (inWindow_ >= perSecond_) {
      ++withheld_;
      return std::nullopt;
    }
    ++inWindow_;
    uint64_t withheld = withheld_;
    withheld_ = 0;
    return withheld;
  }

 private:
  const unsigned perSecond_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point windowStart_{};
  unsigned inWindow_ = 0;
  uint64_t withheld_ = 0;
};

}  // namespace roundtable::hub
