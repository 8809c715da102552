#include "onshi/xmlmsg/element.hpp"

#include <utility>

namespace onshi::xmlmsg {

Element Element::make_leaf(std::string name, std::string text) {
  Element e;
  e.name = std::move(name);
  e.leaf = true;
  e.text = std::move(text);
  return e;
}

Element Element::make_node(std::string name) {
  Element e;
  e.name = std::move(name);
  e.leaf = false;
  return e;
}

Element& Element::add(Element child) {
  leaf = false;
  text.clear();
  children.push_back(std::move(child));
  return children.back();
}

Element& Element::add_node(std::string child_name) { return add(make_node(std::move(child_name))); }

Element& Element::add_leaf(std::string child_name, std::string child_text) {
  return add(make_leaf(std::move(child_name), std::move(child_text)));
}

const Element* Element::child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

Element* Element::child(std::string_view child_name) {
  for (auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::vector<const Element*> Element::children_named(std::string_view child_name) const {
  std::vector<const Element*> found;
  for (const auto& c : children) {
    if (c.name == child_name) found.push_back(&c);
  }
  return found;
}

const std::string* Element::leaf_text(std::string_view child_name) const {
  const Element* c = child(child_name);
  return c != nullptr && c->leaf ? &c->text : nullptr;
}

const Element* Element::find(std::string_view slash_path) const {
  const Element* at = this;
  while (at != nullptr && !slash_path.empty()) {
    const auto slash = slash_path.find('/');
    at = at->child(slash_path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    slash_path.remove_prefix(slash + 1);
  }
  return at;
}

}  // namespace onshi::xmlmsg
