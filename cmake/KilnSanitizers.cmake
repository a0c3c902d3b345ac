# KILN_SANITIZE=address gives AddressSanitizer + UndefinedBehaviorSanitizer;
# KILN_SANITIZE=thread gives ThreadSanitizer. Applied to everything built here.
# GCC 12's flow warnings misfire on instrumented code (-Wrestrict, -Wmaybe-uninitialized
# deep inside libstdc++); the normal build keeps them.
if(NOT KILN_SANITIZE STREQUAL "")
  add_compile_options(-Wno-restrict -Wno-maybe-uninitialized)
endif()
if(KILN_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(KILN_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT KILN_SANITIZE STREQUAL "")
  message(FATAL_ERROR "KILN_SANITIZE must be '', 'address' or 'thread', not '${KILN_SANITIZE}'")
endif()
