// Update format v1 encoder and decoder (yjs utils/UpdateEncoder.js,
// UpdateDecoder.js): every field is written in sequence to one lib0 buffer.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "crdt/update/update_coder.h"

namespace roundtable::crdt {

class UpdateEncoderV1 final : public UpdateEncoder {
 public:
  UpdateEncoderV1() : UpdateEncoder(UpdateFormat::kV1) {}
  void resetDsCurVal() override {}
  void writeDsClock(Clock c) override { rest.writeVarUint(c); }
  void writeDsLen(Clock l) override { rest.writeVarUint(l); }
  void writeLeftID(ID id) override {
    rest.writeVarUint(id.client);
    rest.writeVarUint(id.clock);
  }
  void writeRightID(ID id) override { writeLeftID(id); }
  void writeClient(ClientId c) override { rest.writeVarUint(c); }
  void writeInfo(uint8_t info) override { rest.writeUint8(info); }
  void writeString(std::string_view s) override { rest.writeVarString(s); }
  void writeAsciiString(std::string_view s) override {
    rest.writeVarUint8Array({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  }
  void writeParentInfo(bool isYKey) override { rest.writeVarUint(isYKey ? 1 : 0); }
  void writeTypeRef(uint8_t ref) override { rest.writeVarUint(ref); }
  void writeLen(Clock len) override { rest.writeVarUint(len); }
  void writeJSON(const lib0::Value& v) override;
  void writeKey(std::string_view key) override { rest.writeVarString(key); }
  std::vector<uint8_t> finish() override { return rest.take(); }
  std::vector<uint8_t> take() { return rest.take(); }
};

class UpdateDecoderV1 final : public UpdateDecoder {
 public:
  explicit UpdateDecoderV1(std::span<const uint8_t> data) : UpdateDecoder(data) {}

  void resetDsCurVal() override {}
  Clock readDsClock() override { return readRestClock(); }
  Clock readDsLen() override { return readRestClock(); }
  ID readLeftID() override {
    ClientId c = readRestClientId();
    return ID{c, readRestClock()};
  }
  ID readRightID() override { return readLeftID(); }
  ClientId readClient() override { return readRestClientId(); }
  uint8_t readInfo() override { return rest.readUint8(); }
  std::string readString() override { return rest.readVarString(); }
  bool readParentInfo() override { return rest.readVarUint() == 1; }
  uint64_t readTypeRef() override { return rest.readVarUint(); }
  Clock readLen() override { return readRestClock(); }
  lib0::Value readJSON() override;
  std::string readKey() override { return rest.readVarString(); }
  // Every struct takes at least its info byte.
  uint64_t structBudget() const override { return size_; }
};

}  // namespace roundtable::crdt
