#include "onshi/api/http_parse.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "request_conversion.hpp"

namespace onshi::api {

ParsedRequest parse_request_bytes(std::string_view bytes, const ServerLimits& limits) {
  namespace http = boost::beast::http;
  ParsedRequest out;
  http::request_parser<http::string_body> parser;
  configure_parser(parser, limits);
  boost::system::error_code ec;
  std::size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    const std::size_t n =
        parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) {
      ec = {};
      if (n == 0) break;
    }
    if (ec) break;
    used += n;
    if (n == 0) break;
  }
  if (!ec && !parser.is_done()) {
    parser.put_eof(ec);
    if (!ec && !parser.is_done()) {
      out.incomplete = true;
      return out;
    }
  }
  if (ec) {
    if (ec == http::error::partial_message || ec == http::error::need_more) {
      out.incomplete = true;
      return out;
    }
    out.refusal = refusal_for(ec, limits);
    return out;
  }
  out.request = to_http_request(parser.release());
  return out;
}

}  // namespace onshi::api
