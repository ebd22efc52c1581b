#include "hub/hub_peer.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>
#include <thread>

#include "hub/peer_session.h"
#include "hub/turn_credentials.h"

namespace roundtable::hub {
namespace {

using namespace std::chrono_literals;

TEST(WebrtcIceServers, StunAndTurnInWebrtcbinsFormWithTheCredentialsPercentEncoded) {
  std::vector<IceServer> servers = {
      {{"stun:203.0.113.10:3478"}, "", ""},
      {{"turn:203.0.113.10:3478?transport=udp", "turns://turn.example:5349"}, "user:x", "p@ss/w rd"},
      {{"https://not-ice"}, "", ""},
  };
  webrtc::IceServers ice = webrtcIceServers(servers, {}, std::chrono::system_clock::now());
  ASSERT_EQ(ice.stun.size(), 1u);
  EXPECT_EQ(ice.stun[0], "stun://203.0.113.10:3478");
  ASSERT_EQ(ice.turn.size(), 2u);
  EXPECT_EQ(ice.turn[0], "turn://user%3Ax:p%40ss%2Fw%20rd@203.0.113.10:3478?transport=udp");
  EXPECT_EQ(ice.turn[1], "turns://user%3Ax:p%40ss%2Fw%20rd@turn.example:5349");
}

TEST(WebrtcIceServers, TurnRestCredentialsAreMadeForTheHubAndExpire) {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  TurnRestServer rest{{"turn:203.0.113.10:3478?transport=udp"}, "shared secret", std::chrono::seconds(600)};
  webrtc::IceServers ice = webrtcIceServers({}, {rest}, now);
  ASSERT_EQ(ice.turn.size(), 1u);
  TurnCredentials expected = makeTurnCredentials("shared secret", "roundtable-hub", now, std::chrono::seconds(600));
  EXPECT_EQ(expected.username, "1700000600:roundtable-hub");
  std::string encodedPassword;
  for (char c : expected.credential) {
    if (c == '+') encodedPassword += "%2B";
    else if (c == '/') encodedPassword += "%2F";
    else if (c == '=') encodedPassword += "%3D";
    else encodedPassword += c;
  }
  EXPECT_EQ(ice.turn[0], "turn://1700000600%3Aroundtable-hub:" + encodedPassword + "@203.0.113.10:3478?transport=udp");
}

// A session on a running io_context whose end is awaited.
struct SessionRig {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard = boost::asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  boost::asio::thread_pool worker{1};
  p2p::FrameBudget budget;
  std::promise<std::string> why;
  int endedCalls = 0;

  std::shared_ptr<PeerSession> make(PeerSessionLimits limits) {
    PeerSession::Handlers handlers;
    handlers.opened = [](const std::shared_ptr<PeerSession>&) { ADD_FAILURE() << "nothing can open here"; };
    handlers.ended = [this](const std::shared_ptr<PeerSession>&, const std::string& w) {
      if (++endedCalls == 1) why.set_value(w);
    };
    // No room: a session reaches its room only once its channel opens.
    return PeerSession::make(io, worker.get_executor(), nullptr, "plan", "remote-peer-id", limits, &budget,
                             std::move(handlers));
  }

  ~SessionRig() {
    guard.reset();
    thread.join();
    worker.join();
  }
};

TEST(PeerSession, APeerThatNeverConnectsIsDroppedAfterTheOpenTimeout) {
  ASSERT_TRUE(webrtc::PeerConnection::available().ok()) << "scripts/setup.sh installs GStreamer's WebRTC plugins";
  SessionRig rig;
  auto session = rig.make({.openTimeout = 300ms});
  // Answering (as the hub always is): it waits for an offer that never comes.
  ASSERT_TRUE(session->start({.initiator = false}, [](lib0::Value) {}).ok());
  auto ended = rig.why.get_future();
  ASSERT_EQ(ended.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(ended.get(), "did not connect within 300 ms");
  session->shutdown("again");  // ends once
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(rig.endedCalls, 1);
  EXPECT_FALSE(session->open());
}

TEST(PeerSession, ASignalThatIsNotSimplePeersEndsTheSession) {
  ASSERT_TRUE(webrtc::PeerConnection::available().ok()) << "scripts/setup.sh installs GStreamer's WebRTC plugins";
  SessionRig rig;
  auto session = rig.make({});
  ASSERT_TRUE(session->start({.initiator = false}, [](lib0::Value) {}).ok());
  lib0::Value::Object answer;
  answer.set("type", "answer").set("sdp", "v=0\r\n");  // an answer to the answering side
  Status s = session->signal(lib0::Value(std::move(answer)));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  auto ended = rig.why.get_future();
  ASSERT_EQ(ended.wait_for(5s), std::future_status::ready);
  EXPECT_NE(ended.get().find("a bad signal"), std::string::npos);
  EXPECT_EQ(session->signal(lib0::Value()).code(), StatusCode::kFailedPrecondition) << "the connection is gone";
}

}  // namespace
}  // namespace roundtable::hub
