#include "onshi/sim/file_tree.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace onshi::sim {
namespace {
constexpr std::uint8_t kMaxSfi = 30;  // ISO 7816-4 §8.2.1.1: SFI 1..30 (bits 5-1 of P1)
}

bool is_reserved_fid(std::uint16_t fid) noexcept {
  return fid == FileTree::kMfFid || fid == 0x3FFF || fid == 0xFFFF;
}

FileTree::FileTree() {
  FileNode mf;
  mf.kind = FileKind::df;
  mf.name = "MF";
  mf.fid = kMfFid;
  nodes_.push_back(std::move(mf));
}

Status FileTree::check_parent(NodeId parent) const {
  if (parent >= nodes_.size() || nodes_[parent].kind != FileKind::df) {
    return fail(Errc::invalid_argument, "the parent is not a DF");
  }
  return {};
}

Status FileTree::check_fid(NodeId parent, std::uint16_t fid) const {
  if (is_reserved_fid(fid)) {
    return fail(Errc::invalid_argument, fmt::format("FID {:04X} is reserved by ISO 7816-4", fid));
  }
  if (find_child_by_fid(parent, fid)) {
    return fail(Errc::invalid_argument, fmt::format("FID {:04X} is already used in this DF", fid));
  }
  return {};
}

Result<NodeId> FileTree::add_df(NodeId parent, DfSpec spec) {
  ONSHI_TRY(check_parent(parent));
  if (spec.aid.empty() && !spec.fid) {
    return fail(Errc::invalid_argument, "a DF needs an AID or a FID, or it cannot be selected");
  }
  if (spec.aid.size() > kMaxAidSize) {
    return fail(Errc::invalid_argument,
                fmt::format("AID has {} bytes, at most {}", spec.aid.size(), kMaxAidSize));
  }
  if (!spec.aid.empty() && find_df_by_aid(spec.aid)) {
    return fail(Errc::invalid_argument,
                fmt::format("AID {} is already used on this card", to_hex(spec.aid)));
  }
  if (spec.fid) ONSHI_TRY(check_fid(parent, *spec.fid));

  FileNode df;
  df.kind = FileKind::df;
  df.name = std::move(spec.name);
  df.aid = std::move(spec.aid);
  df.fid = spec.fid;
  df.selection = spec.selection;
  df.parent = parent;
  const NodeId id = nodes_.size();
  nodes_.push_back(std::move(df));
  nodes_[parent].children.push_back(id);
  return id;
}

Result<NodeId> FileTree::add_ef(NodeId parent, EfSpec spec) {
  ONSHI_TRY(check_parent(parent));
  ONSHI_TRY(check_fid(parent, spec.fid));
  if (spec.sfi) {
    if (*spec.sfi == 0 || *spec.sfi > kMaxSfi) {
      return fail(Errc::invalid_argument, fmt::format("SFI {} is outside 1..30", *spec.sfi));
    }
    if (find_ef_by_sfi(parent, *spec.sfi)) {
      return fail(Errc::invalid_argument,
                  fmt::format("SFI {} is already used in this DF", *spec.sfi));
    }
  }
  FileNode ef;
  ef.kind = FileKind::ef;
  ef.name = std::move(spec.name);
  ef.fid = spec.fid;
  ef.sfi = spec.sfi;
  ef.data = std::move(spec.data);
  ef.parent = parent;
  const NodeId id = nodes_.size();
  nodes_.push_back(std::move(ef));
  nodes_[parent].children.push_back(id);
  return id;
}

std::optional<NodeId> FileTree::find_df_by_aid(ByteView aid) const {
  if (aid.empty()) return std::nullopt;
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    const FileNode& n = nodes_[id];
    if (n.kind == FileKind::df && std::equal(n.aid.begin(), n.aid.end(), aid.begin(), aid.end())) {
      return id;
    }
  }
  return std::nullopt;
}

std::optional<NodeId> FileTree::find_df_by_partial_name(ByteView prefix) const {
  if (prefix.empty()) return std::nullopt;
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    const FileNode& n = nodes_[id];
    if (n.kind == FileKind::df && n.selection.partial_name && n.aid.size() >= prefix.size() &&
        std::equal(prefix.begin(), prefix.end(), n.aid.begin())) {
      return id;
    }
  }
  return std::nullopt;
}

std::optional<NodeId> FileTree::find_child_by_fid(NodeId df, std::uint16_t fid,
                                                  std::optional<FileKind> kind) const {
  if (df >= nodes_.size()) return std::nullopt;
  for (NodeId child : nodes_[df].children) {
    const FileNode& n = nodes_[child];
    if (n.fid == fid && (!kind || n.kind == *kind)) return child;
  }
  return std::nullopt;
}

std::optional<NodeId> FileTree::find_ef_by_sfi(NodeId df, std::uint8_t sfi) const {
  if (df >= nodes_.size()) return std::nullopt;
  for (NodeId child : nodes_[df].children) {
    const FileNode& n = nodes_[child];
    if (n.kind == FileKind::ef && n.sfi == sfi) return child;
  }
  return std::nullopt;
}

}  // namespace onshi::sim
