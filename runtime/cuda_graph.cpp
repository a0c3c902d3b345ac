#include "runtime/cuda_graph.h"

#include "kiln/error.h"
#include "runtime/cuda_driver.h"

namespace kiln::runtime {
namespace {

constexpr int kCaptureThreadLocal = 1;  // CU_STREAM_CAPTURE_MODE_THREAD_LOCAL

}  // namespace

std::unique_ptr<CudaGraph> CudaGraph::capture(CudaDevice& device,
                                              const std::function<void()>& body) {
  const CudaDriverApi& api = *cuda_driver_api();
  std::unique_ptr<CudaGraph> g(new CudaGraph(device));
  device.make_current();
  if (api.cuStreamBeginCapture(device.stream(), kCaptureThreadLocal) != 0) return nullptr;
  bool ok = true;
  {
    CachingDeviceAllocator::Capture into(device.allocator(), g->pool_);
    try {
      body();
    } catch (...) {
      ok = false;  // e.g. an allocation refused during capture: the capture is invalid
    }
  }
  // Ending the capture is required whatever happened (it returns the stream to normal).
  void* graph = nullptr;
  const int ended = api.cuStreamEndCapture(device.stream(), &graph);
  g->graph_ = graph;
  if (!ok || ended != 0 || graph == nullptr ||
      api.cuGraphInstantiateWithFlags(&g->exec_, graph, 0) != 0)
    return nullptr;  // the destructor gives the pool back
  return g;
}

CudaGraph::~CudaGraph() {
  const CudaDriverApi& api = *cuda_driver_api();
  device_.make_current();
  // Replays still queued use the pool's blocks: let them finish before the blocks go back.
  api.cuStreamSynchronize(device_.stream());
  if (exec_) api.cuGraphExecDestroy(exec_);
  if (graph_) api.cuGraphDestroy(graph_);
  device_.allocator().release_pool(pool_);
}

void CudaGraph::replay() {
  device_.make_current();
  cuda_check(cuda_driver_api()->cuGraphLaunch(exec_, device_.stream()), "cuGraphLaunch");
}

}  // namespace kiln::runtime
