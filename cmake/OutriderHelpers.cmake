# Warnings and sanitizers as INTERFACE targets (STYLE.md), plus one test-registration function.
add_library(outrider_warnings INTERFACE)
add_library(outrider::warnings ALIAS outrider_warnings)
target_compile_options(outrider_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wno-missing-field-initializers)

set(OUTRIDER_SANITIZE "" CACHE STRING "Sanitizers, e.g. address;undefined")
# A fuzzing build (OUTRIDER_FUZZ) is a sanitizer build with libFuzzer's coverage instrumentation
# in every target; only the fuzzers themselves link libFuzzer's main (outrider_add_fuzzer).
set(_outrider_sanitizers ${OUTRIDER_SANITIZE})
if(OUTRIDER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OUTRIDER_FUZZ needs clang: configure with CC=clang CXX=clang++")
  endif()
  list(APPEND _outrider_sanitizers address undefined)
  list(REMOVE_DUPLICATES _outrider_sanitizers)
endif()
add_library(outrider_sanitizers INTERFACE)
add_library(outrider::sanitizers ALIAS outrider_sanitizers)
if(_outrider_sanitizers)
  list(JOIN _outrider_sanitizers "," _outrider_san)
  target_compile_options(outrider_sanitizers INTERFACE -fsanitize=${_outrider_san}
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(outrider_sanitizers INTERFACE -fsanitize=${_outrider_san})
endif()
if(OUTRIDER_FUZZ)
  # -fsanitize=function is left out: clang 14 cannot assemble its checks in C++20 coroutine frames
  # ("Cannot represent a difference across sections"), and every proxy source has coroutines.
  target_compile_options(outrider_sanitizers INTERFACE -fsanitize=fuzzer-no-link
                         -fno-sanitize=function)
endif()

# outrider_add_library(name SOURCES ... LIBRARIES ...): one library per module, public include/.
function(outrider_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES;PRIVATE_LIBRARIES" ${ARGN})
  add_library(outrider_${name} STATIC ${ARG_SOURCES})
  add_library(outrider::${name} ALIAS outrider_${name})
  target_include_directories(outrider_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                             PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(outrider_${name} PUBLIC ${ARG_LIBRARIES}
                        PRIVATE outrider::warnings outrider::sanitizers ${ARG_PRIVATE_LIBRARIES})
endfunction()

# outrider_add_executable(name SOURCES ... LIBRARIES ...): a program in build/bin.
function(outrider_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} outrider::warnings outrider::sanitizers)
endfunction()

# outrider_add_test(name SOURCES ... LIBRARIES ... KIND unit|integration|perf): a GoogleTest
# binary registered with ctest, every test of it carrying its KIND as its one label:
#   unit         no real sleeping, no child processes, no sockets: `ctest -L unit` is quick
#   integration  real programs or sockets on loopback, real time
#   perf         measurements that want idle cores (a busy CI may leave them out: -LE perf)
# Tests run from the source root so golden paths are stable.
function(outrider_add_test name)
  cmake_parse_arguments(ARG "" "KIND" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_KIND MATCHES "^(unit|integration|perf)$")
    message(FATAL_ERROR "outrider_add_test(${name}): KIND must be unit, integration or perf")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} outrider_test_support GTest::gmock
                        GTest::gtest_main outrider::warnings outrider::sanitizers)
  if(NOT ARG_KIND STREQUAL "perf")
    # Test code itself is not optimised (the code under test keeps -O2): -O0 compiles the
    # gtest/gmock and coroutine-heavy test sources 15-25% faster than -O1. Perf tests time
    # their own loops too, so they keep the build's level.
    # -pthread everywhere (it defines _REENTRANT): gRPC's targets add it to the tests that link
    # them, and a precompiled header is only used where the macros match.
    target_compile_options(${name} PRIVATE $<$<CONFIG:Release>:-O0> -pthread)
    # Parsing gtest, gmock and Asio is half of a test file's compile at -O0: one precompiled
    # header, made once and reused by every unit and integration test.
    if(NOT TARGET outrider_test_pch)
      add_library(outrider_test_pch STATIC ${PROJECT_SOURCE_DIR}/tests/support/pch.cc)
      target_link_libraries(outrider_test_pch PRIVATE GTest::gmock GTest::gtest Boost::headers
                            outrider::warnings outrider::sanitizers)
      target_compile_options(outrider_test_pch PRIVATE $<$<CONFIG:Release>:-O0> -pthread)
      target_precompile_headers(outrider_test_pch PRIVATE
        <gtest/gtest.h> <gmock/gmock.h>
        <boost/asio/awaitable.hpp> <boost/asio/co_spawn.hpp> <boost/asio/io_context.hpp>
        <boost/asio/steady_timer.hpp> <boost/asio/use_future.hpp>
        <chrono> <filesystem> <functional> <map> <memory> <optional> <string> <vector>)
    endif()
    target_precompile_headers(${name} REUSE_FROM outrider_test_pch)
  endif()
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                       PROPERTIES ENVIRONMENT "OUTRIDER_BIN=${CMAKE_BINARY_DIR}/bin"
                                  LABELS ${ARG_KIND}
                       DISCOVERY_TIMEOUT 30)
endfunction()

# outrider_add_fuzzer(name SOURCES ... LIBRARIES ...): a libFuzzer program in build/fuzz, built by
# the outrider_fuzzers target (OUTRIDER_FUZZ only). By convention `name` is <what>_fuzz, with a
# seed corpus in tests/fuzz/corpus/<what>/ and an optional tests/fuzz/<what>.dict, which
# ci/run-fuzzers picks up.
function(outrider_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} outrider::warnings outrider::sanitizers)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  if(NOT TARGET outrider_fuzzers)
    add_custom_target(outrider_fuzzers)
  endif()
  add_dependencies(outrider_fuzzers ${name})
endfunction()
