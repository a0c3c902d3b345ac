// Text for HTML and SVG pages the tools write (kiln-bench --html, kiln-ir --format=html).
#pragma once

#include <string>
#include <string_view>

namespace kiln::tools {

/// `s` safe inside an element or a double-quoted attribute: < > & " escaped.
inline std::string html_escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace kiln::tools
