// A process whose OpenBLAS cannot be loaded (KILN_OPENBLAS names no library), for ctest
// matmul.blas_unavailable: every product that needs OpenBLAS, compiled or eager, fails
// with a kiln::Error naming the library, every time it runs, never a crash or a wrong
// number; what needs no BLAS (thread counts, products small enough for kiln's own loops)
// still runs, bit-equal to eager.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kiln/kiln.h"

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    ++failures;
  }
}

/// Runs `call`, which must throw a kiln::Error that names the library that did not load.
template <class Call>
void expect_blas_error(const char* what, const char* library, Call&& call) {
  try {
    call();
    expect(false, std::string(what) + ": no error");
  } catch (const kiln::Error& e) {
    const std::string message = e.what();
    expect(message.find("cannot load OpenBLAS") != std::string::npos &&
               message.find(library) != std::string::npos,
           std::string(what) + ": the error does not say which library: " + message);
  }
}

}  // namespace

int main() {
  const char* library = "/nonexistent/kiln-test/libopenblas.so.0";
  setenv("KILN_OPENBLAS", library, 1);  // before anything of kiln's runs
  using kiln::Tensor;
  auto product = kiln::function([](Tensor a, Tensor b) { return kiln::matmul(a, b) + 1.0f; });
  const Tensor a = kiln::random_uniform({64, 48}, 1), b = kiln::random_uniform({48, 40}, 2);
  // Traced, compiled, then run: the error, on every call.
  expect_blas_error("compiled product, first call", library, [&] { product(a, b); });
  expect_blas_error("compiled product, second call", library, [&] { product(a, b); });
  expect_blas_error("eager product", library, [&] { kiln::matmul(a, b); });
  // Thread counts and 8x8x8 multiply-adds (kiln's own loop) need no BLAS.
  try {
    kiln::set_num_threads(2);
  } catch (const std::exception& e) {
    expect(false, std::string("set_num_threads failed: ") + e.what());
  }
  const Tensor s = kiln::random_uniform({8, 8}, 3), t = kiln::random_uniform({8, 8}, 4);
  try {
    const std::vector<float> compiled = product(s, t).to_vector<float>();
    const std::vector<float> eager = (kiln::matmul(s, t) + 1.0f).to_vector<float>();
    expect(compiled == eager, "a small compiled product differs from eager");
  } catch (const std::exception& e) {
    expect(false, std::string("a small product failed: ") + e.what());
  }
  if (failures == 0) std::printf("ok\n");
  return failures == 0 ? 0 : 1;
}
