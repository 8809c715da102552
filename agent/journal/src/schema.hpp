// The journal's schema and its version (PRAGMA user_version), and the connection settings that
// make every commit durable. v1 is the only version so far; a later one adds a migration step
// here and keeps refusing files newer than itself.
#pragma once

#include <cstdint>

#include "onshi/result.hpp"
#include "sqlite.hpp"

namespace onshi::journal::detail {

inline constexpr int kSchemaVersion = 1;
// PRAGMA application_id: "onsh", so `file(1)` and onshid tell the journal from other databases.
inline constexpr std::int32_t kApplicationId = 0x6f6e7368;
// How long a statement waits for another process's lock (onshictl reading, a second onshid
// refused by its own lock) before the request fails with journal_failed.
inline constexpr int kBusyTimeoutMs = 5000;

// WAL with synchronous=FULL (every commit is fsynced before it returns), foreign keys, the busy
// timeout; then PRAGMA quick_check, so a damaged file is refused at start-up and not mid-request.
Status configure_connection(Connection& db);

// Creates v1 in an empty database; refuses another program's database and a newer schema.
Status prepare_schema(Connection& db);

}  // namespace onshi::journal::detail
