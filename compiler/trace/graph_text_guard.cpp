// The layout check of graph_text_guard.h: a lexer that splits MLIR text as MLIR's does
// (strings, comments, %values, ^labels, @symbols, #aliases, bare identifiers, numbers),
// then a walk over its lines that tracks the braces as name scopes, the ops whose regions
// are open, and which values are defined where.
#include "compiler/trace/graph_text_guard.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace kiln::detail {

namespace {

enum class Kind { value, label, symbol, alias, type, bare, number, string, arrow, punct };

struct Token {
  Kind kind;
  std::string_view text;
  int line;
};

/// 'text', for messages (built by appending: GCC 12 warns falsely on "'" + std::string).
std::string quoted(std::string_view text) {
  std::string out = "'";
  out += text;
  out += '\'';
  return out;
}

bool id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.' ||
         c == '-';
}

/// The tokens of `text`, or a problem (an unterminated string).
std::vector<Token> lex(std::string_view text, std::string* problem) {
  std::vector<Token> tokens;
  int line = 1;
  size_t i = 0;
  const size_t n = text.size();
  auto at = [&](size_t k) { return k < n ? text[k] : '\0'; };
  while (i < n) {
    const char c = text[i];
    const size_t start = i;
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '/' && at(i + 1) == '/') {
      while (i < n && text[i] != '\n') ++i;
    } else if (c == '"') {
      for (++i; i < n && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\') ++i;
      if (i >= n || text[i] != '"') {
        *problem = "line " + std::to_string(line) + ": a string that does not end on its line";
        return {};
      }
      ++i;
      tokens.push_back({Kind::string, text.substr(start, i - start), line});
    } else if ((c == '%' || c == '^' || c == '#' || c == '!' || c == '@') && id_char(at(i + 1))) {
      for (++i; i < n && id_char(text[i]); ++i) {
      }
      const Kind kind = c == '%'   ? Kind::value
                        : c == '^' ? Kind::label
                        : c == '#' ? Kind::alias
                        : c == '!' ? Kind::type
                                   : Kind::symbol;
      tokens.push_back({kind, text.substr(start, i - start), line});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      for (++i; i < n && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' ||
                          text[i] == '$' || text[i] == '.');
           ++i) {
      }
      tokens.push_back({Kind::bare, text.substr(start, i - start), line});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      for (++i; i < n; ++i) {
        const char d = text[i];
        if (std::isalnum(static_cast<unsigned char>(d)) || d == '_' || d == '.') continue;
        // An exponent's sign: 1.0e+00, 2.5E-4.
        if ((d == '+' || d == '-') && (text[i - 1] == 'e' || text[i - 1] == 'E') &&
            std::isdigit(static_cast<unsigned char>(at(i + 1))))
          continue;
        break;
      }
      tokens.push_back({Kind::number, text.substr(start, i - start), line});
    } else if (c == '-' && at(i + 1) == '>') {
      i += 2;
      tokens.push_back({Kind::arrow, text.substr(start, 2), line});
    } else {
      ++i;
      tokens.push_back({Kind::punct, text.substr(start, 1), line});
    }
  }
  return tokens;
}

class LayoutCheck {
 public:
  explicit LayoutCheck(const std::function<bool(std::string_view)>& allowed_op)
      : allowed_op_(allowed_op) {}

  std::string run(const std::vector<Token>& tokens) {
    for (size_t begin = 0; begin < tokens.size() && problem_.empty();) {
      size_t end = begin;
      while (end < tokens.size() && tokens[end].line == tokens[begin].line) ++end;
      line_.assign(tokens.begin() + static_cast<long>(begin),
                   tokens.begin() + static_cast<long>(end));
      check_line();
      begin = end;
    }
    if (problem_.empty() && (scopes_.size() != 1 || !open_.empty()))
      problem_ = "the text ends inside a region";
    if (problem_.empty() && !seen_func_) problem_ = "it holds no func.func";
    return problem_;
  }

 private:
  struct OpenOp {
    size_t depth;                      // scopes_.size() on its line
    std::vector<std::string> results;  // defined when its last region closes
    bool func;
  };

