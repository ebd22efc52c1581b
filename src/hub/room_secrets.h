// RoomSecrets: the WebRTC room secret of each plan, kept by the hub.
//
// y-webrtc derives a room's encryption key from a password; the web app
// calls it the plan's room secret and carries it in URL fragments (#k=...),
// never to a server. The hub keeps one per plan so that its own y-webrtc peer,
// the author's pages (same origin) and the share link create_plan returns all
// name the same room. The secrets live in the hub's data directory, never in a
// document and never in anything sent to a relay.
//
//   std::unique_ptr<RoomSecrets> secrets;
//   Status s = RoomSecrets::open(dataDir / "room-secrets.json", &secrets);
//   std::string k;
//   s = secrets->ensure("planid", &k);        // made and stored if the plan had none
//   s = secrets->adopt("older", browsers, &k); // a browser's, unless the plan has one
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::hub {

class RoomSecrets {
 public:
  // Most plans with a secret; ensure() and adopt() refuse more (ResourceExhausted).
  static constexpr size_t kMaxSecrets = 100000;

  // Reads the file (absent: no secrets yet). A file that is not what this
  // class writes is an error naming the file, not an empty table: the hub
  // must not mint new secrets for plans whose links are out there.
  static Status open(std::filesystem::path file, std::unique_ptr<RoomSecrets>* out);

  // A room secret as the web app makes and accepts one (share.ts
  // secretFromHash): 16 to 128 characters of [A-Za-z0-9_-].
  static bool valid(std::string_view secret);
  // A plan id that may have a secret: a name the hub accepts for a document
  // (1 to 1024 bytes of UTF-8, no NUL), not the plan index's.
  static bool validPlanId(std::string_view planId);
  // A new random secret: 18 bytes from OpenSSL's RAND_bytes in base64url
  // without padding (24 characters). Internal if OpenSSL has no randomness.
  static Status newSecret(std::string* out);
  // Largest file open() reads; a larger one is refused as not this class's.
  static constexpr size_t kMaxFileBytes = 64u << 20;

  // The plan's secret, if it has one.
  std::optional<std::string> get(const std::string& planId) const;
  // The plan's secret; a new random one (18 bytes, base64url, as the web app
  // makes them) is made and written durably first if it had none.
  Status ensure(const std::string& planId, std::string* secret);
  // Keeps `secret` for the plan if it has none yet (plans made before the hub
  // kept secrets); *kept is the plan's secret afterwards, either way.
  // InvalidArgument for a secret that is not valid().
  Status adopt(const std::string& planId, const std::string& secret, std::string* kept);
  // Every plan with a secret, as (plan id, secret).
  std::vector<std::pair<std::string, std::string>> all() const;

  // Called after a plan gets its secret (durably), on the thread that gave it,
  // outside any lock of this class. One listener; set before use.
  using Listener = std::function<void(const std::string& planId, const std::string& secret)>;
  void setListener(Listener listener);

  ~RoomSecrets();

  struct Impl;

 private:
  explicit RoomSecrets(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace roundtable::hub
