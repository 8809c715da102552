# Warnings for every onshi target: -Wall -Wextra (and -Werror in CI through ONSHI_WERROR).
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                    -Wcast-align -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
if(ONSHI_WERROR)
  add_compile_options(-Werror)
endif()

# Boost 1.74's Asio under -std=c++20: g++ 12 misses std::exchange in asio/awaitable.hpp without
# <utility>, and clang-14 silently drops awaitable/co_spawn unless both macros are set.
add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1 BOOST_ASIO_HAS_STD_COROUTINE=1)
add_compile_options(-include utility)

# onshi_cli_tool(target): for programs built on CLI11. g++ 12 at -O2 reports a "potential null
# pointer dereference" in libstdc++'s string move as inlined into CLI11 2.1's detail::split: a
# false positive in code onshi does not own, so only these targets drop that one warning.
function(onshi_cli_tool target)
  target_link_libraries(${target} PRIVATE CLI11::CLI11)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-null-dereference)
  endif()
endfunction()
