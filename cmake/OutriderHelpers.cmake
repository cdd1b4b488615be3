# Warnings and sanitizers as INTERFACE targets (STYLE.md), plus one test-registration function.
add_library(outrider_warnings INTERFACE)
add_library(outrider::warnings ALIAS outrider_warnings)
target_compile_options(outrider_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wno-missing-field-initializers)

set(OUTRIDER_SANITIZE "" CACHE STRING "Sanitizers, e.g. address;undefined")
add_library(outrider_sanitizers INTERFACE)
add_library(outrider::sanitizers ALIAS outrider_sanitizers)
if(OUTRIDER_SANITIZE)
  list(JOIN OUTRIDER_SANITIZE "," _outrider_san)
  target_compile_options(outrider_sanitizers INTERFACE -fsanitize=${_outrider_san}
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(outrider_sanitizers INTERFACE -fsanitize=${_outrider_san})
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

# outrider_add_test(name SOURCES ... LIBRARIES ... [LABELS ...]): a GoogleTest binary registered
# with ctest. Tests run from the source root so golden paths are stable.
function(outrider_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} outrider_test_support GTest::gmock
                        GTest::gtest_main outrider::warnings outrider::sanitizers)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  set(_properties ENVIRONMENT "OUTRIDER_BIN=${CMAKE_BINARY_DIR}/bin")
  if(ARG_LABELS)
    list(APPEND _properties LABELS "${ARG_LABELS}")
  endif()
  gtest_discover_tests(${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                       PROPERTIES ${_properties} DISCOVERY_TIMEOUT 30)
endfunction()