  bool fail(const std::string& why) {
    if (problem_.empty()) problem_ = "line " + std::to_string(line_.front().line) + ": " + why;
    return false;
  }
  bool is(size_t k, std::string_view text) const {
    return k < line_.size() && line_[k].text == text;
  }
  bool visible(std::string_view name) const {
    for (const auto& scope : scopes_)
      if (scope.count(std::string(name))) return true;
    return false;
  }
  bool pending(std::string_view name) const {
    for (const OpenOp& op : open_)
      for (const std::string& r : op.results)
        if (r == name) return true;
    return false;
  }
  bool in_function() const {
    for (const OpenOp& op : open_)
      if (op.func) return true;
    return false;
  }
  /// A new name for a value: not visible, not waiting on an open op, not taken on this line.
  bool fresh(std::string_view name, const std::set<std::string>& taken) {
    if (visible(name) || pending(name) || taken.count(std::string(name)))
      return fail(quoted(name) + " is defined while a value of that name is in scope");
    return true;
  }

  /// Tokens k.. of the line: braces open and close scopes (never below `min_depth`); every
  /// %value is a use of a value defined on an earlier line in an open scope; nothing here
  /// may name an op, a label, a function or a module.
  bool walk(size_t k, bool values, size_t min_depth) {
    for (; k < line_.size(); ++k) {
      const Token& t = line_[k];
      if (t.text == "{") {
        scopes_.emplace_back();
      } else if (t.text == "}") {
        if (scopes_.size() <= min_depth) return fail("a '}' closes a region it did not open");
        scopes_.pop_back();
      } else if (t.kind == Kind::bare && (t.text.find('.') != std::string_view::npos ||
                                          t.text == "func" || t.text == "module")) {
        return fail(quoted(t.text) + " where no op may be named");
      } else if (t.kind == Kind::string && is(k + 1, "(")) {
        return fail("a generic op (\"name\"(...)): saved graphs use kiln's op syntax");
      } else if (t.kind == Kind::bare && t.text == "array" && is(k + 1, "<") && !is(k + 2, "i64")) {
        // kiln's array attributes are i64; MLIR 19 misreads array<i1: 0> and crashes
        // printing it (in the error it reports, even).
        return fail("an array attribute of other than i64 elements");
      } else if (t.kind == Kind::label) {
        return fail("a block label inside a line");
      } else if (t.kind == Kind::value) {
        if (!values) return fail("a value where none may be");
        if (is(k + 1, "=") || (is(k + 1, ":") && k + 2 < line_.size() &&
                               line_[k + 2].kind == Kind::number && is(k + 3, "=")))
          return fail("a definition inside a line");
        if (!visible(t.text))
          return fail(quoted(t.text) + " is used before its definition or outside its region");
      }
    }
    return true;
  }

  /// After a line: the ops whose regions all closed on it define their results.
  void complete_ops() {
    while (!open_.empty() && scopes_.size() == open_.back().depth) {
      for (const std::string& r : open_.back().results) scopes_.back().insert(r);
      open_.pop_back();
    }
  }

  /// `(%a: t, ...)` from line_[k] ("("): the names defined, and the index after ")".
  bool arguments(size_t k, std::vector<std::string>* names, size_t* after) {
    std::set<std::string> taken;
    int parens = 0;
    for (; k < line_.size(); ++k) {
      const Token& t = line_[k];
      if (t.text == "(") ++parens;
      if (t.text == ")" && --parens == 0) {
        *after = k + 1;
        return true;
      }
      if (t.kind == Kind::value) {
        if (parens != 1 || !is(k + 1, ":")) return fail("an argument list with a use in it");
        if (!fresh(t.text, taken)) return false;
        taken.insert(std::string(t.text));
        names->push_back(std::string(t.text));
      } else if (t.text == "{" || t.text == "}" || t.kind == Kind::label ||
                 (t.kind == Kind::bare && t.text.find('.') != std::string_view::npos) ||
                 (t.kind == Kind::string && is(k + 1, "("))) {
        return fail("an argument list holds " + quoted(t.text));
      }
    }
    return fail("an argument list that does not close on its line");
  }

