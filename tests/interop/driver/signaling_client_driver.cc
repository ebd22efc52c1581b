// signaling_client_driver: the hub's signaling client (src/hub/signaling_client.h)
// in a room of a y-webrtc relay, for tests/interop/signaling_client.test.mjs.
//
//   roundtable_signaling_client_driver URL ROOM PASSWORD SELF [CA_FILE]
// (CA_FILE: certificate authorities to trust for wss:// instead of the system's)
// subscribes to ROOM and prints one JSON line per event:
//   {"event":"connected"}  {"event":"disconnected","why":"..."}
//   {"event":"announce","from":"..."}   (a room announce it could open)
//   {"event":"signal","from":"...","type":"offer"|...}
// and reads commands from stdin: "announce" publishes an announce from SELF.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hub/signaling_client.h"
#include "lib0/json.h"
#include "p2p/room_crypto.h"
#include "p2p/room_signaling.h"

using roundtable::lib0::Value;
namespace p2p = roundtable::p2p;

namespace {
std::mutex outMutex;
void emit(Value::Object o) {
  std::lock_guard lock(outMutex);
  std::cout << roundtable::lib0::toJSON(Value(std::move(o))) << '\n' << std::flush;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::cerr << "usage: roundtable_signaling_client_driver URL ROOM PASSWORD SELF [CA_FILE]\n";
    return 2;
  }
  std::string url = argv[1], room = argv[2], self = argv[4];
  p2p::RoomKey key = p2p::RoomKey::derive(argv[3], room);
  boost::asio::io_context io;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  if (argc == 6) {
    tls.load_verify_file(argv[5]);
  } else {
    tls.set_default_verify_paths();
  }
  roundtable::hub::SignalingClient::Handler handler;
  handler.connected = [] { emit(Value::Object().set("event", "connected")); };
  handler.disconnected = [](std::string_view why) { emit(Value::Object().set("event", "disconnected").set("why", std::string(why))); };
  handler.message = [&](std::string_view text) {
    std::string topic;
    std::vector<uint8_t> sealed;
    if (!p2p::readPublish(text, &topic, &sealed).ok() || topic != room) return;
    std::optional<p2p::RoomSignal> signal;
    if (!p2p::openRoomSignal(key, sealed, self, &signal).ok() || !signal) return;
    Value::Object o;
    o.set("event", signal->type == p2p::RoomSignal::Type::kAnnounce ? "announce" : "signal");
    o.set("from", signal->from);
    if (signal->type == p2p::RoomSignal::Type::kSignal && signal->signal.isObject())
      if (const Value* t = signal->signal.asObject().get("type")) o.set("type", *t);
    emit(std::move(o));
  };
  std::unique_ptr<roundtable::hub::SignalingClient> client;
  roundtable::hub::SignalingClientOptions options;
  if (auto s = roundtable::hub::SignalingClient::create(io, tls, url, handler, options, &client); !s.ok()) {
    std::cerr << s.message() << '\n';
    return 2;
  }
  client->subscribe(room);
  client->start();
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "announce") client->publish(p2p::publishMessage(key, room, p2p::RoomSignal::announce(self)));
  }
  client.reset();
  work.reset();
  runner.join();
  return 0;
}
