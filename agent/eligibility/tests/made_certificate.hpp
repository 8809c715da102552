// Client identities made in the test, so the unit tests need no test PKI: a self-signed EC P-256
// certificate valid over [now + from, now + until].
#pragma once

#include <chrono>

#include "onshi/tls/client_identity.hpp"

namespace onshi::eligibility::testing {

tls::ClientIdentity made_identity(std::chrono::seconds from, std::chrono::seconds until);

}  // namespace onshi::eligibility::testing
