#include "rules_eval.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace onshi::udev::test {
namespace {

[[noreturn]] void reject(std::string_view file, int line, std::string_view what) {
  throw RulesError(fmt::format("{}:{}: {}", file, line, what));
}

// Physical lines joined at a trailing backslash; each logical line keeps its first line number.
std::vector<std::pair<int, std::string>> logical_lines(std::string_view text) {
  std::vector<std::pair<int, std::string>> out;
  std::string pending;
  int first = 0;
  int number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    ++number;
    pos = end + 1;
    if (pending.empty()) first = number;
    if (!line.empty() && line.back() == '\\') {
      pending.append(line.substr(0, line.size() - 1));
      continue;
    }
    pending.append(line);
    out.emplace_back(first, std::move(pending));
    pending.clear();
  }
  if (!pending.empty()) out.emplace_back(first, std::move(pending));  // a "\\" on the last line
  return out;
}

// Only $devnode and $env{NAME}: anything else udev would substitute is not modelled.
void check_substitutions(std::string_view v, std::string_view file, int line) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%') reject(file, line, fmt::format("unsupported substitution in \"{}\"", v));
    if (v[i] != '$') continue;
    const std::string_view rest = v.substr(i);
    if (rest.starts_with("$devnode")) {
      i += 7;
    } else if (rest.starts_with("$env{") && rest.find('}') != std::string_view::npos) {
      i += rest.find('}');
    } else {
      reject(file, line, fmt::format("unsupported substitution in \"{}\"", v));
    }
  }
}

void check_pattern(std::string_view v, std::string_view file, int line) {
  if (v.find_first_of("[]$%\\") != std::string_view::npos)
    reject(file, line, fmt::format("pattern \"{}\" uses syntax this evaluator does not model", v));
}

void validate(const Key& k, std::string_view file, int line) {
  const auto ops = [&](std::initializer_list<Op> allowed) {
    if (std::find(allowed.begin(), allowed.end(), k.op) == allowed.end())
      reject(file, line, fmt::format("operator not supported for {}", k.name));
  };
  const auto attr = [&](bool wanted) {
    if (wanted == k.attr.empty())
      reject(file, line,
             fmt::format("{} {} {{...}} part", k.name, wanted ? "needs a" : "takes no"));
  };
  if (k.name == "ACTION" || k.name == "SUBSYSTEM" || k.name == "TEST") {
    attr(false);
    ops({Op::match, Op::nomatch});
    if (k.name == "TEST" && (k.value.empty() || k.value.front() == '/'))
      reject(file, line, "TEST is only modelled for paths relative to the device");
  } else if (k.name == "TAG") {
    attr(false);
    // Since systemd 247 tags are sticky: -= drops a tag from CURRENT_TAGS only, and a later
    // TAG=="..." still matches it (udev/README.md, "uaccess"). Not modelled, so refused.
    if (k.op == Op::remove) reject(file, line, "TAG-= is not modelled (sticky tags)");
    ops({Op::match, Op::nomatch, Op::assign, Op::add});
  } else if (k.name == "ENV" || k.name == "ATTR") {
    attr(true);
    ops({Op::match, Op::nomatch, Op::assign});
  } else if (k.name == "ATTRS") {
    attr(true);
    ops({Op::match});
  } else if (k.name == "GROUP" || k.name == "MODE" || k.name == "OWNER" || k.name == "GOTO" ||
             k.name == "LABEL") {
    attr(false);
    ops({Op::assign});
  } else if (k.name == "RUN") {
    if (!k.attr.empty() && k.attr != "program")
      reject(file, line, fmt::format("RUN{{{}}} is not modelled", k.attr));
    ops({Op::assign, Op::add});
  } else {
    reject(file, line, fmt::format("key {} is not modelled", k.name));
  }
  if (k.is_match()) {
    check_pattern(k.value, file, line);
  } else if (k.name == "GROUP" || k.name == "MODE" || k.name == "OWNER" || k.name == "GOTO" ||
             k.name == "LABEL") {
    if (k.value.empty() || k.value.find_first_of("$%") != std::string::npos)
      reject(file, line, fmt::format("{} needs a plain value", k.name));
  } else {
    check_substitutions(k.value, file, line);
  }
}

