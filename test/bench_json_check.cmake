# Checks kiln-bench's --json report (ctest bench.json_report): it parses as JSON (CMake's
# own parser, string(JSON)), names the machine, and holds one result per mode of the
# workload run, each with a positive median.
#   cmake -DREPORT=FILE -DWORKLOAD=W0 -P bench_json_check.cmake
file(READ ${REPORT} json)
string(JSON cpu ERROR_VARIABLE err GET "${json}" machine cpu)
if(err OR cpu STREQUAL "")
  message(FATAL_ERROR "no machine.cpu in ${REPORT}: ${err}")
endif()
string(JSON n ERROR_VARIABLE err LENGTH "${json}" results)
if(err OR n LESS 3)
  message(FATAL_ERROR "fewer than 3 results (eager, graph, jit) in ${REPORT}: ${err}")
endif()
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON workload GET "${json}" results ${i} workload)
  string(JSON median GET "${json}" results ${i} median_ms)
  string(JSON mode GET "${json}" results ${i} mode)
  if(NOT workload STREQUAL "${WORKLOAD}" OR NOT median GREATER 0)
    message(FATAL_ERROR "result ${i}: workload '${workload}' mode '${mode}' median '${median}'")
  endif()
endforeach()
message(STATUS "${n} results of ${WORKLOAD} on ${cpu}")
