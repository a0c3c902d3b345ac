// Ops without a gradient: factories, random tensors (their only input is an integer key),
// and print, which has no result.
#include "compiler/autodiff/gradients.h"

namespace kiln::detail {

const GradientRule grad_zeros = kNotDifferentiable;
const GradientRule grad_ones = kNotDifferentiable;
const GradientRule grad_full = kNotDifferentiable;
const GradientRule grad_arange = kNotDifferentiable;
const GradientRule grad_eye = kNotDifferentiable;
const GradientRule grad_random_uniform = kNotDifferentiable;
const GradientRule grad_random_normal = kNotDifferentiable;
const GradientRule grad_random_int = kNotDifferentiable;
const GradientRule grad_print = kNotDifferentiable;

}  // namespace kiln::detail
