// A kiln built without MPI (no libopenmpi-dev at build time): the mpi backend says so.
#include "compiler/distributed/communicator.h"

namespace kiln::detail::distributed {

bool mpi_available() { return false; }

std::unique_ptr<Communicator> make_mpi_communicator(std::chrono::milliseconds) {
  throw CommError("this kiln was built without MPI (install libopenmpi-dev and rebuild)");
}

}  // namespace kiln::detail::distributed
