// Expected behaviour is y-protocols 1.0.6 awareness.js (applyAwarenessUpdate,
// removeAwarenessStates, encodeAwarenessUpdate); the byte arrays come from it:
//   const a = new Awareness(doc)  // doc.clientID = 7
//   a.setLocalState({ user: { name: 'Zoë 😀', color: '#ff0' }, n: 1e21 })
//   hex(encodeAwarenessUpdate(a, [7]))     // kZoe, clock 1
//   a.setLocalState(null)
//   hex(encodeAwarenessUpdate(a, [7]))     // kZoeGone, clock 2
// tests/interop/sync_codec.test.mjs holds the rest against the real package.
#include "sync/awareness.h"

#include <gtest/gtest.h>

#include <tuple>

#include "lib0/encoder.h"
#include "lib0/hex_for_tests.h"

namespace roundtable::sync {
namespace {

using lib0::testhex::fromHex;
using lib0::testhex::toHex;
using Ids = std::vector<uint64_t>;

constexpr const char* kZoe =
    "010701367b2275736572223a7b226e616d65223a225a6fc3ab20f09f9880222c22636f6c6f72223a2223666630227d2c226e223a31652b"
    "32317d";
constexpr const char* kZoeGone = "010702046e756c6c";

// An awareness update from (client, clock, JSON text) entries.
std::vector<uint8_t> update(std::initializer_list<std::tuple<uint64_t, uint64_t, const char*>> entries) {
  lib0::Encoder e;
  e.writeVarUint(entries.size());
  for (auto [client, clock, json] : entries) {
    e.writeVarUint(client);
    e.writeVarUint(clock);
    e.writeVarString(json);
  }
  return e.take();
}

AwarenessChanges applyOk(Awareness& a, const std::vector<uint8_t>& bytes, int64_t now = 0) {
  AwarenessChanges ch;
  Status s = a.applyUpdate(bytes, now, &ch);
  EXPECT_TRUE(s.ok()) << s.message();
  return ch;
}

std::string encoded(const Awareness& a, Ids clients) { return toHex(a.encodeUpdate(clients)); }

TEST(AwarenessTest, AppliesAndReencodesJavaScriptBytes) {
  Awareness a;
  AwarenessChanges ch = applyOk(a, fromHex(kZoe));
  EXPECT_EQ(ch.added, Ids{7});
  EXPECT_TRUE(ch.updated.empty() && ch.removed.empty());
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a.stateJSON(7), R"({"user":{"name":"Zoë 😀","color":"#ff0"},"n":1e+21})");
  EXPECT_EQ(encoded(a, {7}), kZoe);
  EXPECT_EQ(a.clientsWithState(), Ids{7});

  ch = applyOk(a, fromHex(kZoeGone));
  EXPECT_EQ(ch.removed, Ids{7});
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.stateJSON(7), std::nullopt);
  EXPECT_EQ(encoded(a, {7}), kZoeGone);  // the clock is remembered
  EXPECT_TRUE(a.clientsWithState().empty());
}

TEST(AwarenessTest, ClockRules) {
  Awareness a;
  // Clock 0 for an unknown client is not newer than the assumed 0.
  EXPECT_TRUE(applyOk(a, update({{1, 0, R"({"a":1})"}})).empty());
  EXPECT_EQ(a.size(), 0u);

  EXPECT_EQ(applyOk(a, update({{1, 5, R"({"a":1})"}})).added, Ids{1});
  EXPECT_TRUE(applyOk(a, update({{1, 4, R"({"a":2})"}})).empty());  // stale
  EXPECT_TRUE(applyOk(a, update({{1, 5, R"({"a":2})"}})).empty());  // equal clock, state
  EXPECT_EQ(a.stateJSON(1), R"({"a":1})");
  EXPECT_EQ(applyOk(a, update({{1, 6, R"({"a":1})"}})).updated, Ids{1});  // renewal counts as updated
  EXPECT_EQ(applyOk(a, update({{1, 6, "null"}})).removed, Ids{1});        // equal clock, null: removes
  EXPECT_TRUE(applyOk(a, update({{1, 6, "null"}})).empty());              // already gone
  EXPECT_TRUE(applyOk(a, update({{1, 6, R"({"a":3})"}})).empty());        // equal clock cannot revive
  // A newer null for a departed client is applied and reported, as in JS.
  EXPECT_EQ(applyOk(a, update({{1, 7, "null"}})).removed, Ids{1});
  // Coming back: JS reports a known client as updated, not added.
  AwarenessChanges ch = applyOk(a, update({{1, 8, R"({"a":4})"}}));
  EXPECT_EQ(ch.updated, Ids{1});
  EXPECT_TRUE(ch.added.empty());
  EXPECT_EQ(encoded(a, {1}), toHex(update({{1, 8, R"({"a":4})"}})));
}

TEST(AwarenessTest, UnknownClientWithNullIsRememberedSilently) {
  Awareness a;
  EXPECT_TRUE(applyOk(a, update({{9, 3, "null"}})).empty());
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.remembered(), 1u);
  EXPECT_EQ(encoded(a, {9}), toHex(update({{9, 3, "null"}})));
  EXPECT_TRUE(applyOk(a, update({{9, 2, "{}"}})).empty());  // older than the remembered clock
}

