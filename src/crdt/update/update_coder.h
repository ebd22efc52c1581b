// The interface every update format implements (yjs utils/UpdateEncoder.js and
// UpdateDecoder.js): structs, contents and delete sets write and read their
// fields through it and never know which format they are in.
//
//   v1 (coder_v1.h): every field in sequence in one lib0 buffer;
//   v2 (coder_v2.h): each kind of field in a column of its own, then the rest.
//
// Both formats share `rest`, where the fields no column takes go: the numbers
// of clients and structs, start clocks, Skip lengths, delete sets, Any values
// and byte arrays. Readers throw lib0::DecodeError on malformed input.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/id.h"
#include "lib0/decoder.h"
#include "lib0/encoder.h"
#include "roundtable/lib0/value.h"

namespace roundtable::crdt {

enum class UpdateFormat : uint8_t { kV1, kV2 };

class UpdateEncoder {
 public:
  explicit UpdateEncoder(UpdateFormat format) : format_(format) {}
  virtual ~UpdateEncoder() = default;
  lib0::Encoder rest;
  // Which implementation this is: hot writers (items, delete sets) switch on
  // it once and call the final class directly (with_encoder.h).
  UpdateFormat format() const { return format_; }

  // Delete sets: v2 writes clocks as differences within one client.
  virtual void resetDsCurVal() = 0;
  virtual void writeDsClock(Clock c) = 0;
  // v2 cannot write a range of length 0 (yjs throws too): throws lib0::DecodeError.
  virtual void writeDsLen(Clock len) = 0;

  virtual void writeLeftID(ID id) = 0;
  virtual void writeRightID(ID id) = 0;
  virtual void writeClient(ClientId c) = 0;
  virtual void writeInfo(uint8_t info) = 0;
  // WTF-8; lone surrogates reach the wire as U+FFFD.
  virtual void writeString(std::string_view s) = 0;
  // The same for a string of ASCII only, which needs no scan: it is its own
  // UTF-8 and its UTF-16 length is its size.
  virtual void writeAsciiString(std::string_view s) = 0;
  virtual void writeParentInfo(bool isYKey) = 0;
  virtual void writeTypeRef(uint8_t ref) = 0;
  virtual void writeLen(Clock len) = 0;
  void writeAny(const lib0::Value& v);
  void writeBuf(std::span<const uint8_t> buf) { rest.writeVarUint8Array(buf); }
  // Embeds and format values: JSON text in v1, writeAny in v2.
  virtual void writeJSON(const lib0::Value& v) = 0;
  virtual void writeKey(std::string_view key) = 0;

  // The whole update. Call once; the encoder is spent afterwards.
  virtual std::vector<uint8_t> finish() = 0;

 private:
  UpdateFormat format_;
};

class UpdateDecoder {
 public:
  explicit UpdateDecoder(std::span<const uint8_t> data) : rest(data), size_(data.size()) {}
  virtual ~UpdateDecoder() = default;
  lib0::Decoder rest;

  virtual void resetDsCurVal() = 0;
  virtual Clock readDsClock() = 0;
  virtual Clock readDsLen() = 0;

  virtual ID readLeftID() = 0;
  virtual ID readRightID() = 0;
  virtual ClientId readClient() = 0;
  virtual uint8_t readInfo() = 0;
  virtual std::string readString() = 0;
  virtual bool readParentInfo() = 0;
  virtual uint64_t readTypeRef() = 0;
  virtual Clock readLen() = 0;
  lib0::Value readAny();
  std::span<const uint8_t> readBuf() { return rest.readVarUint8Array(); }
  virtual lib0::Value readJSON() = 0;
  virtual std::string readKey() = 0;

  // How many structs this update may decode to at most. In v1 every struct
  // takes a byte of `rest`; in v2 one can take none (runs in the columns), so
  // the bound is a multiple of the update's size: no decoder allocates
  // without a bound, whatever lengths the bytes claim.
  virtual uint64_t structBudget() const = 0;

  // A client id or clock read from `rest`: a safe JavaScript integer.
  ClientId readRestClientId();
  Clock readRestClock();

 protected:
  size_t size_;
};

std::unique_ptr<UpdateEncoder> makeUpdateEncoder(UpdateFormat format);

// Throws lib0::DecodeError if a v2 update's column header is malformed.
std::unique_ptr<UpdateDecoder> makeUpdateDecoder(UpdateFormat format, std::span<const uint8_t> update);

// A value read from a column or `rest` as a client id, clock or length: it
// must be a safe JavaScript integer (below 2^53), or DecodeError.
inline uint64_t checkedClock(int64_t v, const char* what) {
  if (v < 0 || static_cast<uint64_t>(v) > kMaxClock) throw lib0::DecodeError(what);
  return static_cast<uint64_t>(v);
}

}  // namespace roundtable::crdt
