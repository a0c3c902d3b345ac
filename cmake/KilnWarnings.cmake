# Warnings on for kiln's own targets (not for third-party headers, which come in as SYSTEM).
function(kiln_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wno-unused-parameter)
  if(KILN_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  # Position-independent code (for libkiln.so) would otherwise let every global function be
  # interposed by another library, which stops GCC inlining kiln's own calls into each other.
  if(CMAKE_POSITION_INDEPENDENT_CODE)
    target_compile_options(${target} PRIVATE -fno-semantic-interposition)
  endif()
endfunction()

# Kernels are the hot loops: full optimization in every build type; no errno (so sqrt
# vectorizes), no FP traps (without it GCC will not if-convert the selects of
# kernels/cpu/vec_math.h and no transcendental loop vectorizes). No FMA contraction: each
# op rounds as written, as the JIT's kernels do (runtime/math_algorithms.h writes its fmas
# out), so eager and compiled results agree bit for bit. Never -ffast-math: NaN and
# infinity semantics are part of the contract.
function(kiln_kernel_defaults target)
  kiln_target_defaults(${target})
  target_compile_options(${target} PRIVATE -O3 -fno-math-errno -fno-trapping-math -ffp-contract=off)
endfunction()
