#include "crdt/update/coder_v2.h"

namespace roundtable::crdt {

std::vector<uint8_t> UpdateEncoderV2::finish() {
  // The update is allocated once, at its final size, and each column is
  // copied into it once, from the buffer its encoder kept.
  lib0::Encoder out;
  out.reserve(1 + keyClocks_.sizeBound() + clients_.sizeBound() + leftClocks_.sizeBound() +
              rightClocks_.sizeBound() + infos_.sizeBound() + strings_.sizeBound() + parentInfos_.sizeBound() +
              typeRefs_.sizeBound() + lens_.sizeBound() + rest.size());
  out.writeVarUint(0);  // feature flag, unused
  keyClocks_.appendTo(out);
  clients_.appendTo(out);
  leftClocks_.appendTo(out);
  rightClocks_.appendTo(out);
  infos_.appendTo(out);
  strings_.appendTo(out);
  parentInfos_.appendTo(out);
  typeRefs_.appendTo(out);
  lens_.appendTo(out);
  out.writeUint8Array(rest.data());  // the rest, without a length
  rest.clear();
  return out.take();
}

UpdateDecoderV2::UpdateDecoderV2(std::span<const uint8_t> data) : UpdateDecoder(data) {
  rest.readVarUint();  // feature flag, unused
  keyClocks_.emplace(rest.readVarUint8Array());
  clients_.emplace(rest.readVarUint8Array());
  leftClocks_.emplace(rest.readVarUint8Array());
  rightClocks_.emplace(rest.readVarUint8Array());
  infos_.emplace(rest.readVarUint8Array());
  strings_.emplace(rest.readVarUint8Array());
  parentInfos_.emplace(rest.readVarUint8Array());
  typeRefs_.emplace(rest.readVarUint8Array());
  lens_.emplace(rest.readVarUint8Array());
}

Clock UpdateDecoderV2::readDsClock() {
  const uint64_t diff = rest.readVarUint();
  if (diff > kMaxClock - dsCurrVal_) throw lib0::DecodeError("delete range beyond 2^53");
  dsCurrVal_ += diff;
  return dsCurrVal_;
}

Clock UpdateDecoderV2::readDsLen() {
  const uint64_t len = rest.readVarUint() + 1;
  if (len > kMaxClock - dsCurrVal_) throw lib0::DecodeError("delete range beyond 2^53");
  dsCurrVal_ += len;
  return len;
}

ID UpdateDecoderV2::readLeftID() {
  const ClientId client = readClient();
  return ID{client, checkedClock(leftClocks_->read(), "left clock out of range")};
}

ID UpdateDecoderV2::readRightID() {
  const ClientId client = readClient();
  return ID{client, checkedClock(rightClocks_->read(), "right clock out of range")};
}

std::string UpdateDecoderV2::readKey() {
  const int64_t keyClock = keyClocks_->read();
  if (keyClock < 0) throw lib0::DecodeError("negative key clock");
  if (static_cast<uint64_t>(keyClock) < keys_.size()) return keys_[keyClock];
  std::string key = strings_->read();
  keys_.push_back(key);
  return key;
}

uint64_t UpdateDecoderV2::structBudget() const { return kStructsFloor + kStructsPerByte * size_; }

}  // namespace roundtable::crdt
