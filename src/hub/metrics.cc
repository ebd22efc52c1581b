#include "hub/metrics.h"

#include <fmt/format.h>

#include <cmath>

#include "hub/redis_bus.h"

namespace roundtable::hub {

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

std::string renderStoreMetrics(const store::Store::Stats& s) {
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  counter("roundtable_store_commits_total", "Store transactions committed (each may hold many updates).", s.commits);
  counter("roundtable_store_failed_commits_total", "Store transactions rolled back after an error.", s.failedCommits);
  counter("roundtable_store_appends_total", "Updates committed to the store.", s.appends);
  counter("roundtable_store_compactions_total", "Document logs compacted into one state.", s.compactions);
  counter("roundtable_store_bytes_written_total", "Update and state bytes committed.", s.bytesWritten);
  out += fmt::format("# HELP roundtable_store_damaged_documents Documents refused because their stored log is damaged "
                     "(the log names them).\n# TYPE roundtable_store_damaged_documents gauge\n"
                     "roundtable_store_damaged_documents {}\n",
                     s.damagedDocs);
  const char* name = "roundtable_persist_latency_seconds";
  out += fmt::format("# HELP {0} Time to commit one group of updates (BEGIN to COMMIT).\n# TYPE {0} histogram\n", name);
  for (size_t i = 0; i < s.commitSecondsBuckets.size(); ++i) {
    double bound = store::Store::kCommitSecondsBounds[i];
    std::string le = std::isinf(bound) ? "+Inf" : fmt::format("{}", bound);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, le, s.commitSecondsBuckets[i]);
  }
  out += fmt::format("{0}_sum {1}\n{0}_count {2}\n", name, s.commitSecondsSum, s.commitSecondsCount);
  // --fsync background: the fsyncs that follow the commits.
  counter("roundtable_store_fsyncs_total", "fsyncs of the write-ahead log after commits (--fsync background).", s.syncs);
  out += fmt::format("# HELP roundtable_store_fsync_seconds_total Time spent in those fsyncs.\n"
                     "# TYPE roundtable_store_fsync_seconds_total counter\nroundtable_store_fsync_seconds_total {}\n",
                     s.syncSecondsSum);
  counter("roundtable_store_checkpoints_total", "Checkpoints run beside those fsyncs.", s.checkpoints);
  counter("roundtable_store_fsync_retries_total",
          "fsyncs put off for want of a file descriptor or memory (retried; nothing is lost).", s.syncRetries);
  return out;
}

std::string renderBusMetrics(const RedisBus& bus) {
  RedisBus::Stats s = bus.stats();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
  };
  metric("roundtable_bus_connected", "gauge",
         "1 while both connections to Redis are up; 0 while this replica hears nothing from the others.",
         s.connected ? 1 : 0);
  metric("roundtable_bus_connects_total", "counter", "Connections to Redis made (the first, then one per reconnect).",
         s.connects);
  metric("roundtable_bus_disconnects_total", "counter", "Connections to Redis lost.", s.disconnects);
  metric("roundtable_bus_refused_logins_total", "counter",
         "Connections whose AUTH (password) or SELECT (database number) Redis refused.", s.refusedHandshakes);
  metric("roundtable_bus_published_total", "counter", "Messages published to the other replicas.", s.published);
  metric("roundtable_bus_received_total", "counter", "Messages received from the other replicas.", s.received);
  metric("roundtable_bus_dropped_total", "counter",
         "Publishes dropped: Redis was away, or awareness past the bytes in flight (the others catch up).", s.dropped);
  metric("roundtable_bus_shrunk_total", "counter",
         "Updates published as seq-only notices past the bytes in flight (the others read them from the store).",
         s.shrunk);
  metric("roundtable_bus_refused_total", "counter", "Malformed messages on our channels, ignored.", s.refused);
  return out;
}

}  // namespace roundtable::hub
