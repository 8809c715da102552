// The card's ISO 7816-4 file system: an MF, DFs (named by AID and/or FID) and transparent EFs.
// Nodes live in one vector and refer to each other by index, so the tree copies and moves as a
// value and a NodeId stays valid for the life of the tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/result.hpp"

namespace onshi::sim {

using NodeId = std::size_t;

enum class FileKind : std::uint8_t { df, ef };

// How SELECT by DF name treats a DF. The defaults are the My Number card's; an application
// profile may ask for what its guideline requires (HPKI: cards-and-readers.md §2.1).
struct DfSelection {
  // P1 04 also finds the DF by a leading part of its name (ISO 7816-4 partial DF name, first
  // match in card order). Off by default: OpenSC probes many AIDs (test-rigs.md §2).
  bool partial_name = false;
  // The FCI is `6F L 84 L <DF name>` only, instead of descriptor, FID and name.
  bool fci_name_only = false;
};

struct FileNode {
  FileKind kind = FileKind::df;
  std::string name;  // for people and logs only
  Bytes aid;         // DF name (DF only); empty when the DF has none
  std::optional<std::uint16_t> fid;
  std::optional<std::uint8_t> sfi;  // short EF identifier 1..30 (EF only)
  Bytes data;                       // contents (transparent EF only)
  std::optional<NodeId> parent;     // nullopt only for the MF
  std::vector<NodeId> children;
  DfSelection selection;  // DF only
};

struct DfSpec {
  std::string name;
  Bytes aid;
  std::optional<std::uint16_t> fid;
  DfSelection selection;
};

struct EfSpec {
  std::string name;
  std::uint16_t fid = 0;
  std::optional<std::uint8_t> sfi;
  Bytes data;
};

class FileTree {
 public:
  static constexpr NodeId kMf = 0;
  static constexpr std::uint16_t kMfFid = 0x3F00;
  static constexpr std::size_t kMaxAidSize = 16;  // ISO 7816-4 §8.2.1.2: DF name, 1..16 bytes

  FileTree();  // just the MF

  // Both check what ISO 7816-4 requires of the new node (FID not reserved and unique among its
  // siblings, SFI 1..30 and unique in its DF, AID 1..16 bytes and unique on the card) and fail
  // with Errc::invalid_argument saying which rule was broken.
  Result<NodeId> add_df(NodeId parent, DfSpec spec);
  Result<NodeId> add_ef(NodeId parent, EfSpec spec);

  const FileNode& node(NodeId id) const { return nodes_.at(id); }
  FileNode& node(NodeId id) { return nodes_.at(id); }
  std::size_t size() const noexcept { return nodes_.size(); }

  // A DF anywhere on the card whose full name equals `aid` (no prefix matching).
  std::optional<NodeId> find_df_by_aid(ByteView aid) const;
  // The first DF in card order that allows partial-name selection and whose name starts with
  // `prefix` (which may also be the whole name).
  std::optional<NodeId> find_df_by_partial_name(ByteView prefix) const;
  // A direct child of `df` with this FID, optionally of one kind only.
  std::optional<NodeId> find_child_by_fid(NodeId df, std::uint16_t fid,
                                          std::optional<FileKind> kind = std::nullopt) const;
  std::optional<NodeId> find_ef_by_sfi(NodeId df, std::uint8_t sfi) const;

 private:
  Status check_parent(NodeId parent) const;
  Status check_fid(NodeId parent, std::uint16_t fid) const;

  std::vector<FileNode> nodes_;
};

// FIDs ISO 7816-4 §8.2.1.1 reserves: 3F00 (MF), 3FFF (path), FFFF (RFU).
bool is_reserved_fid(std::uint16_t fid) noexcept;

}  // namespace onshi::sim
