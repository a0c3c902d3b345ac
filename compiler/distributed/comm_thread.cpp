// The communication thread (comm_thread.h): a FIFO of jobs and one worker, started on the
// first job and stopped at exit after the jobs already queued.
#include "compiler/distributed/comm_thread.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace kiln::detail::distributed {
namespace {

class CommThread {
 public:
  ~CommThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    ready_.notify_one();
    if (worker_.joinable()) worker_.join();
  }

  std::future<Tensor> submit(std::function<Tensor()> job) {
    std::packaged_task<Tensor()> task(std::move(job));
    std::future<Tensor> result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(task));
      if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
    }
    ready_.notify_one();
    return result;
  }

 private:
  void work() {
    for (;;) {
      std::packaged_task<Tensor()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();  // its exception goes to its future
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::packaged_task<Tensor()>> queue_;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace

std::future<Tensor> submit_collective(std::function<Tensor()> job) {
  static CommThread thread;
  return thread.submit(std::move(job));
}

}  // namespace kiln::detail::distributed
