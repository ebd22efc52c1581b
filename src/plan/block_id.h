// Block ids: BlockNote gives every block a random UUID v4 (its UniqueID
// extension uses crypto.randomUUID), and Roundtable does the same.
//
//   BlockIdGenerator ids = randomBlockIds();
//   std::string id = ids();   // "1b4e28ba-2fa1-4d2f-883f-0016d3cca427"
//
// Tests inject their own generator (for example sequentialBlockIds()) to get
// predictable documents.
#pragma once

#include <functional>
#include <string>

namespace roundtable::plan {

// Returns a new id each call. A generator is used from one thread at a time.
using BlockIdGenerator = std::function<std::string()>;

// Random UUID v4s (lowercase, 8-4-4-4-12), seeded from std::random_device.
BlockIdGenerator randomBlockIds();

// "<prefix>1", "<prefix>2", ...: deterministic ids for tests.
BlockIdGenerator sequentialBlockIds(std::string prefix = "block-");

}  // namespace roundtable::plan
