// The CUDA half of the JIT without a GPU: every elementwise op of the op list, in each
// dtype family it takes, plus chains with broadcasting, an output fusion's epilogue and
// row fusions (softmax, log_softmax, layer_norm(softmax), a keepdims sum),
// compiles to PTX for sm_90 (compiler/pipeline/gpu_codegen.h), one kernel per fusion, and `ptxas`
// accepts the module, so codegen breakage shows on every machine. Reports itself skipped
// (exit 77, ctest's SKIP_RETURN_CODE) where the CUDA toolkit's ptxas is missing.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "compiler/pipeline/gpu_codegen.h"
#include "kiln/error.h"
#include "ptxas.h"
#include "runtime/op_list.h"

namespace {

// Operands (8, 33) and a broadcast row (33): the kernels index in two dimensions.
std::string full(const std::string& t) { return "tensor<8x33x" + t + ">"; }
std::string row(const std::string& t) { return "tensor<33x" + t + ">"; }

/// One function per (op, dtype): `func.func @<op>_<dtype>` applying the op once.
struct Module {
  std::string text;
  std::set<std::string> functions;
  void add(const std::string& name, const std::string& args, const std::string& body,
           const std::string& result) {
    functions.insert(name);
    text += "func.func @" + name + "(" + args + ") -> " + result + " {\n" + body +
            "  return %r : " + result + "\n}\n";
  }
};

Module op_list_module(std::vector<std::string>& covered) {
  Module m;
  const std::vector<std::string> floats = {"f32", "f64"}, ints = {"i32", "i64"};
  for (const kiln::OpInfo& op : kiln::kOps) {
    const std::string name = op.name, family = op.family;
    auto binary = [&](const std::string& t, const std::string& out) {
      m.add(name + "_" + t, "%a: " + full(t) + ", %b: " + row(t),
            "  %r = kiln." + name + " %a, %b : (" + full(t) + ", " + row(t) + ") -> " + full(out) +
                "\n",
            full(out));
    };
    if (family == "binary") {
      for (const auto& t : floats) binary(t, t);
      if (name != "divide" && name != "pow")  // integer divide/pow stay runtime kernels
        for (const auto& t : ints) binary(t, t);
    } else if (family == "compare") {
      for (const auto& t : {"f32", "f64", "i32", "i64"}) binary(t, "i1");
    } else if (family == "logical" && name == "logical_not") {
      m.add(name + "_i1", "%a: " + full("i1"),
            "  %r = kiln.logical_not %a : (" + full("i1") + ") -> " + full("i1") + "\n",
            full("i1"));
    } else if (family == "logical") {
      binary("i1", "i1");
    } else if (family == "unary") {
      for (const auto& t : floats)
        m.add(name + "_" + t, "%a: " + full(t),
              "  %r = kiln." + name + " %a : (" + full(t) + ") -> " + full(t) + "\n", full(t));
      if (name == "negative" || name == "abs" || name == "relu")
        for (const auto& t : ints)
          m.add(name + "_" + t, "%a: " + full(t),
                "  %r = kiln." + name + " %a : (" + full(t) + ") -> " + full(t) + "\n", full(t));
    } else if (family == "select") {
      m.add(name + "_f32", "%c: " + full("i1") + ", %a: " + full("f32") + ", %b: " + row("f32"),
            "  %r = kiln.where %c, %a, %b : (" + full("i1") + ", " + full("f32") + ", " +
                row("f32") + ") -> " + full("f32") + "\n",
            full("f32"));
    } else if (family == "cast") {
      const std::vector<std::string> all = {"f32", "f64", "i32", "i64", "i1"};
      for (const auto& from : all)
        for (const auto& to : all)
          if (from != to)
            m.add("cast_" + from + "_" + to, "%a: " + full(from),
                  "  %r = kiln.cast %a : (" + full(from) + ") -> " + full(to) + "\n", full(to));
    } else {
      continue;  // not elementwise: no fused kernel
    }
    covered.push_back(name);
  }
  // A chain with a scalar constant and a row broadcast, and an output fusion's epilogue.
  m.add("gelu_chain", "%x: " + full("f32") + ", %b: " + row("f32"),
        "  %h = kiln.constant dense<0.5> : tensor<f32>\n"
        "  %s = kiln.add %x, %b : (" +
            full("f32") + ", " + row("f32") + ") -> " + full("f32") +
            "\n"
            "  %g = kiln.gelu %s : (" +
            full("f32") + ") -> " + full("f32") +
            "\n"
            "  %t = kiln.tanh %g : (" +
            full("f32") + ") -> " + full("f32") +
            "\n"
            "  %r = kiln.multiply %t, %h : (" +
            full("f32") + ", tensor<f32>) -> " + full("f32") + "\n",
        full("f32"));
  m.add("dense_relu", "%x: tensor<8x16xf32>, %w: tensor<16x33xf32>, %b: " + row("f32"),
        "  %p = kiln.matmul %x, %w : (tensor<8x16xf32>, tensor<16x33xf32>) -> " + full("f32") +
            "\n"
            "  %s = kiln.add %p, %b : (" +
            full("f32") + ", " + row("f32") + ") -> " + full("f32") +
            "\n"
            "  %r = kiln.relu %s : (" +
            full("f32") + ") -> " + full("f32") + "\n",
        full("f32"));
  // Row fusions (one thread block per row): softmax, log_softmax (f64), layer_norm, W5's
  // layer_norm(softmax(x)), and a keepdims sum with elementwise work after it.
  const std::string x = full("f32"), x64 = full("f64"), r = "tensor<8x1xf32>";
  m.add("softmax", "%x: " + x,
        "  %r = kiln.softmax %x {axis = 1 : i64} : (" + x + ") -> " + x + "\n", x);
  m.add("log_softmax", "%x: " + x64,
        "  %r = kiln.log_softmax %x {axis = 1 : i64} : (" + x64 + ") -> " + x64 + "\n", x64);
  m.add("w5", "%x: " + x + ", %g: " + row("f32") + ", %b: " + row("f32"),
        "  %s = kiln.softmax %x {axis = 1 : i64} : (" + x + ") -> " + x +
            "\n"
            "  %r = kiln.layer_norm %s, %g, %b {eps = 1.0e-5 : f64} : (" +
            x + ", " + row("f32") + ", " + row("f32") + ") -> " + x + "\n",
        x);
  m.add("row_sum", "%x: " + x,
        "  %s = kiln.sum %x {axes = array<i64: 1>, keepdims = true} : (" + x + ") -> " + r +
            "\n"
            "  %m = kiln.max %x {axes = array<i64: 1>, keepdims = true} : (" +
            x + ") -> " + r +
            "\n"
            "  %d = kiln.subtract %s, %m : (" +
            r + ", " + r + ") -> " + r +
            "\n"
            "  %r = kiln.multiply %x, %d : (" +
            x + ", " + r + ") -> " + x + "\n",
        x);
  m.text = "module {\n" + m.text + "}\n";
  return m;
}

}  // namespace

