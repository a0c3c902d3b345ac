// The op a user called, as errors raised below it see it. Every op function (and every plan
// step of a compiled function) opens a frame; only the outermost frame on a thread counts,
// so an error raised deep inside (an allocation, a kernel, an op that one op calls on its
// behalf) names the op the user called and the user's line: "[zeros] ..." rather than
// "[allocate] ...", "(at model.cpp:42)" rather than a line of kiln's own.
//
// User code that kiln runs on its own behalf (a kiln::function's lambda while it traces, a
// cond branch, a loop body) starts afresh: a UserCode scope hides the frames around it.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>

#include "runtime/profiler.h"

namespace kiln::runtime {

class OpFrame {
 public:
  /// `loc` may be null (C++ operators cannot take a source_location).
  /// While the profiler records (runtime/profiler.h), the outermost frame of a user's
  /// call is an "op" event.
  OpFrame(const char* op, const std::source_location* loc) noexcept : op_(op), loc_(loc) {
    enter();
    if (outermost_ && profiler::active() && !profiler::QuietOps::quiet()) [[unlikely]]
      profile_start_ = profiler::now_ns();
  }
  /// A compiled function's plan step: the traced op's name and location ("file:line").
  OpFrame(const char* op, const std::string* where) noexcept : op_(op), where_(where) { enter(); }
  ~OpFrame() {
    if (outermost_) {
      if (profile_start_ != 0) [[unlikely]]
        record_profile();
      current() = nullptr;
    }
  }
  OpFrame(const OpFrame&) = delete;
  OpFrame& operator=(const OpFrame&) = delete;

  const char* op() const { return op_; }
  /// "file:line" of the user's call, or "" where it is not known. An op that kiln's own
  /// code called on the user's behalf gives the user's line (UserCall's, else `caller`:
  /// the traced kiln::function's call), then kiln's: "model.cpp:42, in kiln's nn.cpp:30".
  std::string location(const std::source_location* caller) const;

  /// The outermost frame of this thread, or null.
  static const OpFrame* outermost() { return current(); }

  /// While the profiler times this thread's outermost frame: adds to the bytes its event
  /// reports as moved (what each kernel run under it read and wrote).
  static void add_profile_bytes(uint64_t bytes) noexcept {
    if (const OpFrame* frame = current(); frame != nullptr && frame->profile_start_ != 0)
      frame->profile_bytes_ += bytes;
  }

 private:
  friend class UserCode;
  void enter() noexcept {
    if (current() == nullptr) {
      current() = this;
      outermost_ = true;
    }
  }
  static const OpFrame*& current() noexcept {
    thread_local const OpFrame* frame = nullptr;
    return frame;
  }
  void record_profile() const noexcept;

  const char* op_;
  const std::source_location* loc_ = nullptr;
  const std::string* where_ = nullptr;
  bool outermost_ = false;
  uint64_t profile_start_ = 0;  // when the profiler timed this frame, else 0
  mutable uint64_t profile_bytes_ = 0;  // add_profile_bytes' sum
};

/// Whether `file` (a std::source_location's) is one of kiln's library sources: ops called
/// there run on behalf of the user's call of a layer, optimizer or gradient.
bool is_kiln_source(const char* file);

/// Where user code called kiln code that runs ops on its behalf (Dense, MLP, an optimizer's
/// apply, GradientTape::gradient): the ops it runs sit on kiln's lines, and errors and IR
/// locations add this, the user's line. The outermost such call on a thread counts.
class UserCall {
 public:
  explicit UserCall(const std::source_location& loc) noexcept : saved_(current()) {
    if (saved_ == nullptr && !is_kiln_source(loc.file_name())) current() = &loc;
  }
  ~UserCall() { current() = saved_; }
  UserCall(const UserCall&) = delete;
  UserCall& operator=(const UserCall&) = delete;

  /// The user's line of the outermost call into kiln code on this thread, or null.
  static const std::source_location* innermost() { return current(); }

 private:
  friend class UserCode;
  static const std::source_location*& current() noexcept {
    thread_local const std::source_location* loc = nullptr;
    return loc;
  }
  const std::source_location* saved_;
};

/// While it lives, this thread runs user code: ops called there open frames of their own.
class UserCode {
 public:
  UserCode() noexcept : saved_(OpFrame::current()), saved_call_(UserCall::current()) {
    OpFrame::current() = nullptr;
    UserCall::current() = nullptr;
  }
  ~UserCode() {
    OpFrame::current() = saved_;
    UserCall::current() = saved_call_;
  }
  UserCode(const UserCode&) = delete;
  UserCode& operator=(const UserCode&) = delete;

 private:
  const OpFrame* saved_;
  const std::source_location* saved_call_;
};

/// "file:line".
std::string file_line(const std::source_location& loc);

/// "[<op>] <message> (at <file:line>)", the op and line being the outermost frame's (or
/// `op` and no line outside every frame): for errors raised below the op functions.
std::string op_message(const char* op, const std::string& message);

}  // namespace kiln::runtime
