// The pack's condition language (`asset.confidentiality >= 2`): parsed once, evaluated safely.
#pragma once

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace mamori::policy {

// Limits that keep a hostile or mistaken pack from exhausting the stack or memory at load:
// the parser recurses once per nesting level, so depth is bounded before the recursion happens.
inline constexpr std::size_t kMaxExprBytes = 4096;
inline constexpr int kMaxExprDepth = 32;  // '(', 'not'/'!' and '[' each open a level
inline constexpr std::size_t kMaxExprListItems = 256;

// The alternatives of Value, in the order of its variant (kind() is the variant index).
enum class ValueKind { kNull, kBool, kInt, kString, kList };

// A field's or a literal's value. Equality is structural across every kind (different kinds are
// never equal; null == null). Ordering exists only between two ints or two strings (strings by
// UTF-8 bytes, which is code point order); any other pair is std::partial_ordering::unordered,
// so `<`, `<=`, `>`, `>=` are all false for it — exactly the language's rule.
class Value {
 public:
  using List = std::vector<Value>;
  using Storage = std::variant<std::monostate, bool, std::int64_t, std::string, List>;

  Value() = default;  // null
  Value(std::nullptr_t) {}  // NOLINT: implicit by design, as for every constructor below
  // A template so that pointers and other scalars never silently turn into a bool.
  template <std::same_as<bool> B>
  Value(B b) : v_(static_cast<bool>(b)) {}  // NOLINT
  // Every integer type that fits int64 (uint64 does not, so it is left out).
  // Character types are left out too: Value('a') meaning 97 would surprise.
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char> && !std::same_as<I, wchar_t> &&
             !std::same_as<I, char8_t> && !std::same_as<I, char16_t> &&
             !std::same_as<I, char32_t> &&
             (std::signed_integral<I> || sizeof(I) < sizeof(std::int64_t)))
  Value(I i) : v_(static_cast<std::int64_t>(i)) {}  // NOLINT
  Value(std::string s) : v_(std::move(s)) {}  // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(const char* s) : v_(std::string(s)) {}  // NOLINT
  Value(List items) : v_(std::move(items)) {}  // NOLINT

  ValueKind kind() const { return static_cast<ValueKind>(v_.index()); }
  bool is_null() const { return kind() == ValueKind::kNull; }
  // Each returns nullptr unless the value is of that kind.
  const bool* AsBool() const { return std::get_if<bool>(&v_); }
  const std::int64_t* AsInt() const { return std::get_if<std::int64_t>(&v_); }
  const std::string* AsString() const { return std::get_if<std::string>(&v_); }
  const List* AsList() const { return std::get_if<List>(&v_); }
  const Storage& storage() const { return v_; }

  // The literal that denotes this value in the language (strings double-quoted and escaped).
  std::string ToString() const;

  friend bool operator==(const Value& a, const Value& b);
  friend std::partial_ordering operator<=>(const Value& a, const Value& b);

 private:
  Storage v_;
};

// What an expression's field paths resolve against. Keys are whole dotted paths
// ("asset.confidentiality"); nothing descends into nested values. Values Set() here win; a path
// not set is passed to the optional fallback Resolver (for callers that resolve lazily, e.g.
// from a loaded asset); a path neither knows is missing, which the language treats as null.
// Reading (Get) is const and safe from many threads as long as the Resolver is.
class Context {
 public:
  using Resolver = std::function<std::optional<Value>(std::string_view path)>;

  Context() = default;
  explicit Context(Resolver fallback) : resolver_(std::move(fallback)) {}

  void Set(std::string path, Value value);
  std::optional<Value> Get(std::string_view path) const;

 private:
  std::map<std::string, Value, std::less<>> values_;
  Resolver resolver_;
};

// Where and why text failed to parse. `column` is 1-based and counts characters (Unicode code
// points) from the start of the expression text; `message` carries no "column N:" prefix so the
// pack loader can prepend its own line and column.
struct ParseError {
  int column = 1;
  std::string message;
};

struct ExprNode;  // defined in expr.cpp; the AST is not part of the interface

// A parsed condition. Immutable once built: copies share the AST through a shared_ptr, and
// Evaluate may run from any number of threads at once.
//
// Precedence, tightest first: not, comparisons, and, or. A comparison straight after a negated
// operand (`not a == b`) is refused: people read it as not (a == b), the precedence says
// (not a) == b, so the author must write the parentheses.
//
// Semantics:
// - a missing field is null; `has(p)` is true when p resolves to a non-null value;
// - `==`/`!=` compare structurally and work for every kind (`x == null` tests absence);
// - `<`, `<=`, `>`, `>=` are true only for int–int and string–string pairs that satisfy them:
//   anything involving null, bools, lists or two different kinds is false, not an error;
// - `x in L` is true when L is a list with an element equal to x, false for a non-list L;
//   `x not in L` is exactly `not (x in L)`, as `!=` is `not (==)`;
// - where a condition is needed (the whole expression, operands of and/or/not) a value counts
//   as true only if it is the bool true, so a bare field path `flag` holds only when flag is
//   true — never for 1, "yes" or a non-empty list. Literals other than true/false are refused
//   at parse time in those places.
class Expr {
 public:
  Expr() = default;  // empty: Evaluate fails, ToString() is "", Fields() is empty

  // A parse error is ErrorCode::kValidationFailed with detail "column N: <message>".
  static Result<Expr> Parse(std::string_view text);
  static std::variant<Expr, ParseError> ParseDetailed(std::string_view text);

  // Fails only for an empty (default-constructed) Expr; every parsed Expr yields a bool.
  // Mind that Result's operator bool means ok(): test the outcome with `*r`, not `if (r)`.
  Result<bool> Evaluate(const Context& ctx) const;

  // Every field path referenced (including inside has()), each once, in order of appearance.
  std::vector<std::string> Fields() const;

  // Canonical text: keywords as words (and/or/not), single spaces around binary operators,
  // strings double-quoted, only the parentheses that precedence requires. Parse(ToString())
  // yields an Expr equal to this one (when the text stays within kMaxExprBytes).
  std::string ToString() const;

  bool empty() const { return root_ == nullptr; }

  // Structural equality of the ASTs (`a and (b and c)` equals `a and b and c`).
  friend bool operator==(const Expr& a, const Expr& b);

 private:
  explicit Expr(std::shared_ptr<const ExprNode> root) : root_(std::move(root)) {}

  std::shared_ptr<const ExprNode> root_;
};

}  // namespace mamori::policy
