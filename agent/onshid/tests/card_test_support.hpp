// What onshid's card-session tests share: onshi-facesim's control channel, the generated
// personas, and waiting on verifications and their progress through the local API.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "onshid_rig.hpp"

namespace onshi::agent::testing {

// ONSHI_FACESIM_CONTROL is set (the binary runs as onshi-facesim's child).
bool facesim_available();
// "ok…" expected unless `may_fail`; the answer line.
std::string facesim_ctl(const std::string& command, bool may_fail = false);
// The generated persona's file; with `tries_left` a copy whose auth PIN has that many tries.
std::filesystem::path persona_file(const std::string& name, std::optional<int> tries_left = {});
std::string persona_pin(const std::string& name);
void insert_card(int reader, const std::string& persona, std::optional<int> tries_left = {});
// The generated HPKI personas ("hpki-jma-doctor"…): the file (a copy whose signature PIN has
// `tries_left` tries), the signature application's PIN, and the card on a reader.
std::filesystem::path hpki_persona_file(const std::string& name,
                                        std::optional<int> tries_left = {});
std::string hpki_signature_pin(const std::string& name);
void insert_hpki_card(int reader, const std::string& persona, std::optional<int> tries_left = {});
// How many secure PIN entries (PC_to_RDR_Secure) the reader's slot has passed to a card.
int secure_verifies(int reader);
bool wait_for_vendor_state(int reader, const std::string& state, std::chrono::milliseconds timeout);

std::string new_key();
// POST /v1/signatures; the id (empty, with a test failure, when not admitted).
std::string start_signature(const OnshidRig& rig, const nlohmann::json& body);
// POST /v1/verifications; the id (empty, with a test failure, when not admitted).
std::string start(const OnshidRig& rig, const nlohmann::json& body);
// GET …?wait= until finished (at most `timeout`).
nlohmann::json wait_for(const OnshidRig& rig, const std::string& id,
                        std::chrono::seconds timeout = std::chrono::seconds(90),
                        const std::string& collection = "/v1/verifications/");
nlohmann::json start_and_wait(const OnshidRig& rig, const nlohmann::json& body);
std::vector<std::string> event_types(const OnshidRig& rig, const std::string& id);
bool wait_for_event(const OnshidRig& rig, const std::string& id, const std::string& type,
                    std::chrono::milliseconds timeout);
std::uint64_t last_event_seq(const OnshidRig& rig);
// The id of a session a face reader started after event `after`.
std::optional<std::string> wait_for_reader_started(const OnshidRig& rig, std::uint64_t after,
                                                   std::chrono::milliseconds timeout);
// Face readers connected and paired with their card slots (GET /v1/health).
bool wait_for_paired_readers(const OnshidRig& rig, std::size_t count,
                             std::chrono::milliseconds timeout);
// No card session runs.
bool wait_until_idle(const OnshidRig& rig, std::chrono::milliseconds timeout);
// GET with Accept: text/event-stream, everything the server sent until it closed (or timeout).
std::string read_sse(const std::filesystem::path& socket, const std::string& target,
                     std::chrono::milliseconds timeout);

}  // namespace onshi::agent::testing
