// Status: the outcome of an operation that can fail on untrusted input.
//
//   Status s = doc.applyUpdate(bytes);
//   if (!s.ok()) log(s.message());
//
// Errors are values: nothing in Roundtable's public API throws on bad input.
#pragma once

#include <string>
#include <utility>

namespace roundtable {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something malformed (bad update bytes, bad JSON)
  kNotFound,            // the named thing does not exist
  kFailedPrecondition,  // the request is well-formed but the state does not allow it
  kResourceExhausted,   // a size or count limit was exceeded
  kInternal,            // a bug: an invariant did not hold
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(StatusCode::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status FailedPrecondition(std::string msg) { return Status(StatusCode::kFailedPrecondition, std::move(msg)); }
  static Status ResourceExhausted(std::string msg) { return Status(StatusCode::kResourceExhausted, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace roundtable