  void check_line() {
    const Token& first = line_.front();
    const size_t depth = scopes_.size();
    const bool at_region_start = region_start_;
    region_start_ = false;
    if (first.kind == Kind::alias && is(1, "=")) {  // #loc3 = loc(...)
      if (depth != 1) return void(fail("an alias inside a region"));
      if (walk(2, /*values=*/false, depth) && scopes_.size() != depth)
        fail("an alias line leaves a brace open");
      return;
    }
    if (first.text == "module" && first.kind == Kind::bare) {
      if (depth != 1 || seen_module_ || seen_func_ || line_.size() != 2 || !is(1, "{"))
        return void(fail("'module {' only once, first"));
      seen_module_ = true;
      scopes_.emplace_back();
      return;
    }
    if (first.text == "func.func" && first.kind == Kind::bare) {
      if (seen_func_ || depth != (seen_module_ ? 2u : 1u))
        return void(fail("a second function, or one inside a region"));
      if (line_.size() < 3 || line_[1].kind != Kind::symbol || !is(2, "("))
        return void(fail("a func.func line that is not 'func.func @name(...'"));
      std::vector<std::string> args;
      size_t after = 0;
      if (!arguments(2, &args, &after) || !walk(after, /*values=*/false, depth)) return;
      if (scopes_.size() != depth + 1 || line_.back().text != "{")
        return void(fail("a func.func line that does not open its body"));
      for (std::string& a : args) scopes_.back().insert(std::move(a));
      seen_func_ = true;
      open_.push_back({depth, {}, /*func=*/true});
      region_start_ = true;
      return;
    }
    if (first.text == "}" && first.kind == Kind::punct) {
      if (walk(0, /*values=*/false, std::max<size_t>(depth - 1, 1))) complete_ops();
      region_start_ = scopes_.size() == depth && line_.back().text == "{";  // } else {
      return;
    }
    if (first.kind == Kind::label) {  // ^bb0(%a: t, ...):
      if (!at_region_start || open_.empty() || depth != open_.back().depth + 1)
        return void(fail("a block label that does not start a region of an op"));
      std::vector<std::string> args;
      size_t after = 1;
      if (is(1, "(") && !arguments(1, &args, &after)) return;
      if (after + 1 != line_.size() || !is(after, ":"))
        return void(fail("a block label line that is not '^name(args):'"));
      for (std::string& a : args) scopes_.back().insert(std::move(a));
      return;
    }
    // An op: `%r = kiln.op ...`, `%r:2 = kiln.op ...`, `kiln.op ...` or `return ...`.
    if (!in_function() || depth <= open_.front().depth)
      return void(fail(quoted(first.text) + " outside the function's body"));
    std::vector<std::string> results;
    size_t op = 0;
    if (first.kind == Kind::value) {
      if (is(1, "="))
        op = 2;
      else if (is(1, ":") && line_.size() > 3 && line_[2].kind == Kind::number && is(3, "="))
        op = 4;
      else
        return void(fail("a line that starts with a use of " + quoted(first.text)));
      if (!fresh(first.text, {})) return;
      results.push_back(std::string(first.text));
      if (op >= line_.size() || line_[op].kind != Kind::bare)
        return void(fail("a definition of " + quoted(first.text) + " without an op"));
    }
    const Token& name = line_[op];
    if (name.kind != Kind::bare ||
        !(name.text == "return" || (name.text.starts_with("kiln.") && allowed_op_(name.text))))
      return void(
          fail(quoted(name.text) + " is not an op a saved graph holds (kiln's ops, return)"));
    if (!walk(op + 1, /*values=*/true, depth)) return;
    if (scopes_.size() == depth) {
      for (std::string& r : results) scopes_.back().insert(std::move(r));
    } else if (scopes_.size() == depth + 1 && line_.back().text == "{") {
      open_.push_back({depth, std::move(results), /*func=*/false});
      region_start_ = true;
    } else {
      fail("an op line that leaves more than one region open");
    }
  }

  const std::function<bool(std::string_view)>& allowed_op_;
  std::vector<Token> line_;
  std::vector<std::set<std::string>> scopes_{1};  // [0]: the file
  std::vector<OpenOp> open_;
  bool seen_module_ = false, seen_func_ = false;
  bool region_start_ = false;  // the last line opened a region
  std::string problem_;
};

}  // namespace

std::string graph_text_problem(std::string_view text,
                               const std::function<bool(std::string_view)>& allowed_op) {
  std::string problem;
  const std::vector<Token> tokens = lex(text, &problem);
  if (!problem.empty()) return problem;
  return LayoutCheck(allowed_op).run(tokens);
}

}  // namespace kiln::detail
