// Private to the server: the Beast parser's limits, the refusal for a request that does not parse,
// and the conversion of Beast's message into the routes' HttpRequest.
#pragma once

#include <boost/beast/http.hpp>

#include "onshi/api/http_types.hpp"
#include "onshi/api/server.hpp"

namespace onshi::api {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

void configure_parser(boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
                      const ServerLimits& limits);
HttpResponse refusal_for(boost::system::error_code ec, const ServerLimits& limits);
HttpRequest to_http_request(BeastRequest message);

}  // namespace onshi::api
