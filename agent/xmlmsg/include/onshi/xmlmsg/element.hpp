// The XmlMsg message tree (eligibility-system.md §1.4): named elements that hold either text (a
// leaf) or child elements, in document order. One tree for every form a message takes: the JSON
// of the upstream adapter (json_form.hpp) and, later, the req/res/face folder's XML files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onshi::xmlmsg {

struct Element {
  std::string name;
  // A leaf holds text (possibly empty: `<X/>` or `"X": ""`); a node holds children (possibly
  // none: `"X": {}`). Text of a node is always empty.
  bool leaf = true;
  std::string text;
  std::vector<Element> children;

  static Element make_leaf(std::string name, std::string text);
  static Element make_node(std::string name);

  // Appends a child and returns it (turns this element into a node).
  Element& add_node(std::string child_name);
  Element& add_leaf(std::string child_name, std::string child_text);
  Element& add(Element child);

  // The first child of that name, or nullptr.
  const Element* child(std::string_view child_name) const;
  Element* child(std::string_view child_name);
  // Every child of that name, in order.
  std::vector<const Element*> children_named(std::string_view child_name) const;
  // The text of the first child of that name when it is a leaf; nullptr when it is absent or a
  // node.
  const std::string* leaf_text(std::string_view child_name) const;
  // Follows a path of child names ("MessageHeader/SegmentOfResult"); nullptr when a step is
  // missing.
  const Element* find(std::string_view slash_path) const;

  bool operator==(const Element&) const = default;
};

}  // namespace onshi::xmlmsg
