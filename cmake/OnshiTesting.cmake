# onshi_add_unit_test(name sources...): a GoogleTest binary registered with ctest, one ctest
# entry per test case (so every case gets its own process, and its own private pcscd where a
# fixture starts one).
#
# `onshi_unit_tests` builds every unit-test executable and nothing else: the sanitizer run of
# scripts/test.sh builds that target and runs `ctest -L unit`.
if(NOT TARGET onshi_unit_tests)
  add_custom_target(onshi_unit_tests)
endif()
function(onshi_add_unit_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
  add_dependencies(onshi_unit_tests ${name})
endfunction()

# onshi_add_integration_test(name sources...): like a unit test, labelled "integration", with a
# per-case timeout so a hung daemon can never hang the suite.
function(onshi_add_integration_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS integration TIMEOUT 120)
endfunction()