int main() {
  const std::string ptxas = kt::find_ptxas();
  if (ptxas.empty()) {
    std::printf("SKIPPED: no ptxas (CUDA toolkit) on this machine\n");
    return 77;
  }
  std::vector<std::string> covered;
  const Module m = op_list_module(covered);
  int failures = 0;
  auto fail = [&](const std::string& why) {
    std::printf("FAIL: %s\n", why.c_str());
    ++failures;
  };
  kiln::detail::PtxModule ptx;
  try {
    ptx = kiln::detail::compile_fusions_to_ptx(m.text, "sm_90");
  } catch (const kiln::Error& e) {
    fail(e.what());
    return 1;
  }
  // One kernel per function (each is one fusion), each an entry point of the PTX.
  std::set<std::string> with_kernel;
  for (const std::string& k : ptx.kernels) {
    with_kernel.insert(k.substr(0, k.rfind("_g")));
    if (ptx.ptx.find(".visible .entry " + k + "(") == std::string::npos)
      fail("no entry point " + k + " in the PTX");
  }
  for (const std::string& f : m.functions)
    if (!with_kernel.count(f)) fail("no GPU kernel for @" + f);
  if (ptx.ptx.find(".extern .func") != std::string::npos)
    fail("an unresolved external function in the PTX (libdevice not linked?)");

  std::string file;
  if (!kt::ptxas_accepts(ptxas, ptx.ptx, "kernels", file)) fail("ptxas rejected " + file);

  std::printf("%zu kernels for %zu ops of the op list (%zu functions), %zu bytes of PTX: %s\n",
              ptx.kernels.size(), covered.size(), m.functions.size(), ptx.ptx.size(),
              failures ? "FAILED" : "ptxas ok");
  return failures == 0 ? 0 : 1;
}
