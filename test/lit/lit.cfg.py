# lit configuration of kiln's IR tests: `.mlir` files with RUN lines over kiln-opt, and
# `.test` files (IR/) with RUN lines over kiln-ir.
import os

import lit.formats

config.name = "kiln"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test", "lit")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]

# kiln-opt and kiln-ir from this build; FileCheck, not, split-file, mlir-opt from LLVM 19.
config.substitutions.append(("kiln-opt", config.kiln_opt))
config.substitutions.append((r"\bkiln-ir\b", config.kiln_ir))
for tool in ["FileCheck", "not", "split-file", "mlir-opt"]:
    config.substitutions.append(
        (r"\b%s\b" % tool, os.path.join(config.llvm_tools_dir, tool)))

# Graphviz's dot lays out kiln-ir's --format=svg|html (scripts/setup.sh installs it); tests
# that need it say REQUIRES: graphviz.
import shutil

if shutil.which("dot"):
    config.available_features.add("graphviz")
