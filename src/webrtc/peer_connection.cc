#include "webrtc/peer_connection.h"

#define GST_USE_UNSTABLE_API  // webrtcbin's library API is marked unstable in 1.22
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <random>
#include <utility>

namespace roundtable::webrtc {

namespace {

// GStreamer is initialized once per process, on first use.
Status initGStreamer() {
  static Status status = [] {
    GError* error = nullptr;
    if (!gst_init_check(nullptr, nullptr, &error)) {
      std::string what = error ? error->message : "unknown error";
      g_clear_error(&error);
      return Status::FailedPrecondition("GStreamer failed to initialize: " + what);
    }
    for (const char* plugin : {"webrtcbin", "nicesrc", "dtlsenc", "sctpenc"}) {
      GstElementFactory* factory = gst_element_factory_find(plugin);
      if (!factory) {
        return Status::FailedPrecondition(std::string("GStreamer's '") + plugin +
                                          "' element is missing (install gstreamer1.0-plugins-bad and gstreamer1.0-nice)");
      }
      gst_object_unref(factory);
    }
    return Status::Ok();
  }();
  return status;
}

// simple-peer names the initiator's channel with 20 random bytes in hex.
std::string randomChannelName() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string name;
  for (int i = 0; i < 20; ++i) {
    unsigned b = rd() & 0xff;
    name += hex[b >> 4];
    name += hex[b & 15];
  }
  return name;
}

const lib0::Value* field(const lib0::Value& object, std::string_view key) {
  if (!object.isObject()) return nullptr;
  return object.asObject().get(key);
}

}  // namespace

struct PeerConnection::Impl : std::enable_shared_from_this<PeerConnection::Impl> {
  PeerOptions options;
  Events events;
  GstElement* pipeline = nullptr;
  GstElement* webrtc = nullptr;

  // Guards the fields below; never held while calling into webrtcbin.
  std::mutex mutex;
  GstWebRTCDataChannel* channel = nullptr;  // our reference
  bool remoteDescriptionSet = false;
  std::vector<std::pair<unsigned, std::string>> pendingCandidates;

  // Events run one at a time under eventMutex, and not once closing is set.
  std::mutex eventMutex;
  std::atomic<bool> closing{false};
  std::atomic<bool> closedReported{false};
  std::atomic<bool> opened{false};

  template <typename F>
  void emit(F&& f) {
    std::lock_guard lock(eventMutex);
    if (closing.load()) return;
    f();
  }

  void fail(std::string reason) {
    if (closedReported.exchange(true)) return;
    emit([&] {
      if (events.closed) events.closed(std::move(reason));
    });
  }

  void emitSignal(lib0::Value signal) {
    emit([&] {
      if (events.signal) events.signal(std::move(signal));
    });
  }