Rule parse_rule(std::string_view s, std::string_view file, int line) {
  Rule rule{line, {}};
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  skip_space();
  while (i < s.size()) {
    Key k;
    while (i < s.size() && (std::isupper(static_cast<unsigned char>(s[i])) || s[i] == '_'))
      k.name += s[i++];
    if (k.name.empty()) reject(file, line, fmt::format("expected a key at \"{}\"", s.substr(i)));
    if (i < s.size() && s[i] == '{') {
      const std::size_t close = s.find('}', i);
      if (close == std::string_view::npos) reject(file, line, "unterminated {");
      k.attr = s.substr(i + 1, close - i - 1);
      if (k.attr.empty()) reject(file, line, "empty {}");
      i = close + 1;
    }
    skip_space();
    const std::string_view rest = s.substr(i);
    if (rest.starts_with("==")) {
      k.op = Op::match;
    } else if (rest.starts_with("!=")) {
      k.op = Op::nomatch;
    } else if (rest.starts_with("+=")) {
      k.op = Op::add;
    } else if (rest.starts_with("-=")) {
      k.op = Op::remove;
    } else if (rest.starts_with(":=")) {
      reject(file, line, "':=' is not modelled");
    } else if (rest.starts_with("=")) {
      k.op = Op::assign;
    } else {
      reject(file, line, fmt::format("expected an operator after {}", k.name));
    }
    i += k.op == Op::assign ? 1 : 2;
    skip_space();
    if (i >= s.size() || s[i] != '"') reject(file, line, "expected a quoted value");
    const std::size_t close = s.find('"', i + 1);
    if (close == std::string_view::npos) reject(file, line, "unterminated value");
    k.value = s.substr(i + 1, close - i - 1);
    if (k.value.find('\\') != std::string::npos) reject(file, line, "escapes are not modelled");
    i = close + 1;
    validate(k, file, line);
    rule.keys.push_back(std::move(k));
    skip_space();
    if (i < s.size()) {
      if (s[i] != ',') reject(file, line, fmt::format("expected ',' at \"{}\"", s.substr(i)));
      ++i;
      skip_space();
    }
  }
  return rule;
}

const Key* find_key(const Rule& r, std::string_view name) {
  for (const Key& k : r.keys)
    if (k.name == name) return &k;
  return nullptr;
}

