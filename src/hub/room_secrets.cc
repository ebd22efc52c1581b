#include "hub/room_secrets.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/token.h"
#include "hub/atomic_file.h"
#include "lib0/utf.h"
#include "plan/plan_index.h"

namespace roundtable::hub {

namespace {

// The file: {"version":1,"secrets":{"<plan id>":"<secret>",...}}.
constexpr int kFormatVersion = 1;
constexpr size_t kMaxPlanIdBytes = 1024;  // as Router's document names

Status notOurs(const std::filesystem::path& file, const std::string& why) {
  return Status::InvalidArgument(file.string() + " is not a room secrets file (" + why +
                                 "); move it away to start with no secrets, which changes every plan's room");
}

}  // namespace

struct RoomSecrets::Impl {
  std::filesystem::path file;
  mutable std::mutex mutex;
  std::map<std::string, std::string> secrets;  // ordered: the file reads the same for the same table
  Listener listener;

  std::string serialize() const {
    nlohmann::ordered_json table = nlohmann::ordered_json::object();
    for (const auto& [planId, secret] : secrets) table[planId] = secret;
    nlohmann::ordered_json root;
    root["version"] = kFormatVersion;
    root["secrets"] = std::move(table);
    return root.dump(1) + "\n";
  }

  // Gives the plan `candidate` unless it has a secret; *kept is the plan's
  // secret afterwards. Durable before it returns; the listener then hears of
  // a new one.
  Status keep(const std::string& planId, const std::string& candidate, std::string* kept) {
    Listener notify;
    {
      std::lock_guard lock(mutex);
      if (auto it = secrets.find(planId); it != secrets.end()) {
        *kept = it->second;
        return Status::Ok();
      }
      if (secrets.size() >= kMaxSecrets)
        return Status::ResourceExhausted("the hub keeps room secrets for at most " + std::to_string(kMaxSecrets) +
                                         " plans");
      secrets.emplace(planId, candidate);
      // Written under the lock, so that two new secrets never race to the file.
      if (Status s = writeFileAtomically(file, serialize()); !s.ok()) {
        secrets.erase(planId);
        return s;
      }
      *kept = candidate;
      notify = listener;
    }
    if (notify) notify(planId, *kept);
    return Status::Ok();
  }
};

RoomSecrets::RoomSecrets(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RoomSecrets::~RoomSecrets() = default;

bool RoomSecrets::valid(std::string_view secret) {
  if (secret.size() < 16 || secret.size() > 128) return false;
  for (char c : secret) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool RoomSecrets::validPlanId(std::string_view planId) {
  return !planId.empty() && planId.size() <= kMaxPlanIdBytes && lib0::isValidUtf8(planId) &&
         planId.find('\0') == std::string_view::npos && planId != plan::kIndexDocName;
}

Status RoomSecrets::newSecret(std::string* out) {
  unsigned char bytes[18];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Status::Internal("OpenSSL could not make random bytes for a room secret");
  *out = auth::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  return Status::Ok();
}

Status RoomSecrets::open(std::filesystem::path file, std::unique_ptr<RoomSecrets>* out) {
  auto impl = std::make_unique<Impl>();
  impl->file = std::move(file);
  const std::filesystem::path& path = impl->file;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::Internal("cannot read " + path.string() + ": " + ec.message());
  }
  if (!ec) {
    if (size > kMaxFileBytes) return notOurs(path, "larger than " + std::to_string(kMaxFileBytes) + " bytes");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Status::Internal("cannot read " + path.string());
    nlohmann::json root = nlohmann::json::parse(text.str(), nullptr, false);
    if (root.is_discarded()) return notOurs(path, "not JSON");
    if (!root.is_object() || root.value("version", 0) != kFormatVersion || !root.contains("secrets") ||
        !root["secrets"].is_object())
      return notOurs(path, "not version 1 with a \"secrets\" object");
    const auto& table = root["secrets"];
    if (table.size() > kMaxSecrets) return notOurs(path, "more than " + std::to_string(kMaxSecrets) + " secrets");
    for (const auto& [planId, secret] : table.items()) {
      if (!validPlanId(planId)) return notOurs(path, "a plan id that is not a document name");
      if (!secret.is_string() || !valid(secret.get_ref<const std::string&>()))
        return notOurs(path, "the secret of plan '" + planId + "' is not a room secret");
      impl->secrets.emplace(planId, secret.get<std::string>());
    }
  }
  out->reset(new RoomSecrets(std::move(impl)));
  return Status::Ok();
}

std::optional<std::string> RoomSecrets::get(const std::string& planId) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->secrets.find(planId);
  if (it == impl_->secrets.end()) return std::nullopt;
  return it->second;
}

Status RoomSecrets::ensure(const std::string& planId, std::string* secret) {
  if (!validPlanId(planId)) return Status::InvalidArgument("not a plan id: '" + planId + "'");
  if (auto known = get(planId)) {
    *secret = std::move(*known);
    return Status::Ok();
  }
  std::string fresh;
  if (Status s = newSecret(&fresh); !s.ok()) return s;
  return impl_->keep(planId, fresh, secret);
}

Status RoomSecrets::adopt(const std::string& planId, const std::string& secret, std::string* kept) {
  if (!validPlanId(planId)) return Status::InvalidArgument("not a plan id: '" + planId + "'");
  if (!valid(secret)) return Status::InvalidArgument("a room secret is 16 to 128 characters of [A-Za-z0-9_-]");
  return impl_->keep(planId, secret, kept);
}

std::vector<std::pair<std::string, std::string>> RoomSecrets::all() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->secrets.begin(), impl_->secrets.end()};
}

void RoomSecrets::setListener(Listener listener) {
  std::lock_guard lock(impl_->mutex);
  impl_->listener = std::move(listener);
}

}  // namespace roundtable::hub