TEST(AwarenessTest, EntriesApplyInOrderWithinOneUpdate) {
  Awareness a;
  AwarenessChanges ch = applyOk(a, update({{5, 1, R"({"x":1})"}, {6, 1, "{}"}, {5, 2, R"({"x":2})"}, {6, 1, "null"}}));
  EXPECT_EQ(ch.added, (Ids{5, 6}));
  EXPECT_EQ(ch.updated, Ids{5});
  EXPECT_EQ(ch.removed, Ids{6});
  EXPECT_EQ(ch.all(), (Ids{5, 6, 5, 6}));
  EXPECT_EQ(a.stateJSON(5), R"({"x":2})");
  EXPECT_EQ(a.size(), 1u);
}

TEST(AwarenessTest, StatesAreReserializedAsJavaScriptDoes) {
  Awareness a;
  applyOk(a, update({{1, 1, R"( { "b" : 1.0 , "1": [ 1e21, -0, 0.1e1 ] , "b": "\u00e9\ud800" } )"},
                   {2, 1, R"("\ud83d\ude00")"}}));
  // JSON.stringify(JSON.parse(text)): index keys first, duplicate keeps the
  // first position, numbers as Number#toString, lone surrogates escaped.
  EXPECT_EQ(a.stateJSON(1), R"({"1":[1e+21,0,1],"b":"é\ud800"})");
  EXPECT_EQ(a.stateJSON(2), "\"😀\"");
  EXPECT_EQ(encoded(a, {2}), toHex(update({{2, 1, "\"😀\""}})));
}

// awareness.js encodes `states.get(id) || null`: falsy states go out as null
// but still count as states.
TEST(AwarenessTest, FalsyStatesAreKeptButEncodedAsNull) {
  Awareness a;
  AwarenessChanges ch = applyOk(a, update({{1, 1, "0"}, {2, 1, "false"}, {3, 1, R"("")"}, {4, 1, "-0"}}));
  EXPECT_EQ(ch.added, (Ids{1, 2, 3, 4}));
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(a.stateJSON(4), "0");
  EXPECT_EQ(encoded(a, {1, 2, 3, 4}),
            toHex(update({{1, 1, "null"}, {2, 1, "null"}, {3, 1, "null"}, {4, 1, "null"}})));
  EXPECT_EQ(applyOk(a, update({{1, 1, "null"}})).removed, Ids{1});  // equal clock null removes it
}

TEST(AwarenessTest, EncodeSkipsUnknownClientsAndKeepsOrder) {
  Awareness a;
  applyOk(a, update({{1, 1, "{}"}, {2, 3, R"({"n":2})"}}));
  EXPECT_EQ(encoded(a, {2, 99, 1}), toHex(update({{2, 3, R"({"n":2})"}, {1, 1, "{}"}})));
  EXPECT_EQ(encoded(a, {}), "00");
}