  void emitDescription(GstWebRTCSessionDescription* desc) {
    gchar* text = gst_sdp_message_as_text(desc->sdp);
    lib0::Value::Object obj;
    obj.set("type", desc->type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer");
    obj.set("sdp", std::string(text));
    g_free(text);
    emitSignal(lib0::Value(std::move(obj)));
  }

  void adoptChannel(GstWebRTCDataChannel* ch);
  void channelOpened() {
    if (opened.exchange(true)) return;
    emit([&] {
      if (events.open) events.open();
    });
  }
};

namespace {

using ImplRef = std::weak_ptr<PeerConnection::Impl>;

// Every GLib callback gets a heap-held weak reference as its user data, freed
// by GLib when the handler or promise goes away: a callback that races with
// the connection's end finds nothing to call.
gpointer refData(const std::shared_ptr<PeerConnection::Impl>& impl) { return new ImplRef(impl); }
void unrefData(gpointer data, GClosure*) { delete static_cast<ImplRef*>(data); }
void unrefDataNotify(gpointer data) { delete static_cast<ImplRef*>(data); }
std::shared_ptr<PeerConnection::Impl> lock(gpointer data) { return static_cast<ImplRef*>(data)->lock(); }

template <typename Fn>
void connect(gpointer instance, const char* name, Fn fn, const std::shared_ptr<PeerConnection::Impl>& impl) {
  g_signal_connect_data(instance, name, G_CALLBACK(fn), refData(impl), unrefData, GConnectFlags(0));
}

void onIceCandidate(GstElement*, guint mline, gchar* candidate, gpointer data) {
  auto impl = lock(data);
  if (!impl || !candidate || !*candidate) return;  // an empty candidate ends gathering
  std::string mid = std::to_string(mline);
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(impl->webrtc, "local-description", &local, nullptr);
  if (local) {
    if (mline < gst_sdp_message_medias_len(local->sdp)) {
      const GstSDPMedia* media = gst_sdp_message_get_media(local->sdp, mline);
      if (const gchar* m = gst_sdp_media_get_attribute_val(media, "mid")) mid = m;
    }
    gst_webrtc_session_description_free(local);
  }
  lib0::Value::Object inner;
  inner.set("candidate", std::string(candidate));
  inner.set("sdpMLineIndex", static_cast<double>(mline));
  inner.set("sdpMid", mid);
  lib0::Value::Object obj;
  obj.set("type", "candidate");
  obj.set("candidate", lib0::Value(std::move(inner)));
  impl->emitSignal(lib0::Value(std::move(obj)));
}

void onConnectionState(GstElement* webrtc, GParamSpec*, gpointer data) {
  auto impl = lock(data);
  if (!impl) return;
  GstWebRTCPeerConnectionState state;
  g_object_get(webrtc, "connection-state", &state, nullptr);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) impl->fail("the WebRTC connection failed (ICE or DTLS)");
}

void onChannelOpen(GstWebRTCDataChannel*, gpointer data) {
  if (auto impl = lock(data)) impl->channelOpened();
}

void onChannelClose(GstWebRTCDataChannel*, gpointer data) {
  if (auto impl = lock(data)) impl->fail("the data channel closed");
}

void onChannelError(GstWebRTCDataChannel*, GError* error, gpointer data) {
  if (auto impl = lock(data)) impl->fail(std::string("data channel error: ") + (error ? error->message : "unknown"));
}

void onChannelData(GstWebRTCDataChannel*, GBytes* bytes, gpointer data) {
  auto impl = lock(data);
  if (!impl) return;
  gsize size = 0;
  const auto* p = bytes ? static_cast<const uint8_t*>(g_bytes_get_data(bytes, &size)) : nullptr;
  if (size > impl->options.maxMessageBytes) {
    impl->fail("a message of " + std::to_string(size) + " bytes is over the limit of " +
               std::to_string(impl->options.maxMessageBytes));
    return;
  }
  std::vector<uint8_t> message(p, p + size);
  impl->emit([&] {
    if (impl->events.message) impl->events.message(std::move(message));
  });
}

void onChannelString(GstWebRTCDataChannel*, gchar*, gpointer data) {
  // y-webrtc sends only binary messages.
  if (auto impl = lock(data)) impl->fail("a text message on the data channel");
}

void onDataChannel(GstElement*, GstWebRTCDataChannel* channel, gpointer data) {
  if (auto impl = lock(data)) impl->adoptChannel(channel);
}

void onAnswerCreated(GstPromise* promise, gpointer data) {
  auto impl = lock(data);
  GstWebRTCSessionDescription* answer = nullptr;
  if (impl && gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    if (reply) gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
  }
  gst_promise_unref(promise);
  if (!impl) return;
  if (!answer) {
    impl->fail("webrtcbin could not answer the offer");
    return;
  }
  g_signal_emit_by_name(impl->webrtc, "set-local-description", answer, nullptr);
  impl->emitDescription(answer);
  gst_webrtc_session_description_free(answer);
}

void onOfferCreated(GstPromise* promise, gpointer data) {
  auto impl = lock(data);
  GstWebRTCSessionDescription* offer = nullptr;
  if (impl && gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    if (reply) gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
  }
  gst_promise_unref(promise);
  if (!impl) return;
  if (!offer) {
    impl->fail("webrtcbin could not make an offer");
    return;
  }
  g_signal_emit_by_name(impl->webrtc, "set-local-description", offer, nullptr);
  impl->emitDescription(offer);
  gst_webrtc_session_description_free(offer);
}

// After the remote description is set: candidates that came early are
// added, and a non-initiator answers.
void onRemoteDescriptionSet(GstPromise* promise, gpointer data) {
  auto impl = lock(data);
  bool ok = false;
  if (impl && gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    ok = !(reply && gst_structure_has_field(reply, "error"));
  }
  gst_promise_unref(promise);
  if (!impl) return;
  if (!ok) {
    impl->fail("webrtcbin refused the remote description");
    return;
  }
  std::vector<std::pair<unsigned, std::string>> pending;
  {
    std::lock_guard lock(impl->mutex);
    impl->remoteDescriptionSet = true;
    pending.swap(impl->pendingCandidates);
  }
  for (auto& [mline, candidate] : pending) g_signal_emit_by_name(impl->webrtc, "add-ice-candidate", mline, candidate.c_str());
  if (!impl->options.initiator) {
    GstPromise* answer = gst_promise_new_with_change_func(onAnswerCreated, refData(impl), unrefDataNotify);
    g_signal_emit_by_name(impl->webrtc, "create-answer", nullptr, answer);
  }
}

// libnice's keepalives are STUN indications, which need no answer: a peer
// that vanishes without closing (a laptop shut, a browser killed, a network
// gone) leaves the connection "connected" for good, and the hub's room full
// of such sessions. As binding requests they time out, and the ICE state, so
// the connection's, turns "failed". webrtcbin's nice backend exposes its
// NiceAgent as the property "agent"; another backend is left as it is.
void keepaliveChecks(GstElement* webrtc) {
  GObject* ice = nullptr;
  g_object_get(webrtc, "ice-agent", &ice, nullptr);
  if (!ice) return;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
    GObject* agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    if (agent) {
      if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "keepalive-conncheck"))
        g_object_set(agent, "keepalive-conncheck", TRUE, nullptr);
      g_object_unref(agent);
    }
  }
  g_object_unref(ice);
}

}  // namespace

