// libFuzzer target for the policy expression language: any bytes must parse or fail cleanly, and
// whatever parses must evaluate, print canonically and re-parse to the same AST.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

#include "policy/expr.hpp"

namespace {

using mamori::policy::Context;
using mamori::policy::Expr;
using mamori::policy::kMaxExprBytes;
using mamori::policy::ParseError;
using mamori::policy::Value;

// A failed invariant is reported as a crash so that libFuzzer saves the input.
void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "invariant failed: %s\ninput: %.*s\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

// Messages and canonical text end up in JSON problem documents, so they must stay valid UTF-8.
bool ValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || n > s.size() - i) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

int CodePoints(std::string_view s) {
  int n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The fields a pack condition typically reads, with one value of every kind.
const Context& MapContext() {
  static const Context* ctx = [] {
    auto* c = new Context();
    c->Set("a", true);
    c->Set("b", false);
    c->Set("n", 2);
    c->Set("s", "lgwan");
    c->Set("z", nullptr);
    c->Set("l", Value::List{1, "lgwan", Value::List{2}, nullptr, true});
    c->Set("asset.confidentiality", 2);
    c->Set("asset.owner_section", "情報政策課");
    c->Set("request.destination", "大阪");
    return c;
  }();
  return *ctx;
}

// Every path resolves to a value derived from its name, so arbitrary paths hit every kind.
const Context& ResolverContext() {
  static const Context* ctx = new Context([](std::string_view path) -> std::optional<Value> {
    std::uint32_t h = 2166136261u;
    for (char c : path) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    switch (h % 7) {
      case 0: return std::nullopt;
      case 1: return Value(static_cast<std::int64_t>(h % 5) - 2);
      case 2: return Value((h >> 3) % 2 == 0);
      case 3: return Value(std::string(path));
      case 4: return Value(Value::List{0, 1, 2, std::string(path)});
      case 5: return Value(nullptr);
      default: return Value(INT64_MIN);
    }
  });
  return *ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto detailed = Expr::ParseDetailed(text);
  auto result = Expr::Parse(text);
  Check(result.ok() == std::holds_alternative<Expr>(detailed), "Parse and ParseDetailed agree",
        text);

  if (auto* err = std::get_if<ParseError>(&detailed)) {
    Check(err->column >= 1 && err->column <= CodePoints(text) + 1, "column within the text", text);
    Check(!err->message.empty() && ValidUtf8(err->message), "message non-empty UTF-8", text);
    Check(result.error().detail.find(err->message) != std::string::npos, "detail carries message",
          text);
    return 0;
  }

  const Expr& e = std::get<Expr>(detailed);
  Check(e == *result, "both parses equal", text);
  auto r1 = e.Evaluate(MapContext());
  auto r2 = e.Evaluate(ResolverContext());
  auto r3 = e.Evaluate(Context());
  Check(r1.ok() && r2.ok() && r3.ok(), "a parsed expression always evaluates", text);

  for (const std::string& f : e.Fields()) Check(!f.empty(), "field paths are non-empty", text);

  std::string canonical = e.ToString();
  Check(ValidUtf8(canonical), "canonical text is UTF-8", text);
  // Canonical text can be longer than the input (`&&` prints as `and`), so it may exceed the
  // byte limit; everything else about the round trip must hold.
  if (canonical.size() > kMaxExprBytes) return 0;
  auto again = Expr::ParseDetailed(canonical);
  Check(std::holds_alternative<Expr>(again), "canonical text re-parses", canonical);
  const Expr& e2 = std::get<Expr>(again);
  Check(e2 == e, "round trip gives an equal AST", text);
  Check(e2.ToString() == canonical, "canonical text is a fixed point", text);
  Check(e2.Fields() == e.Fields(), "round trip keeps the fields", text);
  auto s1 = e2.Evaluate(MapContext());
  auto s2 = e2.Evaluate(ResolverContext());
  Check(s1.ok() && s2.ok() && *s1 == *r1 && *s2 == *r2, "round trip keeps the meaning", text);
  return 0;
}