// getStates().keys() order: when the current state began.
TEST(AwarenessTest, ClientsWithStateInJavaScriptMapOrder) {
  Awareness a;
  applyOk(a, update({{30, 1, "{}"}, {10, 1, "{}"}, {20, 1, "{}"}}));
  applyOk(a, update({{10, 2, R"({"x":1})"}}));  // updated in place
  EXPECT_EQ(a.clientsWithState(), (Ids{30, 10, 20}));
  applyOk(a, update({{30, 2, "null"}}));
  applyOk(a, update({{30, 3, "{}"}}));  // back: at the end
  EXPECT_EQ(a.clientsWithState(), (Ids{10, 20, 30}));
}

TEST(AwarenessTest, MalformedUpdatesApplyNothing) {
  Awareness a;
  applyOk(a, update({{1, 1, R"({"a":1})"}}));
  const std::string before = encoded(a, {1, 2});
  const std::vector<std::vector<uint8_t>> bad = {
      {},
      fromHex("80"),                            // truncated count
      fromHex("ffffffffffffff0f"),              // count 2^53-1, no entries
      update({{2, 1, "{}"}, {1, 2, "{"}}),      // second state is not JSON
      update({{2, 1, "{}"}, {1, 2, "undefined"}}),
      update({{2, 1, ""}}),                     // empty text is not JSON
      update({{2, 1, R"({"a":1} x)"}}),         // trailing garbage inside the JSON
      fromHex("010201"),                        // no string
      fromHex("01020102ff41"),                  // invalid UTF-8
      fromHex("01020103eda080"),                // an encoded surrogate is not UTF-8
      fromHex("01ffffffffffffffffff01017b7d"),  // client id above 2^53
  };
  for (const auto& b : bad) {
    AwarenessChanges ch;
    ch.added = {42};
    Status s = a.applyUpdate(b, 5, &ch);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << toHex(b);
    EXPECT_TRUE(ch.empty());
    EXPECT_EQ(encoded(a, {1, 2}), before);
    EXPECT_EQ(a.size(), 1u);
  }
}

