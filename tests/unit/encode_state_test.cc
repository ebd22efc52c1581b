// What a peer lacks, encoded from a document (the store walked once, its
// delete set gathered on the way) must be the document's whole state with
// what the peer has cut away: diffUpdate of the full update, the path the
// differential tests hold byte-identical to yjs.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "lib0/encoder.h"
#include "roundtable/crdt/doc.h"
#include "roundtable/crdt/updates.h"

namespace roundtable::crdt {
namespace {

// Two writers typing and deleting in one text, each seeing the other's
// edits now and then, so that deleted and live runs of both clients lie on
// either side of any clock a state vector names.
void edit(Doc& a, Doc& b, std::mt19937& rng, int rounds) {
  for (int r = 0; r < rounds; r++) {
    for (Doc* d : {&a, &b}) {
      Text t = d->getText("t");
      const size_t len = t.length();
      if (len > 4 && rng() % 3 == 0) {
        const size_t at = rng() % (len - 1);
        ASSERT_TRUE(t.erase(at, 1 + rng() % std::min<size_t>(len - at, 5)).ok());
      } else {
        ASSERT_TRUE(t.insert(len == 0 ? 0 : rng() % (len + 1), std::string(1 + rng() % 6, 'a' + r % 26)).ok());
      }
    }
    if (r % 7 == 6) {
      ASSERT_TRUE(a.applyUpdate(b.encodeStateAsUpdate(a.encodeStateVector())).ok());
      ASSERT_TRUE(b.applyUpdate(a.encodeStateAsUpdate(b.encodeStateVector())).ok());
    }
  }
}

// A state vector as lib0 writes it: the number of entries, then client and
// clock as varUints.
std::vector<uint8_t> encodeSv(const StateVector& sv) {
  lib0::Encoder enc;
  enc.writeVarUint(sv.size());
  for (auto [client, clock] : sv) {
    enc.writeVarUint(client);
    enc.writeVarUint(clock);
  }
  return enc.take();
}

TEST(EncodeState, WhatAPeerLacksIsTheFullStateDiffedAgainstItsStateVector) {
  std::mt19937 rng(20261208);
  for (int round = 0; round < 20; round++) {
    Doc a(DocOptions{.clientId = 1000 + round, .gc = round % 2 == 0});
    Doc b(DocOptions{.clientId = 7 + round, .gc = round % 2 == 0});
    edit(a, b, rng, 40 + round * 5);
    ASSERT_TRUE(a.applyUpdate(b.encodeStateAsUpdate()).ok());
    const StateVector full = a.stateVector();
    std::vector<StateVector> peers = {{}, full};
    for (int k = 0; k < 6; k++) {
      StateVector sv;
      for (auto [client, clock] : full)
        if (rng() % 4 != 0) sv.emplace_back(client, rng() % (clock + 1));  // some clients unknown
      sv.emplace_back(424242, 3);  // a client the document has never seen
      peers.push_back(sv);
    }
    const std::vector<uint8_t> stateV1 = a.encodeStateAsUpdate();
    const std::vector<uint8_t> stateV2 = a.encodeStateAsUpdateV2();
    for (const StateVector& peer : peers) {
      const std::vector<uint8_t> sv = encodeSv(peer);
      std::vector<uint8_t> diffV1, diffV2;
      ASSERT_TRUE(diffUpdate(stateV1, sv, &diffV1).ok());
      ASSERT_TRUE(diffUpdateV2(stateV2, sv, &diffV2).ok());
      EXPECT_EQ(a.encodeStateAsUpdate(sv), diffV1) << "round " << round;
      EXPECT_EQ(a.encodeStateAsUpdateV2(sv), diffV2) << "round " << round;
      // And the peer that has what `sv` names ends up with the whole text.
      Doc peerDoc;
      ASSERT_TRUE(peerDoc.applyUpdate(stateV1).ok());
      ASSERT_TRUE(peerDoc.applyUpdate(a.encodeStateAsUpdate(sv)).ok());
      EXPECT_EQ(peerDoc.getText("t").toString(), a.getText("t").toString());
    }
  }
}

}  // namespace
}  // namespace roundtable::crdt
