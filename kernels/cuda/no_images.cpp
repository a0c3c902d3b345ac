// A build without the CUDA toolkit has no kernel images: empty ones, so that
// kernels/cuda/launch.cpp links and says "built without the CUDA toolkit" when asked for a
// kernel (a CUDA device can still be found at run time through the driver).
#include <cstddef>

extern "C" {
extern const unsigned char kiln_cuda_elementwise_image[], kiln_cuda_layout_image[],
    kiln_cuda_reduce_image[], kiln_cuda_fill_image[];
extern const size_t kiln_cuda_elementwise_image_size, kiln_cuda_layout_image_size,
    kiln_cuda_reduce_image_size, kiln_cuda_fill_image_size;
const unsigned char kiln_cuda_elementwise_image[1] = {0};
const unsigned char kiln_cuda_layout_image[1] = {0};
const unsigned char kiln_cuda_reduce_image[1] = {0};
const unsigned char kiln_cuda_fill_image[1] = {0};
const size_t kiln_cuda_elementwise_image_size = 0, kiln_cuda_layout_image_size = 0,
             kiln_cuda_reduce_image_size = 0, kiln_cuda_fill_image_size = 0;
}
