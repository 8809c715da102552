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
