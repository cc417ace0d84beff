#include "policy/expr.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <set>
#include <utility>

namespace mamori::policy {

// ---------------------------------------------------------------------------------------------
// Value

std::string Value::ToString() const {
  switch (kind()) {
    case ValueKind::kNull: return "null";
    case ValueKind::kBool: return *AsBool() ? "true" : "false";
    case ValueKind::kInt: return std::to_string(*AsInt());
    case ValueKind::kString: {
      std::string out = "\"";
      for (char c : *AsString()) {
        switch (c) {
          case '\\': out += "\\\\"; break;
          case '"': out += "\\\""; break;
          case '\n': out += "\\n"; break;
          default: out += c;  // UTF-8 passes through untouched
        }
      }
      out += '"';
      return out;
    }
    case ValueKind::kList: {
      std::string out = "[";
      bool first = true;
      for (const Value& item : *AsList()) {
        if (!first) out += ", ";
        first = false;
        out += item.ToString();
      }
      out += ']';
      return out;
    }
  }
  return "null";
}

bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

std::partial_ordering operator<=>(const Value& a, const Value& b) {
  if (const auto* x = a.AsInt()) {
    if (const auto* y = b.AsInt()) return *x <=> *y;
  } else if (const auto* x = a.AsString()) {
    if (const auto* y = b.AsString()) return x->compare(*y) <=> 0;
  }
  return std::partial_ordering::unordered;
}

// ---------------------------------------------------------------------------------------------
// Context

void Context::Set(std::string path, Value value) {
  values_.insert_or_assign(std::move(path), std::move(value));
}

std::optional<Value> Context::Get(std::string_view path) const {
  if (auto it = values_.find(path); it != values_.end()) return it->second;
  if (resolver_) return resolver_(path);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// AST

enum class NodeKind { kLiteral, kField, kHas, kNot, kAnd, kOr, kCompare };
enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

using NodePtr = std::shared_ptr<const ExprNode>;

struct ExprNode {
  NodeKind kind = NodeKind::kLiteral;
  CompareOp op = CompareOp::kEq;  // kCompare only
  Value literal;                  // kLiteral only
  std::string path;               // kField and kHas only
  std::vector<NodePtr> children;  // kNot: 1; kAnd, kOr: 2 or more; kCompare: left, right
};

namespace {

const char* OpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "==";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    case CompareOp::kIn: return "in";
    case CompareOp::kNotIn: return "not in";
  }
  return "==";
}

bool NodesEqual(const ExprNode& a, const ExprNode& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case NodeKind::kLiteral: return a.literal == b.literal;
    case NodeKind::kField:
    case NodeKind::kHas: return a.path == b.path;
    case NodeKind::kCompare:
      if (a.op != b.op) return false;
      break;
    default: break;
  }
  if (a.children.size() != b.children.size()) return false;
  for (std::size_t i = 0; i < a.children.size(); ++i)
    if (!NodesEqual(*a.children[i], *b.children[i])) return false;
  return true;
}

// The language's notion of "holds": only the bool true.
bool Truthy(const Value& v) {
  const bool* b = v.AsBool();
  return b != nullptr && *b;
}

bool EvalBool(const ExprNode& n, const Context& ctx);

Value EvalValue(const ExprNode& n, const Context& ctx) {
  switch (n.kind) {
    case NodeKind::kLiteral: return n.literal;
    case NodeKind::kField: return ctx.Get(n.path).value_or(Value());
    default: return Value(EvalBool(n, ctx));
  }
}

bool Compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kNe: return !(a == b);
    // partial_ordering::unordered makes all four false, which is the rule for mixed kinds.
    case CompareOp::kLt: return (a <=> b) < 0;
    case CompareOp::kLe: return (a <=> b) <= 0;
    case CompareOp::kGt: return (a <=> b) > 0;
    case CompareOp::kGe: return (a <=> b) >= 0;
    case CompareOp::kIn:
    case CompareOp::kNotIn: {
      const Value::List* list = b.AsList();
      bool found = list != nullptr && std::find(list->begin(), list->end(), a) != list->end();
      return op == CompareOp::kIn ? found : !found;
    }
  }
  return false;
}