TEST(AwarenessTest, DeepNestingIsAnErrorNotACrash) {
  Awareness a;
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  lib0::Encoder e;
  e.writeVarUint(1);
  e.writeVarUint(1);
  e.writeVarUint(1);
  e.writeVarString(deep);
  EXPECT_EQ(a.applyUpdate(e.data(), 0, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.remembered(), 0u);
}

TEST(AwarenessTest, EveryTruncationIsAnError) {
  const std::vector<uint8_t> full = update({{1, 1, R"({"a":"Zoë"})"}, {2, 300, "null"}, {123456789, 2, "{}"}});
  for (size_t n = 0; n < full.size(); ++n) {
    Awareness a;
    EXPECT_EQ(a.applyUpdate(std::span(full).first(n), 0, nullptr).code(), StatusCode::kInvalidArgument) << n;
    EXPECT_EQ(a.remembered(), 0u);
  }
  Awareness a;
  EXPECT_TRUE(a.applyUpdate(full, 0, nullptr).ok());
  EXPECT_EQ(a.size(), 2u);
}

TEST(AwarenessTest, TrailingBytesAreIgnored) {
  Awareness a;
  std::vector<uint8_t> b = update({{1, 1, "{}"}});
  b.push_back(0xff);
  EXPECT_EQ(applyOk(a, b).added, Ids{1});
}

TEST(AwarenessTest, StateSizeLimit) {
  Awareness a(AwarenessLimits{.maxStateBytes = 16, .maxClients = 10});
  EXPECT_TRUE(applyOk(a, update({{1, 1, R"({"a":"01234567"})"}})).added == Ids{1});  // 16 bytes
  AwarenessChanges ch;
  EXPECT_EQ(a.applyUpdate(update({{2, 1, "{}"}, {3, 1, R"({"a":"012345678"})"}}), 0, &ch).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(a.size(), 1u);
  // Short as sent, long once re-serialized (1e20 prints as 21 digits).
  EXPECT_EQ(a.applyUpdate(update({{2, 1, "[1e20]"}}), 0, &ch).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(a.remembered(), 1u);
}

TEST(AwarenessTest, ClientCountLimit) {
  Awareness a(AwarenessLimits{.maxStateBytes = 100, .maxClients = 2});
  applyOk(a, update({{1, 1, "{}"}}));
  AwarenessChanges ch;
  EXPECT_EQ(a.applyUpdate(update({{2, 1, "{}"}, {3, 1, "{}"}}), 0, &ch).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a.remembered(), 1u);
  // Within the limit once the same update also removes a client.
  ch = applyOk(a, update({{2, 1, "{}"}, {3, 1, "{}"}, {1, 1, "null"}}));
  EXPECT_EQ(ch.added, (Ids{2, 3}));
  EXPECT_EQ(ch.removed, Ids{1});
  EXPECT_EQ(a.size(), 2u);
  // Updating existing clients is fine at the limit.
  EXPECT_EQ(applyOk(a, update({{2, 2, R"({"x":1})"}})).updated, Ids{2});
}

TEST(AwarenessTest, RemoveKeepsTheClockLikeRemoveAwarenessStates) {
  Awareness a;
  applyOk(a, update({{1, 4, "{}"}, {2, 7, R"({"b":1})"}, {3, 1, "null"}}));
  EXPECT_EQ(a.remove(Ids{2, 3, 99, 1, 2}, 10), (Ids{2, 1}));
  EXPECT_EQ(a.size(), 0u);
  // What removeAwarenessStates + encodeAwarenessUpdate(removed) write.
  EXPECT_EQ(encoded(a, {2, 1}), toHex(update({{2, 7, "null"}, {1, 4, "null"}})));
  // A peer that knows clock 7 applies that removal...
  Awareness peer;
  applyOk(peer, update({{2, 7, R"({"b":1})"}}));
  EXPECT_EQ(applyOk(peer, a.encodeUpdate(Ids{2})).removed, Ids{2});
  // ...and the client's next renewal is accepted again.
  EXPECT_EQ(applyOk(a, update({{2, 8, R"({"b":1})"}})).updated, Ids{2});
}

TEST(AwarenessTest, RemoveOutdated) {
  Awareness a;
  applyOk(a, update({{1, 1, "{}"}}), 0);
  applyOk(a, update({{2, 1, "{}"}}), 20000);
  applyOk(a, update({{1, 1, "{}"}}), 25000);  // equal clock: not a renewal
  EXPECT_TRUE(a.removeOutdated(29999).empty());
  EXPECT_EQ(a.removeOutdated(30000), Ids{1});
  EXPECT_EQ(a.size(), 1u);
  applyOk(a, update({{2, 2, "{}"}}), 45000);  // renewed
  EXPECT_TRUE(a.removeOutdated(60000).empty());
  EXPECT_EQ(a.remembered(), 2u);  // 1 left at 30000: remembered for 30 s more
  EXPECT_TRUE(a.removeOutdated(60001).empty());
  EXPECT_EQ(a.remembered(), 1u);  // 1 forgotten
  EXPECT_EQ(encoded(a, {1}), "00");
  EXPECT_EQ(a.removeOutdated(75000, 30000), Ids{2});
}

TEST(AwarenessTest, DepartedClientsAreCapped) {
  Awareness a(AwarenessLimits{.maxStateBytes = 100, .maxClients = 4});
  for (uint64_t c = 1; c <= 20; ++c) applyOk(a, update({{c, 1, "null"}}), static_cast<int64_t>(c));
  EXPECT_LE(a.remembered(), 4u);
  // The most recent departures are the ones kept.
  EXPECT_NE(encoded(a, {20}), "00");
  EXPECT_EQ(encoded(a, {1}), "00");
  // Clients with a state are never forgotten for room.
  applyOk(a, update({{100, 1, "{}"}, {101, 1, "{}"}, {102, 1, "{}"}, {103, 1, "{}"}}), 50);
  for (uint64_t c = 21; c <= 40; ++c) applyOk(a, update({{c, 1, "null"}}), 100);
  EXPECT_EQ(a.size(), 4u);
  EXPECT_LE(a.remembered(), 8u);
}

// ---- quotas (applyUpdateFrom) -------------------------------------------------

// n entries for clients first, first+1, ... at `clock`, each with `json`.
std::vector<uint8_t> many(uint64_t first, size_t n, uint64_t clock, const std::string& json) {
  lib0::Encoder e;
  e.writeVarUint(n);
  for (size_t i = 0; i < n; ++i) {
    e.writeVarUint(first + i);
    e.writeVarUint(clock);
    e.writeVarString(json);
  }
  return e.take();
}

AwarenessChanges applyFrom(Awareness& a, uint64_t owner, const std::vector<uint8_t>& bytes, size_t* dropped = nullptr,
                           int64_t now = 0) {
  AwarenessChanges ch;
  Status s = a.applyUpdateFrom(owner, bytes, now, &ch, dropped);
  EXPECT_TRUE(s.ok()) << s.message();
  return ch;
}

TEST(AwarenessQuota, AConnectionIntroducesAtMostItsQuotaAndTheRestIsDropped) {
  Awareness a(AwarenessLimits{.maxClientsPerConnection = 3});
  size_t dropped = 0;
  AwarenessChanges ch = applyFrom(a, 1, many(100, 10, 1, "{}"), &dropped);
  EXPECT_EQ(ch.added, (Ids{100, 101, 102}));
  EXPECT_EQ(dropped, 7u);
  EXPECT_EQ(a.owned(1), 3u);
  EXPECT_EQ(a.remembered(), 3u);  // the dropped ones leave no trace
  // Renewals of what it holds are fine at the quota; a new id still is not.
  dropped = 0;
  ch = applyFrom(a, 1, update({{100, 2, R"({"x":1})"}, {200, 1, "{}"}}), &dropped);
  EXPECT_EQ(ch.updated, Ids{100});
  EXPECT_TRUE(ch.added.empty());
  EXPECT_EQ(dropped, 1u);
  // Once one of its clients leaves, it may introduce another.
  ch = applyFrom(a, 1, update({{101, 2, "null"}, {200, 1, "{}"}}));
  EXPECT_EQ(ch.removed, Ids{101});
  EXPECT_EQ(ch.added, Ids{200});
  EXPECT_EQ(a.owned(1), 3u);
}

TEST(AwarenessQuota, AFullTableDoesNotRefuseAnotherConnectionsFirstUpdate) {
  // The issue: one connection announced 10,000 ids; every real client's
  // first update was refused and its connection closed.
  Awareness a;  // the hub's defaults: 10,000 clients, 64 per connection
  size_t dropped = 0;
  ASSERT_TRUE(a.applyUpdateFrom(1, many(1, 10000, 1, R"({"bot":1})"), 0, nullptr, &dropped).ok());
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(dropped, 10000u - 64u);
  for (uint64_t conn = 2; conn < 100; ++conn) {
    AwarenessChanges ch;
    ASSERT_TRUE(a.applyUpdateFrom(conn, update({{1000000 + conn, 1, R"({"user":"real"})"}}), 0, &ch).ok());
    EXPECT_EQ(ch.added, Ids{1000000 + conn});
  }
  // Even when many connections did fill it, another's update is not an
  // error: its new client is dropped, and its renewals keep working.
  Awareness full(AwarenessLimits{.maxClients = 10, .maxClientsPerConnection = 5});
  applyFrom(full, 1, many(1, 5, 1, "{}"));
  applyFrom(full, 2, many(11, 5, 1, "{}"));
  dropped = 0;
  AwarenessChanges ch = applyFrom(full, 3, update({{99, 1, "{}"}, {11, 2, R"({"r":1})"}}), &dropped);
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(ch.updated, Ids{11});  // speaking for another's client is as in y-protocols
  EXPECT_EQ(full.owned(2), 5u);    // which stays the owner's
  EXPECT_EQ(full.size(), 10u);
}

TEST(AwarenessQuota, ByteBudget) {
  const std::string big = "\"" + std::string(998, 'x') + "\"";  // 1,000 bytes of JSON
  const size_t each = 1000 + kAwarenessEntryOverhead;
  Awareness a(AwarenessLimits{.maxClients = 100, .maxClientsPerConnection = 50, .maxTotalStateBytes = 10 * each});
  size_t dropped = 0;
  applyFrom(a, 1, many(1, 8, 1, big), &dropped);
  applyFrom(a, 2, many(100, 8, 1, big), &dropped);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(dropped, 6u);
  EXPECT_EQ(a.stateBytes(), 10 * each);
  // The joiner's snapshot is within the budget (plus the count).
  EXPECT_LE(a.encodeUpdate(a.clientsWithState()).size(), 10 * each + 10);
  // A state that grows past the budget is dropped (the old one stays); one
  // that shrinks is always taken, and frees room for a small newcomer.
  dropped = 0;
  applyFrom(a, 1, update({{1, 2, (big.substr(0, 999) + "yy\"").c_str()}}), &dropped);  // 1,002 bytes
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(a.stateJSON(1)->size(), 1000u);
  applyFrom(a, 1, update({{1, 2, "{}"}}));
  EXPECT_EQ(a.stateJSON(1), "{}");
  EXPECT_EQ(applyFrom(a, 3, update({{500, 1, R"({"user":"real"})"}})).added, Ids{500});
  EXPECT_LE(a.stateBytes(), 10 * each);
  // Removals give the bytes back.
  a.removeOwned(2, 0);
  a.removeOwned(1, 0);
  a.removeOwned(3, 0);
  EXPECT_EQ(a.stateBytes(), 0u);
  // Without an owner the budget refuses the whole update, as maxClients does.
  AwarenessChanges ch;
  EXPECT_EQ(a.applyUpdate(many(1, 11, 5, big), 0, &ch).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(a.size(), 0u);
}

TEST(AwarenessQuota, ADepartedConnectionsClientsAreFreedAndItsOwnershipEndsWithTheState) {
  Awareness a(AwarenessLimits{.maxClientsPerConnection = 2});
  applyFrom(a, 1, update({{10, 1, "{}"}, {11, 1, "{}"}}));
  applyFrom(a, 2, update({{20, 1, "{}"}}));
  // Connection 2 removes 11 (as y-protocols allows); 1 owns only 10 now.
  applyFrom(a, 2, update({{11, 1, "null"}}));
  EXPECT_EQ(a.owned(1), 1u);
  // 11 comes back through connection 2: a departed client given a state
  // again is owned by whoever brings it back.
  applyFrom(a, 2, update({{11, 2, "{}"}}));
  EXPECT_EQ(a.owned(2), 2u);
  EXPECT_EQ(a.removeOwned(1, 5), Ids{10});
  EXPECT_EQ(a.owned(1), 0u);
  EXPECT_TRUE(a.stateJSON(11).has_value());  // not 1's any more
  // Its quota is free again for a new connection with the same id.
  EXPECT_EQ(applyFrom(a, 1, update({{30, 1, "{}"}, {31, 1, "{}"}})).added, (Ids{30, 31}));
  // Expiry ends ownership too.
  a.removeOutdated(100000, 30000);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.owned(1), 0u);
  EXPECT_EQ(a.owned(2), 0u);
  EXPECT_EQ(a.stateBytes(), 0u);
}

TEST(AwarenessQuota, MalformedAndOversizedStatesAreStillErrors) {
  Awareness a(AwarenessLimits{.maxStateBytes = 16});
  AwarenessChanges ch;
  EXPECT_EQ(a.applyUpdateFrom(1, update({{1, 1, R"({"a":"0123456789abc"})"}}), 0, &ch).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(a.applyUpdateFrom(1, std::vector<uint8_t>{1, 1}, 0, &ch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.remembered(), 0u);
}

}  // namespace
}  // namespace roundtable::sync