void PeerConnection::Impl::adoptChannel(GstWebRTCDataChannel* ch) {
  {
    std::lock_guard lock(mutex);
    if (channel) return;  // y-webrtc opens one channel per connection
    channel = GST_WEBRTC_DATA_CHANNEL(gst_object_ref(ch));
  }
  auto self = shared_from_this();
  connect(ch, "on-open", onChannelOpen, self);
  connect(ch, "on-close", onChannelClose, self);
  connect(ch, "on-error", onChannelError, self);
  connect(ch, "on-message-data", onChannelData, self);
  connect(ch, "on-message-string", onChannelString, self);
  // A channel the remote peer made is announced open already.
  GstWebRTCDataChannelState state;
  g_object_get(ch, "ready-state", &state, nullptr);
  if (state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) channelOpened();
}

Status PeerConnection::available() { return initGStreamer(); }

Status PeerConnection::create(const PeerOptions& options, Events events, std::unique_ptr<PeerConnection>* out) {
  if (Status s = initGStreamer(); !s.ok()) return s;
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  impl->events = std::move(events);
  impl->pipeline = gst_pipeline_new(nullptr);
  impl->webrtc = gst_element_factory_make("webrtcbin", nullptr);
  if (!impl->pipeline || !impl->webrtc) {
    if (impl->pipeline) gst_object_unref(impl->pipeline);
    if (impl->webrtc) gst_object_unref(impl->webrtc);
    return Status::FailedPrecondition("GStreamer could not make a webrtcbin");
  }
  gst_bin_add(GST_BIN(impl->pipeline), impl->webrtc);  // the bin takes the floating reference
  g_object_set(impl->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  if (!options.iceServers.stun.empty()) g_object_set(impl->webrtc, "stun-server", options.iceServers.stun[0].c_str(), nullptr);
  for (const auto& turn : options.iceServers.turn) {
    gboolean added = FALSE;
    g_signal_emit_by_name(impl->webrtc, "add-turn-server", turn.c_str(), &added);
  }
  keepaliveChecks(impl->webrtc);
  connect(impl->webrtc, "on-ice-candidate", onIceCandidate, impl);
  connect(impl->webrtc, "on-data-channel", onDataChannel, impl);
  connect(impl->webrtc, "notify::connection-state", onConnectionState, impl);

  out->reset(new PeerConnection(impl));  // from here on, the destructor tears down
  if (gst_element_set_state(impl->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    out->reset();
    return Status::Internal("webrtcbin failed to start");
  }
  if (options.initiator) {
    GstWebRTCDataChannel* channel = nullptr;
    g_signal_emit_by_name(impl->webrtc, "create-data-channel", randomChannelName().c_str(), nullptr, &channel);
    if (!channel) {
      out->reset();
      return Status::Internal("webrtcbin could not create a data channel");
    }
    impl->adoptChannel(channel);
    gst_object_unref(channel);
    GstPromise* offer = gst_promise_new_with_change_func(onOfferCreated, refData(impl), unrefDataNotify);
    g_signal_emit_by_name(impl->webrtc, "create-offer", nullptr, offer);
  }
  return Status::Ok();
}

PeerConnection::PeerConnection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

PeerConnection::~PeerConnection() { close(); }

Status PeerConnection::signal(const lib0::Value& signal) {
  if (impl_->closing.load()) return Status::FailedPrecondition("the connection is closed");
  const lib0::Value* type = field(signal, "type");
  const lib0::Value* sdp = field(signal, "sdp");
  const lib0::Value* candidate = field(signal, "candidate");
  if (sdp) {
    if (!sdp->isString() || !type || !type->isString()) return Status::InvalidArgument("a description needs string type and sdp");
    const std::string& text = sdp->asString();
    if (text.size() > kMaxSdpBytes) return Status::InvalidArgument("an SDP of " + std::to_string(text.size()) + " bytes");
    bool isOffer = type->asString() == "offer";
    if (!isOffer && type->asString() != "answer") return Status::InvalidArgument("unknown description type '" + type->asString() + "'");
    if (isOffer == impl_->options.initiator)
      return Status::InvalidArgument(isOffer ? "an offer to the initiator" : "an answer to the non-initiator");
    {
      std::lock_guard lock(impl_->mutex);
      if (impl_->remoteDescriptionSet) return Status::InvalidArgument("a second remote description");
    }
    GstSDPMessage* message = nullptr;
    gst_sdp_message_new(&message);
    if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(text.data()), text.size(), message) != GST_SDP_OK ||
        gst_sdp_message_medias_len(message) == 0) {
      gst_sdp_message_free(message);
      return Status::InvalidArgument("an SDP that does not parse or has no media");
    }
    auto* desc = gst_webrtc_session_description_new(isOffer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, message);
    GstPromise* done = gst_promise_new_with_change_func(onRemoteDescriptionSet, refData(impl_), unrefDataNotify);
    g_signal_emit_by_name(impl_->webrtc, "set-remote-description", desc, done);
    gst_webrtc_session_description_free(desc);
    return Status::Ok();
  }
  if (candidate) {
    const lib0::Value* text = field(*candidate, "candidate");
    const lib0::Value* mline = field(*candidate, "sdpMLineIndex");
    if (!text || !text->isString()) return Status::InvalidArgument("a candidate needs a string candidate");
    if (text->asString().size() > 1024) return Status::InvalidArgument("a candidate over 1024 bytes");
    double index = mline && mline->isNumber() ? mline->asNumber() : 0;
    if (!(index >= 0 && index < 64)) return Status::InvalidArgument("a candidate's sdpMLineIndex out of range");
    if (text->asString().empty()) return Status::Ok();  // end of candidates
    unsigned m = static_cast<unsigned>(index);
    {
      std::lock_guard lock(impl_->mutex);
      if (!impl_->remoteDescriptionSet) {
        if (impl_->pendingCandidates.size() >= 64) return Status::InvalidArgument("over 64 candidates before a description");
        impl_->pendingCandidates.emplace_back(m, text->asString());
        return Status::Ok();
      }
    }
    g_signal_emit_by_name(impl_->webrtc, "add-ice-candidate", m, text->asString().c_str());
    return Status::Ok();
  }
  if (field(signal, "renegotiate") || field(signal, "transceiverRequest")) return Status::Ok();
  return Status::InvalidArgument("not a simple-peer signal");
}

