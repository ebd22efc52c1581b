// Comment threads of a plan: the `threads` Y.Map as BlockNote 0.55's
// YjsThreadStore writes it, with authors named from the `users` Y.Map.
//
//   std::vector<Thread> threads = readThreads(doc.getMap("threads"), doc.getMap("users"));
//   std::vector<ThreadAnchor> anchors = anchorThreads(readDocument(doc.getXmlFragment("document")));
//
// The store's layout (@blocknote/core src/yjs/comments/yjsHelpers.ts):
//   threads: threadId -> Y.Map {id, createdAt, updatedAt (ms numbers),
//     resolved (bool), resolvedUpdatedAt?, resolvedBy?, metadata,
//     deletedAt? (soft delete of the last comment),
//     comments: Y.Array of Y.Map {id, userId, createdAt, updatedAt,
//       body (BlockNote blocks as plain JSON; undefined once soft-deleted),
//       deletedAt?, metadata,
//       reactionsByUser: Y.Map "<userId>-<emoji>" -> Y.Map {emoji, createdAt, userId}}}
//   users: userId -> {name, color} (a plain object or a Y.Map)
//
// Deleting a comment in BlockNote's web UI removes it from the array (and the
// thread once it is empty); other stores soft-delete it (deletedAt set, body
// removed), and the UI then shows nothing for it. Both are read as they are:
// soft-deleted comments stay in Thread::comments with `deleted()` true, so
// that the list equals the store's getThreads(); renderers skip them.
//
// Reading never throws and never modifies the document: entries that are not
// shaped as the store writes them are skipped (a thread that is not a Y.Map,
// a comment that is not a Y.Map) or read with empty fields.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan/block.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

// Times are JavaScript millisecond timestamps; nullopt where the store has no
// number.
using Millis = std::optional<double>;

struct Reaction {
  std::string emoji;
  std::vector<std::string> userIds;  // in the order of the reactionsByUser map
  std::vector<std::string> userNames;  // userName() of each of userIds
  Millis createdAt;                  // the earliest of the users' reactions
  bool operator==(const Reaction&) const = default;
};

struct Comment {
  std::string id;
  std::string userId;
  std::string author;  // the user's name from `users`; the user id when it has none
  Value body;          // BlockNote blocks JSON as stored; undefined when deleted
  std::string text;    // plain text of `body` (commentBodyText)
  Millis createdAt;
  Millis updatedAt;
  Millis deletedAt;  // set when soft-deleted
  std::vector<Reaction> reactions;  // grouped by emoji, in first-seen order
  bool deleted() const { return deletedAt.has_value(); }
  bool operator==(const Comment&) const = default;
};

struct Thread {
  std::string id;  // the thread's `id` field (the key in `threads` when it has none)
  Millis createdAt;
  Millis updatedAt;
  bool resolved = false;
  std::string resolvedBy;      // user id; empty when never resolved
  std::string resolvedByName;  // name from `users` for resolvedBy; empty when resolvedBy is
  Millis resolvedUpdatedAt;
  Millis deletedAt;  // soft-deleted thread (all its comments soft-deleted)
  // The plan revision it was made on: `metadata.revision` of the thread, as
  // the web app writes it; nullopt for threads made before it did.
  std::optional<int64_t> revision;
  std::vector<Comment> comments;
  // Comments the web UI shows: not deleted, with a body.
  std::vector<const Comment*> visibleComments() const;
  bool operator==(const Thread&) const = default;
};

// Every thread in the map, in the map's iteration order (the order of
// YjsThreadStore.getThreads()).
std::vector<Thread> readThreads(const crdt::Map& threads, const crdt::Map& users);

// The display name of a user: `users[userId].name` when it is a non-empty
// string, else the user id itself.
std::string userName(const crdt::Map& users, const std::string& userId);

// The plain text of a comment body (BlockNote blocks JSON): the text of each
// block's inline content (links included, styles dropped) and of table cells,
// blocks and nested blocks one per line. Non-block values give "".
std::string commentBodyText(const Value& body);

// Where a thread sits in the document: the first block (in document order,
// nested blocks after their parent) holding text marked with it, and the
// quoted text: the texts of all runs carrying the thread id, in document
// order; runs directly next to each other are concatenated, separate stretches
// are joined by " … ".
struct ThreadAnchor {
  std::string threadId;
  std::string blockId;
  std::string quote;
  bool operator==(const ThreadAnchor&) const = default;
};

// Anchors of every thread that marks some text, ordered by where each first
// appears in the document (BlockNote's "position" order).
std::vector<ThreadAnchor> anchorThreads(const std::vector<Block>& blocks);

// `ms` as JavaScript's Date#toISOString gives it: "2025-05-01T10:00:00.000Z".
// Empty for nullopt, NaN or values beyond Date's range.
std::string isoTime(Millis ms);

}  // namespace roundtable::plan