bool EvalBool(const ExprNode& n, const Context& ctx) {
  switch (n.kind) {
    case NodeKind::kLiteral: return Truthy(n.literal);
    case NodeKind::kField: return Truthy(ctx.Get(n.path).value_or(Value()));
    case NodeKind::kHas: {
      auto v = ctx.Get(n.path);
      return v.has_value() && !v->is_null();
    }
    case NodeKind::kNot: return !EvalBool(*n.children[0], ctx);
    case NodeKind::kAnd:
      for (const auto& c : n.children)
        if (!EvalBool(*c, ctx)) return false;
      return true;
    case NodeKind::kOr:
      for (const auto& c : n.children)
        if (EvalBool(*c, ctx)) return true;
      return false;
    case NodeKind::kCompare:
      return Compare(n.op, EvalValue(*n.children[0], ctx), EvalValue(*n.children[1], ctx));
  }
  return false;
}

void CollectFields(const ExprNode& n, std::set<std::string, std::less<>>& seen,
                   std::vector<std::string>& out) {
  if ((n.kind == NodeKind::kField || n.kind == NodeKind::kHas) && seen.insert(n.path).second)
    out.push_back(n.path);
  for (const auto& c : n.children) CollectFields(*c, seen, out);
}

void Print(const ExprNode& n, std::string& out);

// Prints a child, parenthesised when `needs_parens` (precedence would otherwise regroup it).
void PrintChild(const ExprNode& child, bool needs_parens, std::string& out) {
  if (needs_parens) out += '(';
  Print(child, out);
  if (needs_parens) out += ')';
}

