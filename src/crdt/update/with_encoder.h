// withEncoder: calls f with an UpdateEncoder as its final class
// (UpdateEncoderV1& or UpdateEncoderV2&), so that the writes f makes are
// direct calls the compiler inlines. Writers that run once per struct or
// delete range use it; the rest call the interface.
#pragma once

#include "crdt/update/coder_v1.h"
#include "crdt/update/coder_v2.h"

namespace roundtable::crdt {

template <typename F>
decltype(auto) withEncoder(UpdateEncoder& enc, F&& f) {
  if (enc.format() == UpdateFormat::kV1) return f(static_cast<UpdateEncoderV1&>(enc));
  return f(static_cast<UpdateEncoderV2&>(enc));
}

}  // namespace roundtable::crdt
