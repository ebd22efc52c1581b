#include "mcp/tool.h"

namespace roundtable::mcp {

Json ToolResult::toJson() const {
  Json result{{"content", Json::array({{{"type", "text"}, {"text", text}}})}};
  if (structured) result["structuredContent"] = *structured;
  if (isError) result["isError"] = true;
  return result;
}

ToolCall::ToolCall(Json id, Json arguments, std::optional<Json> progressToken, Emit emit)
    : id_(std::move(id)), arguments_(std::move(arguments)), progressToken_(std::move(progressToken)),
      emit_(std::move(emit)) {}

void ToolCall::progress(double progress, std::optional<double> total, const std::string& message) {
  if (!progressToken_) return;
  Json params{{"progressToken", *progressToken_}, {"progress", progress}};
  if (total) params["total"] = *total;
  if (!message.empty()) params["message"] = message;
  std::lock_guard lock(mutex_);
  if (emit_) emit_(makeNotification("notifications/progress", std::move(params)), false);
}

void ToolCall::finish(ToolResult result) {
  Emit emit;
  {
    std::lock_guard lock(mutex_);
    emit = std::move(emit_);
    emit_ = nullptr;
    onCancel_ = nullptr;
  }
  if (emit) emit(makeResult(id_, result.toJson()), true);
}

void ToolCall::onCancel(std::function<void()> f) {
  {
    std::lock_guard lock(mutex_);
    if (!cancelled_) {
      if (emit_) onCancel_ = std::move(f);
      return;
    }
  }
  f();
}

void ToolCall::cancel() {
  std::function<void()> f;
  Emit emit;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_.exchange(true)) return;
    f = std::move(onCancel_);
    onCancel_ = nullptr;
    emit = std::move(emit_);
    emit_ = nullptr;
  }
  if (f) f();
  // No response after cancellation; a null final message tells the
  // transport the exchange is over (an HTTP stream closes).
  if (emit) emit(Json(), true);
}

}  // namespace roundtable::mcp