bool glob(std::string_view p, std::string_view v) {
  std::size_t pi = 0, vi = 0, star = std::string_view::npos, mark = 0;
  while (vi < v.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == v[vi])) {
      ++pi, ++vi;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++, mark = vi;
    } else if (star != std::string_view::npos) {
      pi = star + 1, vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool key_matches(const Key& k, const Device& d) {
  const auto with_op = [&](bool m) { return k.op == Op::match ? m : !m; };
  if (k.name == "ACTION") return with_op(pattern_matches(k.value, d.action));
  if (k.name == "SUBSYSTEM") return with_op(pattern_matches(k.value, d.subsystem));
  if (k.name == "TAG")
    return with_op(std::any_of(d.tags.begin(), d.tags.end(),
                               [&](const std::string& t) { return pattern_matches(k.value, t); }));
  if (k.name == "ENV") {
    const auto it = d.env.find(k.attr);
    return with_op(pattern_matches(k.value, it == d.env.end() ? "" : it->second));
  }
  if (k.name == "ATTR") {
    // A missing attribute fails the key for == and != alike (udev's token_match_attr).
    const auto it = d.attrs.find(k.attr);
    return it != d.attrs.end() && with_op(pattern_matches(k.value, it->second));
  }
  if (k.name == "TEST") return with_op(d.attrs.count(k.value) != 0);
  return true;  // ATTRS: matched per device level in rule_matches
}

// udev matches all ATTRS keys of a rule against one device level: the device or a parent.
bool attrs_match(const Rule& r, const Device& d) {
  std::vector<const Key*> keys;
  for (const Key& k : r.keys)
    if (k.name == "ATTRS") keys.push_back(&k);
  if (keys.empty()) return true;
  std::vector<const std::map<std::string, std::string>*> levels{&d.attrs};
  for (const auto& p : d.parent_attrs) levels.push_back(&p);
  return std::any_of(levels.begin(), levels.end(), [&](const auto* attrs) {
    return std::all_of(keys.begin(), keys.end(), [&](const Key* k) {
      const auto it = attrs->find(k->attr);
      return it != attrs->end() && pattern_matches(k->value, it->second);
    });
  });
}

std::string substitute(std::string_view v, const Device& d) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string_view rest = v.substr(i);
    if (rest.starts_with("$devnode")) {
      out += d.devnode;
      i += 7;
    } else if (rest.starts_with("$env{")) {
      const std::size_t close = rest.find('}');
      const auto it = d.env.find(std::string(rest.substr(5, close - 5)));
      if (it != d.env.end()) out += it->second;
      i += close;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

bool pattern_matches(std::string_view pattern, std::string_view value) {
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = pattern.find('|', start);
    if (glob(pattern.substr(start, bar - start), value)) return true;
    if (bar == std::string_view::npos) return false;
    start = bar + 1;
  }
}

RulesFile parse_rules(std::string name, std::string_view text) {
  RulesFile f{std::move(name), {}};
  for (const auto& [line, content] : logical_lines(text)) {
    const std::size_t first = content.find_first_not_of(" \t");
    if (first == std::string::npos || content[first] == '#') continue;
    f.rules.push_back(parse_rule(content, f.name, line));
  }
  // udev only jumps forward, to a LABEL of the same file.
  for (std::size_t i = 0; i < f.rules.size(); ++i) {
    const Key* go = find_key(f.rules[i], "GOTO");
    if (!go) continue;
    const bool found = std::any_of(f.rules.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                   f.rules.end(), [&](const Rule& r) {
                                     const Key* label = find_key(r, "LABEL");
                                     return label && label->value == go->value;
                                   });
    if (!found) reject(f.name, f.rules[i].line, fmt::format("GOTO to unknown label {}", go->value));
  }
  return f;
}

RulesFile load_rules(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RulesError(fmt::format("cannot read {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_rules(path.filename().string(), text.str());
}

std::vector<Effect> Outcome::from(std::string_view file) const {
  std::vector<Effect> out;
  std::copy_if(effects.begin(), effects.end(), std::back_inserter(out),
               [&](const Effect& e) { return e.file == file; });
  return out;
}

std::vector<Effect> Outcome::not_from(std::string_view file) const {
  std::vector<Effect> out;
  std::copy_if(effects.begin(), effects.end(), std::back_inserter(out),
               [&](const Effect& e) { return e.file != file; });
  return out;
}

Outcome evaluate(std::vector<RulesFile> files, Device device) {
  std::stable_sort(files.begin(), files.end(),
                   [](const RulesFile& a, const RulesFile& b) { return a.name < b.name; });
  Outcome out;
  out.device = std::move(device);
  Device& d = out.device;
  for (const RulesFile& f : files) {
    std::size_t i = 0;
    while (i < f.rules.size()) {
      const Rule& r = f.rules[i++];
      const bool matched =
          std::all_of(r.keys.begin(), r.keys.end(),
                      [&](const Key& k) { return !k.is_match() || key_matches(k, d); }) &&
          attrs_match(r, d);
      if (!matched) continue;
      const std::string* go = nullptr;
      for (const Key& k : r.keys) {
        if (k.is_match() || k.name == "LABEL") continue;
        if (k.name == "GOTO") {
          go = &k.value;
          continue;
        }
        const std::string value = substitute(k.value, d);
        std::string key = k.name;
        if (k.name == "GROUP") {
          out.group = value;
        } else if (k.name == "MODE") {
          out.mode = value;
        } else if (k.name == "OWNER") {
          out.owner = value;
        } else if (k.name == "RUN") {
          if (k.op == Op::assign) out.run.clear();
          out.run.push_back(value);
        } else if (k.name == "TAG") {
          if (k.op == Op::assign) d.tags.clear();
          d.tags.insert(value);
          key = "TAG+";
        } else if (k.name == "ENV") {
          key = fmt::format("ENV{{{}}}", k.attr);
          if (value.empty()) {
            d.env.erase(k.attr);
          } else {
            d.env[k.attr] = value;
          }
        } else if (k.name == "ATTR") {
          key = fmt::format("ATTR{{{}}}", k.attr);
          // udev writes the sysfs file: a missing attribute stays missing.
          if (auto it = d.attrs.find(k.attr); it != d.attrs.end()) it->second = value;
        }
        out.effects.push_back(Effect{f.name, r.line, std::move(key), value});
      }
      if (go) {
        while (i < f.rules.size() &&
               !(find_key(f.rules[i], "LABEL") && find_key(f.rules[i], "LABEL")->value == *go))
          ++i;
      }
    }
  }
  return out;
}

}  // namespace onshi::udev::test
