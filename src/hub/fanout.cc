#include "hub/fanout.h"

#include <boost/asio/post.hpp>
#include <algorithm>

namespace roundtable::hub {

namespace asio = boost::asio;

void Fanout::add(std::shared_ptr<RoomConnection> session) {
  if (!find(session->id())) conns_.push_back(std::move(session));
  if (parallel_ && !helper_ && conns_.size() >= kParallelFanout) helper_.emplace(asio::make_strand(parallel_->get_executor()));
}

bool Fanout::remove(const std::shared_ptr<RoomConnection>& session) { return std::erase(conns_, session) > 0; }

std::vector<std::shared_ptr<RoomConnection>> Fanout::takeAll() {
  std::vector<std::shared_ptr<RoomConnection>> all;
  all.swap(conns_);
  return all;
}

RoomConnection* Fanout::find(ConnId id) const {
  for (auto& session : conns_)
    if (session->id() == id) return session.get();
  return nullptr;
}

void Fanout::sendTo(RoomConnection& session, const SharedBytes& bytes) {
  if (!offloaded(session)) return session.send(bytes);
  asio::post(*helper_, [s = session.shared_from_this(), bytes] { s->send(bytes); });
}

void Fanout::answer(RoomConnection& session, const SharedBytes& bytes) {
  if (!offloaded(session)) return session.sendAnswer(bytes);
  asio::post(*helper_, [s = session.shared_from_this(), bytes] { s->sendAnswer(bytes); });
}

void Fanout::relay(std::span<const Relay> messages) {
  while (!messages.empty()) {
    size_t n = 1;
    if (messages[0].to != 0) {
      // A reply stays behind the messages before it.
      if (RoomConnection* session = find(messages[0].to)) answer(*session, messages[0].bytes);
    } else {
      while (n < messages.size() && messages[n].to == 0) ++n;
      broadcast(messages.first(n));
    }
    messages = messages.subspan(n);
  }
}

namespace {
// Sends `session`, in one send, the messages not from itself.
void sendAllBut(RoomConnection& session, std::span<const Relay> messages, std::vector<SharedBytes>& batch) {
  batch.clear();
  for (auto& m : messages)
    if (m.from != session.id()) batch.push_back(m.bytes);
  if (!batch.empty()) session.send(batch);
}
}  // namespace

// The second strand's share is posted first so that both threads send at once.
void Fanout::broadcast(std::span<const Relay> messages) {
  if (helper_) {
    struct Offload {
      std::vector<std::shared_ptr<RoomConnection>> sessions;
      std::vector<Relay> messages;
    };
    auto offload = std::make_shared<Offload>();
    for (auto& session : conns_)
      if (offloaded(*session)) offload->sessions.push_back(session);
    if (!offload->sessions.empty()) {
      offload->messages.assign(messages.begin(), messages.end());
      asio::post(*helper_, [offload] {
        std::vector<SharedBytes> batch;
        for (auto& session : offload->sessions) sendAllBut(*session, offload->messages, batch);
      });
    }
  }
  std::vector<SharedBytes> batch;
  for (auto& session : conns_)
    if (!offloaded(*session)) sendAllBut(*session, messages, batch);
}

}  // namespace roundtable::hub
