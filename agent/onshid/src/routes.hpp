// The routes of onshid's local API (agent/api/openapi.yaml documents each; a test checks that the
// two agree both ways).
#pragma once

#include <memory>

#include "onshi/api/router.hpp"

namespace onshi::agent {

class Daemon;
std::shared_ptr<api::Router> make_router(Daemon& daemon);

}  // namespace onshi::agent
