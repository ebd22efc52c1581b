// StringPool: interns map keys and root names so that items can refer to
// them by a stable pointer and compare them by address.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

namespace roundtable::crdt {

class StringPool {
 public:
  const std::string* intern(std::string_view s) {
    auto it = set_.find(s);
    if (it != set_.end()) return &*it;
    return &*set_.emplace(s).first;
  }
  // The interned copy of `s`, or null if it was never interned.
  const std::string* find(std::string_view s) const {
    auto it = set_.find(s);
    return it == set_.end() ? nullptr : &*it;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>()(s); }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> set_;
};

}  // namespace roundtable::crdt
