# onshi::api_model — the local API's request and answer model: request bodies checked and parsed
# into the xmlmsg requests (個別照会, 一括照会), the JSON of the answers and of errors, the HTTP
# status of every error code. No sockets and no Asio, so the server, onshictl and the fuzz target
# share it.
add_library(onshi_api_model
  src/model/api_error.cpp
  src/model/bulk_query.cpp
  src/model/insurance_query.cpp
  src/model/json_body.cpp
  src/model/mynumber_query.cpp
  src/model/request_fields.cpp
  src/model/result_json.cpp
  src/model/signature_request.cpp)
add_library(onshi::api_model ALIAS onshi_api_model)
target_include_directories(onshi_api_model PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                           PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/model)
target_link_libraries(onshi_api_model
  PUBLIC onshi::base onshi::xmlmsg nlohmann_json::nlohmann_json
  PRIVATE fmt::fmt)

if(ONSHI_BUILD_TESTS)
  onshi_add_unit_test(api_model_unit_tests
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/model/api_error_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/model/bulk_query_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/model/insurance_query_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/model/json_body_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/model/mynumber_query_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/model/result_json_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/model/signature_request_test.cpp)
  target_link_libraries(api_model_unit_tests PRIVATE onshi::api_model onshi::xmlmsg fmt::fmt)
endif()