Status PeerConnection::send(std::span<const uint8_t> message) {
  if (message.size() > kMaxSendBytes)
    return Status::InvalidArgument("a message of " + std::to_string(message.size()) + " bytes (at most " +
                                   std::to_string(kMaxSendBytes) + " go in one)");
  GstWebRTCDataChannel* channel = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->channel && impl_->opened.load() && !impl_->closing.load())
      channel = GST_WEBRTC_DATA_CHANNEL(gst_object_ref(impl_->channel));
  }
  if (!channel) return Status::FailedPrecondition("the data channel is not open");
  GBytes* bytes = g_bytes_new(message.data(), message.size());
  GError* error = nullptr;
  gboolean ok = gst_webrtc_data_channel_send_data_full(channel, bytes, &error);
  g_bytes_unref(bytes);
  gst_object_unref(channel);
  if (!ok) {
    std::string what = error ? error->message : "send failed";
    g_clear_error(&error);
    return Status::FailedPrecondition("data channel: " + what);
  }
  return Status::Ok();
}

uint64_t PeerConnection::bufferedAmount() const {
  GstWebRTCDataChannel* channel = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->channel) channel = GST_WEBRTC_DATA_CHANNEL(gst_object_ref(impl_->channel));
  }
  if (!channel) return 0;
  guint64 amount = 0;
  g_object_get(channel, "buffered-amount", &amount, nullptr);
  gst_object_unref(channel);
  return amount;
}

void PeerConnection::close() {
  if (!impl_ || impl_->closing.exchange(true)) return;
  { std::lock_guard wait(impl_->eventMutex); }  // an event under way finishes first
  GstWebRTCDataChannel* channel = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    std::swap(channel, impl_->channel);
  }
  if (channel) {
    // Closing the channel resets its SCTP stream, which tells the remote
    // peer at once; stopping the pipeline alone would leave it to notice
    // the silence after ICE's consent checks (30 s). The reset is sent on
    // webrtcbin's thread: wait for it briefly.
    gst_webrtc_data_channel_close(channel);
    for (int i = 0; i < 50; ++i) {
      GstWebRTCDataChannelState state;
      g_object_get(channel, "ready-state", &state, nullptr);
      if (state == GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED) break;
      g_usleep(5000);
    }
  }
  // Stopping the pipeline joins webrtcbin's threads (ICE, DTLS, SCTP).
  gst_element_set_state(impl_->pipeline, GST_STATE_NULL);
  if (channel) gst_object_unref(channel);
  gst_object_unref(impl_->pipeline);  // and with it webrtcbin and its handlers
  impl_->pipeline = nullptr;
  impl_->webrtc = nullptr;
}

}  // namespace roundtable::webrtc
