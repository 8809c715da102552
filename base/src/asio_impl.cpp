// Asio's and Asio SSL's non-template code, compiled once here (BOOST_ASIO_SEPARATE_COMPILATION)
// rather than inline in every file that uses Asio.
//
// GCC 12 at -O2 reads Asio's scheduler::compensating_work_started() (its thread-info pointer is
// never null where the epoll reactor calls it) as a potential null dereference. With separate
// compilation that code lives only in this file of Boost's, so the false positive is silenced
// here and nowhere else.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#pragma GCC diagnostic pop
