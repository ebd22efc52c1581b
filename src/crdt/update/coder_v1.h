// Update format v1 encoder and decoder (yjs utils/UpdateEncoder.js, UpdateDecoder.js).
// In v1 every field is written in sequence to one lib0 buffer.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "crdt/id.h"
#include "lib0/decoder.h"
#include "lib0/encoder.h"
#include "roundtable/lib0/value.h"

namespace roundtable::crdt {

class UpdateEncoderV1 {
 public:
  lib0::Encoder rest;

  void writeDsClock(Clock c) { rest.writeVarUint(c); }
  void writeDsLen(Clock l) { rest.writeVarUint(l); }
  void writeLeftID(ID id) { rest.writeVarUint(id.client); rest.writeVarUint(id.clock); }
  void writeRightID(ID id) { writeLeftID(id); }
  void writeClient(ClientId c) { rest.writeVarUint(c); }
  void writeInfo(uint8_t info) { rest.writeUint8(info); }
  void writeString(std::string_view s) { rest.writeVarString(s); }
  void writeParentInfo(bool isYKey) { rest.writeVarUint(isYKey ? 1 : 0); }
  void writeTypeRef(uint8_t ref) { rest.writeVarUint(ref); }
  void writeLen(Clock len) { rest.writeVarUint(len); }
  void writeAny(const lib0::Value& v);
  void writeBuf(std::span<const uint8_t> buf) { rest.writeVarUint8Array(buf); }
  // v1 writes embeds and format values as JSON text.
  void writeJSON(const lib0::Value& v);
  void writeKey(std::string_view key) { rest.writeVarString(key); }

  std::vector<uint8_t> take() { return rest.take(); }
};

class UpdateDecoderV1 {
 public:
  explicit UpdateDecoderV1(std::span<const uint8_t> data) : rest(data) {}
  lib0::Decoder rest;

  Clock readDsClock() { return readClock(); }
  Clock readDsLen() { return readClock(); }
  ID readLeftID() { ClientId c = readClientId(); return ID{c, readClock()}; }
  ID readRightID() { return readLeftID(); }
  ClientId readClient() { return readClientId(); }
  uint8_t readInfo() { return rest.readUint8(); }
  std::string readString() { return rest.readVarString(); }
  bool readParentInfo() { return rest.readVarUint() == 1; }
  uint64_t readTypeRef() { return rest.readVarUint(); }
  Clock readLen() { return readClock(); }
  lib0::Value readAny();
  std::span<const uint8_t> readBuf() { return rest.readVarUint8Array(); }
  lib0::Value readJSON();
  std::string readKey() { return rest.readVarString(); }

  // A client id must be a safe JavaScript integer.
  ClientId readClientId();
  // A clock or length must stay below 2^53 (JavaScript numbers).
  Clock readClock();
};

}  // namespace roundtable::crdt
