// Which hosts bypass the HTTP proxy. The terminals' usual bypass list (eligibility-system.md §3.2,
// from the kitting scripts of ONSCheck.ps1) sends the eligibility hosts (*.onshikaku.org) and the
// certificate authority's hosts directly, and everything else through the proxy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onshi::tls {

// §3.2's bypass list, in onshi's pattern syntax.
std::vector<std::string> default_no_proxy();

// Patterns, case-insensitive: "*" (every host), "*.example.org" or ".example.org" (example.org
// and every name under it), "host.example.org" (exactly that name), an IP literal (exactly that
// address; IPv6 with or without brackets), "<local>" (names without a dot, as in Windows).
bool bypasses_proxy(std::string_view host, const std::vector<std::string>& patterns);

}  // namespace onshi::tls
