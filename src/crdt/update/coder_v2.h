// Update format v2 encoder and decoder (yjs utils/UpdateEncoder.js
// UpdateEncoderV2, UpdateDecoder.js UpdateDecoderV2).
//
// Layout: a varUint feature flag (0), then nine columns, each a
// varUint8Array: key clocks (IntDiffOptRle), clients (UintOptRle), left
// clocks and right clocks (IntDiffOptRle), info bytes (Rle), strings
// (StringEncoder), parent info (Rle), type refs and lengths (UintOptRle);
// then the rest, unprefixed. Delete sets go to the rest with clocks as
// differences within a client and lengths minus one.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crdt/update/update_coder.h"
#include "lib0/rle.h"

namespace roundtable::crdt {

class UpdateEncoderV2 final : public UpdateEncoder {
 public:
  UpdateEncoderV2() : UpdateEncoder(UpdateFormat::kV2) {}
  void resetDsCurVal() override { dsCurrVal_ = 0; }
  // Clocks must not go back within a client: v2 writes differences.
  void writeDsClock(Clock c) override {
    // yjs writes a negative difference as a garbage byte; refuse instead.
    if (c < dsCurrVal_) throw lib0::DecodeError("delete ranges out of order cannot be written in format v2");
    rest.writeVarUint(c - dsCurrVal_);
    dsCurrVal_ = c;
  }
  void writeDsLen(Clock len) override {
    if (len == 0) throw lib0::DecodeError("a delete range of length 0 cannot be written in format v2");
    rest.writeVarUint(len - 1);
    dsCurrVal_ += len;
  }
  void writeLeftID(ID id) override {
    clients_.write(id.client);
    leftClocks_.write(static_cast<int64_t>(id.clock));
  }
  void writeRightID(ID id) override {
    clients_.write(id.client);
    rightClocks_.write(static_cast<int64_t>(id.clock));
  }
  void writeClient(ClientId c) override { clients_.write(c); }
  void writeInfo(uint8_t info) override { infos_.write(info); }
  void writeString(std::string_view s) override { strings_.write(s); }
  void writeAsciiString(std::string_view s) override { strings_.writeAscii(s); }
  void writeParentInfo(bool isYKey) override { parentInfos_.write(isYKey ? 1 : 0); }
  void writeTypeRef(uint8_t ref) override { typeRefs_.write(ref); }
  void writeLen(Clock len) override { lens_.write(len); }
  void writeJSON(const lib0::Value& v) override { writeAny(v); }
  // yjs never reuses a key (its key cache is disabled): every key gets the
  // next key clock and goes to the string column.
  void writeKey(std::string_view key) override {
    keyClocks_.write(keyClock_++);
    strings_.write(key);
  }
  std::vector<uint8_t> finish() override;

 private:
  Clock dsCurrVal_ = 0;
  int64_t keyClock_ = 0;
  lib0::IntDiffOptRleEncoder keyClocks_;
  lib0::UintOptRleEncoder clients_;
  lib0::IntDiffOptRleEncoder leftClocks_;
  lib0::IntDiffOptRleEncoder rightClocks_;
  lib0::RleEncoder infos_;
  lib0::StringEncoder strings_;
  lib0::RleEncoder parentInfos_;
  lib0::UintOptRleEncoder typeRefs_;
  lib0::UintOptRleEncoder lens_;
};

class UpdateDecoderV2 final : public UpdateDecoder {
 public:
  // Reads the feature flag and the nine columns; throws lib0::DecodeError.
  explicit UpdateDecoderV2(std::span<const uint8_t> data);

  void resetDsCurVal() override { dsCurrVal_ = 0; }
  Clock readDsClock() override;
  Clock readDsLen() override;
  ID readLeftID() override;
  ID readRightID() override;
  ClientId readClient() override { return checkedClock(static_cast<int64_t>(clients_->read()), "client id beyond 2^53"); }
  uint8_t readInfo() override { return infos_->read(); }
  std::string readString() override { return strings_->read(); }
  bool readParentInfo() override { return parentInfos_->read() == 1; }
  uint64_t readTypeRef() override { return typeRefs_->read(); }
  Clock readLen() override { return checkedClock(static_cast<int64_t>(lens_->read()), "length beyond 2^53"); }
  lib0::Value readJSON() override { return readAny(); }
  std::string readKey() override;
  uint64_t structBudget() const override;

  // Structs a v2 update may hold per byte of its size, beyond a floor.
  static constexpr uint64_t kStructsPerByte = 64;
  static constexpr uint64_t kStructsFloor = 1 << 16;

 private:
  Clock dsCurrVal_ = 0;
  std::vector<std::string> keys_;
  std::optional<lib0::IntDiffOptRleDecoder> keyClocks_;
  std::optional<lib0::UintOptRleDecoder> clients_;
  std::optional<lib0::IntDiffOptRleDecoder> leftClocks_;
  std::optional<lib0::IntDiffOptRleDecoder> rightClocks_;
  std::optional<lib0::RleDecoder> infos_;
  std::optional<lib0::StringDecoder> strings_;
  std::optional<lib0::RleDecoder> parentInfos_;
  std::optional<lib0::UintOptRleDecoder> typeRefs_;
  std::optional<lib0::UintOptRleDecoder> lens_;
};

}  // namespace roundtable::crdt