void Print(const ExprNode& n, std::string& out) {
  switch (n.kind) {
    case NodeKind::kLiteral: out += n.literal.ToString(); return;
    case NodeKind::kField: out += n.path; return;
    case NodeKind::kHas:
      out += "has(";
      out += n.path;
      out += ')';
      return;
    case NodeKind::kNot: {
      const ExprNode& c = *n.children[0];
      out += "not ";
      // `not a == b` is refused by the parser, so a comparison operand keeps its parentheses.
      PrintChild(c, c.kind == NodeKind::kAnd || c.kind == NodeKind::kOr ||
                        c.kind == NodeKind::kCompare,
                 out);
      return;
    }
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      const char* sep = n.kind == NodeKind::kAnd ? " and " : " or ";
      bool first = true;
      for (const auto& c : n.children) {
        if (!first) out += sep;
        first = false;
        // Nested and/or of the same kind are flattened at build time, so only `or` under `and`
        // needs parentheses; the check is general for safety.
        PrintChild(*c, c->kind == NodeKind::kOr || (c->kind == NodeKind::kAnd && n.kind == NodeKind::kAnd), out);
      }
      return;
    }
    case NodeKind::kCompare: {
      auto operand = [&out](const ExprNode& c) {
        PrintChild(c, c.kind == NodeKind::kAnd || c.kind == NodeKind::kOr ||
                          c.kind == NodeKind::kNot || c.kind == NodeKind::kCompare,
                   out);
      };
      operand(*n.children[0]);
      out += ' ';
      out += OpText(n.op);
      out += ' ';
      operand(*n.children[1]);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Text helpers

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid (overlong
// forms, surrogates and code points past U+10FFFF are invalid too).
std::size_t Utf8Length(std::string_view s, std::size_t i, char32_t* code_point = nullptr) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  char32_t cp;
  if (c < 0x80) {
    n = 1;
    cp = c;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n > s.size() - i) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  if (code_point) *code_point = cp;
  return n;
}

// 1-based column of byte offset `offset`, counted in code points: a pack author counts
// characters, and a Japanese string literal before the error would otherwise skew it.
int ColumnOf(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  int column = 1;
  for (std::size_t i = 0; i < offset; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  return column;
}

bool IsIdentStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// ---------------------------------------------------------------------------------------------
// Lexer and parser

enum class Tok {
  kEnd, kPath, kInt, kString, kTrue, kFalse, kNull, kAnd, kOr, kNot, kIn, kHas,
  kLParen, kRParen, kLBracket, kRBracket, kComma, kEq, kNe, kLt, kLe, kGt, kGe,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t offset = 0;  // byte offset into the text
  std::size_t length = 0;  // bytes of source text
  std::string text;        // kPath: the path; kString: the decoded string
  std::int64_t number = 0;
};

// Thrown inside the parser only and caught by ParseDetailed: it keeps every production free of
// error plumbing, and nothing escapes the module.
struct Failure {
  std::size_t offset;
  std::string message;
};

struct Parsed {
  NodePtr node;
  std::size_t offset;  // where the construct starts, for "expected a condition" errors
};

NodePtr MakeLiteral(Value v) {
  auto n = std::make_shared<ExprNode>();
  n->kind = NodeKind::kLiteral;
  n->literal = std::move(v);
  return n;
}

NodePtr MakePath(NodeKind kind, std::string path) {
  auto n = std::make_shared<ExprNode>();
  n->kind = kind;
  n->path = std::move(path);
  return n;
}

NodePtr MakeNot(NodePtr child) {
  auto n = std::make_shared<ExprNode>();
  n->kind = NodeKind::kNot;
  n->children.push_back(std::move(child));
  return n;
}

NodePtr MakeCompare(CompareOp op, NodePtr left, NodePtr right) {
  auto n = std::make_shared<ExprNode>();
  n->kind = NodeKind::kCompare;
  n->op = op;
  n->children = {std::move(left), std::move(right)};
  return n;
}

// and/or are associative, so `a and (b and c)` is flattened into one node: the AST, and
// therefore equality and the canonical text, do not depend on redundant parentheses.
NodePtr MakeJunction(NodeKind kind, const std::vector<Parsed>& parts) {
  auto n = std::make_shared<ExprNode>();
  n->kind = kind;
  for (const Parsed& p : parts) {
    if (p.node->kind == kind)
      n->children.insert(n->children.end(), p.node->children.begin(), p.node->children.end());
    else
      n->children.push_back(p.node);
  }
  return n;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  NodePtr ParseAll() {
    Parsed p = ParseOr(0, "a condition");
    RequireCondition(p);
    const Token& t = Peek();
    if (t.kind != Tok::kEnd) {
      if (t.kind == Tok::kRParen) Fail(t, "unmatched ')'");
      if (StartsValue(t.kind))
        Fail(t, "expected an operator" + After() + ", found " + Describe(t));
      Fail(t, "expected 'and', 'or' or the end of the expression, found " + Describe(t));
    }
    return p.node;
  }

 private:
  // --- tokens -------------------------------------------------------------------------------

  const Token& Peek(std::size_t ahead = 0) {
    while (buffer_.size() <= ahead) buffer_.push_back(Lex());
    return buffer_[ahead];
  }

  Token Take() {
    Peek();
    last_ = std::move(buffer_.front());
    buffer_.pop_front();
    has_last_ = true;
    return last_;
  }

  [[noreturn]] void Fail(std::size_t offset, std::string message) {
    throw Failure{offset, std::move(message)};
  }
  [[noreturn]] void Fail(const Token& t, std::string message) { Fail(t.offset, std::move(message)); }

  std::string Source(const Token& t) const { return std::string(text_.substr(t.offset, t.length)); }

  std::string Describe(const Token& t) const {
    switch (t.kind) {
      case Tok::kEnd: return "the end of the expression";
      case Tok::kPath: {
        // Paths are ASCII, so cutting by bytes cannot split a character.
        std::string p = t.text.size() > 40 ? t.text.substr(0, 40) + "..." : t.text;
        return "field '" + p + "'";
      }
      case Tok::kInt: return "number " + std::to_string(t.number);
      case Tok::kString: return "a string";
      default: return "'" + Source(t) + "'";
    }
  }

  static bool StartsValue(Tok k) {
    switch (k) {
      case Tok::kPath: case Tok::kInt: case Tok::kString: case Tok::kTrue: case Tok::kFalse:
      case Tok::kNull: case Tok::kHas: case Tok::kLParen: case Tok::kLBracket:
        return true;
      default:
        return false;
    }
  }

  static std::optional<CompareOp> ComparisonOf(Tok k) {
    switch (k) {
      case Tok::kEq: return CompareOp::kEq;
      case Tok::kNe: return CompareOp::kNe;
      case Tok::kLt: return CompareOp::kLt;
      case Tok::kLe: return CompareOp::kLe;
      case Tok::kGt: return CompareOp::kGt;
      case Tok::kGe: return CompareOp::kGe;
      default: return std::nullopt;
    }
  }

  // True when the next tokens are a comparison, `in` or `not in`.
  bool AtComparison() {
    Tok k = Peek().kind;
    if (ComparisonOf(k) || k == Tok::kIn) return true;
    return k == Tok::kNot && Peek(1).kind == Tok::kIn;
  }

  Token Lex() {
    std::size_t& i = pos_;
    while (i < text_.size() &&
           (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r'))
      ++i;
    Token t;
    t.offset = i;
    if (i >= text_.size()) return t;  // kEnd
    char c = text_[i];
    auto single = [&](Tok k, std::size_t len) {
      t.kind = k;
      t.length = len;
      i += len;
      return t;
    };
    auto next_is = [&](char n) { return i + 1 < text_.size() && text_[i + 1] == n; };

    if (IsIdentStart(c)) return LexWord(t);
    if (IsDigit(c) || (c == '-' && i + 1 < text_.size() && IsDigit(text_[i + 1])))
      return LexNumber(t);
    if (c == '"' || c == '\'') return LexString(t);
    switch (c) {
      case '(': return single(Tok::kLParen, 1);
      case ')': return single(Tok::kRParen, 1);
      case '[': return single(Tok::kLBracket, 1);
      case ']': return single(Tok::kRBracket, 1);
      case ',': return single(Tok::kComma, 1);
      case '=':
        if (next_is('=')) return single(Tok::kEq, 2);
        Fail(i, "expected '==' (a single '=' is not an operator; there is no assignment)");
      case '!':
        if (next_is('=')) return single(Tok::kNe, 2);
        return single(Tok::kNot, 1);
      case '<':
        if (next_is('=')) return single(Tok::kLe, 2);
        return single(Tok::kLt, 1);
      case '>':
        if (next_is('=')) return single(Tok::kGe, 2);
        return single(Tok::kGt, 1);
      case '&':
        if (next_is('&')) return single(Tok::kAnd, 2);
        Fail(i, "expected '&&'");
      case '|':
        if (next_is('|')) return single(Tok::kOr, 2);
        Fail(i, "expected '||'");
      case '-':
        Fail(i, "'-' must be followed by a digit (there is no arithmetic)");
      case '+': case '*': case '/': case '%':
        Fail(i, std::string("unexpected '") + c + "' (there is no arithmetic)");
      default: break;
    }
    auto uc = static_cast<unsigned char>(c);
    if (uc >= 0x20 && uc < 0x7F) Fail(i, std::string("unexpected character '") + c + "'");
    if (uc < 0x80) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "unexpected control character 0x%02X", uc);
      Fail(i, buf);
    }
    char32_t cp = 0;
    std::size_t n = Utf8Length(text_, i, &cp);
    if (n == 0) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "invalid UTF-8 (byte 0x%02X)", uc);
      Fail(i, buf);
    }
    std::string shown(text_.substr(i, n));
    // Full-width forms (＝, ＞, 　) are an easy slip when typing in a Japanese IME.
    if (cp == 0x3000 || (cp >= 0xFF01 && cp <= 0xFF5E))
      Fail(i, "unexpected full-width character '" + shown +
                  "'; write operators and field names in ASCII");
    Fail(i, "unexpected character '" + shown + "' (only string literals may contain it)");
  }

  Token LexWord(Token& t) {
    std::size_t& i = pos_;
    std::size_t start = i;
    while (i < text_.size() && IsIdentChar(text_[i])) ++i;
    std::size_t first_end = i;
    while (i < text_.size() && text_[i] == '.') {
      if (i + 1 >= text_.size() || !IsIdentStart(text_[i + 1]))
        Fail(i + 1, "expected a field name after '.'");
      ++i;
      while (i < text_.size() && IsIdentChar(text_[i])) ++i;
    }
    t.length = i - start;
    std::string_view word = text_.substr(start, t.length);
    std::string_view head = text_.substr(start, first_end - start);
    static const std::pair<std::string_view, Tok> kKeywords[] = {
        {"and", Tok::kAnd},   {"or", Tok::kOr},     {"not", Tok::kNot}, {"in", Tok::kIn},
        {"true", Tok::kTrue}, {"false", Tok::kFalse}, {"null", Tok::kNull}, {"has", Tok::kHas},
    };
    for (const auto& [kw, kind] : kKeywords) {
      if (head != kw) continue;
      if (word.size() != head.size())
        Fail(start, "'" + std::string(kw) + "' is a keyword and cannot start a field path");
      t.kind = kind;
      return t;
    }
    t.kind = Tok::kPath;
    t.text = std::string(word);
    return t;
  }

  Token LexNumber(Token& t) {
    std::size_t& i = pos_;
    std::size_t start = i;
    bool negative = text_[i] == '-';
    if (negative) ++i;
    // Accumulate the magnitude unsigned so that INT64_MIN, whose magnitude exceeds INT64_MAX,
    // is representable.
    constexpr std::uint64_t kLimit = static_cast<std::uint64_t>(INT64_MAX);
    std::uint64_t limit = negative ? kLimit + 1 : kLimit;
    std::uint64_t magnitude = 0;
    bool overflow = false;
    while (i < text_.size() && IsDigit(text_[i])) {
      auto digit = static_cast<std::uint64_t>(text_[i] - '0');
      if (magnitude > (limit - digit) / 10) overflow = true;
      else magnitude = magnitude * 10 + digit;
      ++i;
    }
    if (i < text_.size() && (IsIdentChar(text_[i]) || text_[i] == '.'))
      Fail(i, "malformed number (only whole numbers, without '.', '_' or letters)");
    if (overflow) Fail(start, "number out of range (must fit in 64 bits)");
    t.kind = Tok::kInt;
    t.length = i - start;
    t.number = negative ? (magnitude == kLimit + 1 ? INT64_MIN : -static_cast<std::int64_t>(magnitude))
                        : static_cast<std::int64_t>(magnitude);
    return t;
  }

  Token LexString(Token& t) {
    std::size_t& i = pos_;
    std::size_t start = i;
    char quote = text_[i++];
    std::string value;
    for (;;) {
      if (i >= text_.size()) Fail(start, "unterminated string");
      char c = text_[i];
      if (c == quote) {
        ++i;
        break;
      }
      if (c == '\\') {
        if (i + 1 >= text_.size()) Fail(start, "unterminated string");
        char e = text_[i + 1];
        switch (e) {
          case '\\': value += '\\'; break;
          case '"': value += '"'; break;
          case '\'': value += '\''; break;
          case 'n': value += '\n'; break;
          default:
            Fail(i, "unknown escape in string (allowed: \\\\ \\\" \\' \\n)");
        }
        i += 2;
        continue;
      }
      auto uc = static_cast<unsigned char>(c);
      if (uc < 0x20 || uc == 0x7F)
        Fail(i, "control character in string (write \\n for a line break)");
      std::size_t n = Utf8Length(text_, i);
      if (n == 0) Fail(i, "invalid UTF-8 in string");
      value.append(text_.substr(i, n));
      i += n;
    }
    t.kind = Tok::kString;
    t.length = i - start;
    t.text = std::move(value);
    return t;
  }

  // --- grammar ------------------------------------------------------------------------------

  void CheckDepth(int depth, const Token& opener) {
    if (depth > kMaxExprDepth)
      Fail(opener, "nesting deeper than " + std::to_string(kMaxExprDepth) + " levels");
  }

  // Where a condition is required, a literal other than true/false can only be a mistake
  // (`a and 5`), so it is refused at load rather than silently counting as false.
  void RequireCondition(const Parsed& p) {
    if (p.node->kind != NodeKind::kLiteral || p.node->literal.AsBool()) return;
    const char* what = "null";
    switch (p.node->literal.kind()) {
      case ValueKind::kInt: what = "a number"; break;
      case ValueKind::kString: what = "a string"; break;
      case ValueKind::kList: what = "a list"; break;
      default: break;
    }
    Fail(p.offset, std::string("expected a condition, found ") + what);
  }

  // The " after X" of an error message, naming the token just consumed (nothing at the start).
  // Describe() rather than the raw source, so a long string literal is not echoed whole.
  std::string After() const {
    if (!has_last_) return "";
    return " after " + Describe(last_);
  }

  Parsed ParseOr(int depth, const char* expected) {
    std::vector<Parsed> parts{ParseAnd(depth, expected)};
    while (Peek().kind == Tok::kOr) {
      Take();
      parts.push_back(ParseAnd(depth, "a condition"));
    }
    if (parts.size() == 1) return parts[0];
    for (const Parsed& p : parts) RequireCondition(p);
    return {MakeJunction(NodeKind::kOr, parts), parts[0].offset};
  }

  Parsed ParseAnd(int depth, const char* expected) {
    std::vector<Parsed> parts{ParseUnary(depth, expected)};
    while (Peek().kind == Tok::kAnd) {
      Take();
      parts.push_back(ParseUnary(depth, "a condition"));
    }
    if (parts.size() == 1) return parts[0];
    for (const Parsed& p : parts) RequireCondition(p);
    return {MakeJunction(NodeKind::kAnd, parts), parts[0].offset};
  }

  Parsed ParseUnary(int depth, const char* expected) {
    if (Peek().kind == Tok::kNot) return ParseNot(depth);
    return ParseComparison(depth, expected);
  }

  // `not` binds tighter than a comparison, as `!` does in C; but `not a == b` reads as
  // `not (a == b)` to most people, so rather than guess, a comparison right after a negated
  // operand is an error that asks for parentheses.
  Parsed ParseNot(int depth) {
    Token not_token = Take();
    CheckDepth(depth + 1, not_token);
    Parsed operand = Peek().kind == Tok::kNot ? ParseNot(depth + 1)
                                              : ParsePrimary(depth + 1, "a condition");
    if (AtComparison()) {
      const Token& op = Peek();
      std::string op_text = op.kind == Tok::kNot ? "not in" : Source(op);
      Fail(op, "ambiguous '" + op_text + "' after '" + Source(not_token) + "' (column " +
                   std::to_string(ColumnOf(text_, not_token.offset)) + "): write not (a " +
                   op_text + " b) or (not a) " + op_text + " b");
    }
    RequireCondition(operand);
    return {MakeNot(operand.node), not_token.offset};
  }

  Parsed ParseComparison(int depth, const char* expected) {
    Parsed left = ParsePrimary(depth, expected);
    if (!AtComparison()) return left;
    Token op_token = Take();
    CompareOp op;
    Parsed right;
    if (auto cmp = ComparisonOf(op_token.kind)) {
      op = *cmp;
      right = ParsePrimary(depth, "a value");
    } else {
      op = CompareOp::kIn;
      if (op_token.kind == Tok::kNot) {
        Take();  // `in`, guaranteed by AtComparison
        op = CompareOp::kNotIn;
      }
      const Token& t = Peek();
      if (t.kind != Tok::kLBracket && t.kind != Tok::kPath)
        Fail(t, "expected a list or a field path after 'in', found " + Describe(t));
      right = ParsePrimary(depth, "a list or a field path");
    }
    if (AtComparison())
      Fail(Peek(), "comparisons cannot be chained; join them with 'and'");
    return {MakeCompare(op, left.node, right.node), left.offset};
  }

  Parsed ParsePrimary(int depth, const char* expected) {
    const Token& t = Peek();
    std::size_t offset = t.offset;
    switch (t.kind) {
      case Tok::kInt: return {MakeLiteral(Value(Take().number)), offset};
      case Tok::kString: return {MakeLiteral(Value(Take().text)), offset};
      case Tok::kTrue: Take(); return {MakeLiteral(Value(true)), offset};
      case Tok::kFalse: Take(); return {MakeLiteral(Value(false)), offset};
      case Tok::kNull: Take(); return {MakeLiteral(Value()), offset};
      case Tok::kLBracket: return {MakeLiteral(ParseList(depth)), offset};
      case Tok::kPath: {
        Token path = Take();
        if (Peek().kind == Tok::kLParen)
          Fail(path, "unknown function '" + path.text + "' (the only function is has)");
        return {MakePath(NodeKind::kField, path.text), offset};
      }
      case Tok::kHas: {
        Take();
        if (Peek().kind != Tok::kLParen)
          Fail(Peek(), "expected '(' after 'has', found " + Describe(Peek()));
        Take();
        if (Peek().kind != Tok::kPath)
          Fail(Peek(), "expected a field path inside has(...), found " + Describe(Peek()));
        Token path = Take();
        if (Peek().kind != Tok::kRParen)
          Fail(Peek(), "expected ')' after the field path of has(...), found " + Describe(Peek()));
        Take();
        return {MakePath(NodeKind::kHas, path.text), offset};
      }
      case Tok::kLParen: {
        Token open = Take();
        CheckDepth(depth + 1, open);
        Parsed inner = ParseOr(depth + 1, "a condition");
        if (Peek().kind != Tok::kRParen)
          Fail(Peek(), "expected ')' to close the '(' at column " +
                           std::to_string(ColumnOf(text_, open.offset)) + ", found " +
                           Describe(Peek()));
        Take();
        return {inner.node, offset};
      }
      case Tok::kNot:
        Fail(t, std::string("expected ") + expected + After() +
                    ", found 'not' (put the negation in parentheses)");
      default:
        Fail(t, std::string("expected ") + expected + After() + ", found " + Describe(t));
    }
  }

  Value ParseList(int depth) {
    Token open = Take();
    CheckDepth(depth + 1, open);
    Value::List items;
    if (Peek().kind == Tok::kRBracket) {
      Take();
      return Value(std::move(items));
    }
    for (;;) {
      const Token& t = Peek();
      if (items.size() >= kMaxExprListItems)
        Fail(t, "list has more than " + std::to_string(kMaxExprListItems) + " items");
      switch (t.kind) {
        case Tok::kInt: items.emplace_back(Take().number); break;
        case Tok::kString: items.emplace_back(Take().text); break;
        case Tok::kTrue: Take(); items.emplace_back(true); break;
        case Tok::kFalse: Take(); items.emplace_back(false); break;
        case Tok::kNull: Take(); items.emplace_back(); break;
        case Tok::kLBracket: items.push_back(ParseList(depth + 1)); break;
        case Tok::kPath:
          Fail(t, "a list literal holds only literals, found " + Describe(t));
        default:
          Fail(t, "expected a literal" + After() + ", found " + Describe(t));
      }
      const Token& sep = Peek();
      if (sep.kind == Tok::kRBracket) {
        Take();
        return Value(std::move(items));
      }
      if (sep.kind != Tok::kComma)
        Fail(sep, "expected ',' or ']' in the list opened at column " +
                      std::to_string(ColumnOf(text_, open.offset)) + ", found " + Describe(sep));
      Take();
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  // Lookahead, at most two tokens; a deque so that Peek(1) leaves a reference from Peek() valid.
  std::deque<Token> buffer_;
  Token last_;  // the token consumed most recently, for "after 'X'" in messages
  bool has_last_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Expr

std::variant<Expr, ParseError> Expr::ParseDetailed(std::string_view text) {
  if (text.size() > kMaxExprBytes)
    return ParseError{1, "expression is " + std::to_string(text.size()) + " bytes; the limit is " +
                             std::to_string(kMaxExprBytes)};
  try {
    Parser parser(text);
    return Expr(parser.ParseAll());
  } catch (const Failure& f) {
    return ParseError{ColumnOf(text, f.offset), f.message};
  }
}

Result<Expr> Expr::Parse(std::string_view text) {
  auto parsed = ParseDetailed(text);
  if (auto* e = std::get_if<ParseError>(&parsed))
    return Error{ErrorCode::kValidationFailed,
                 "column " + std::to_string(e->column) + ": " + e->message, {}, {}};
  return std::get<Expr>(std::move(parsed));
}

Result<bool> Expr::Evaluate(const Context& ctx) const {
  if (!root_) return Error::Internal("evaluating an empty policy expression");
  return EvalBool(*root_, ctx);
}

std::vector<std::string> Expr::Fields() const {
  std::vector<std::string> out;
  if (!root_) return out;
  std::set<std::string, std::less<>> seen;
  CollectFields(*root_, seen, out);
  return out;
}

std::string Expr::ToString() const {
  std::string out;
  if (root_) Print(*root_, out);
  return out;
}

bool operator==(const Expr& a, const Expr& b) {
  if (!a.root_ || !b.root_) return a.root_ == b.root_;
  return NodesEqual(*a.root_, *b.root_);
}

}  // namespace mamori::policy
