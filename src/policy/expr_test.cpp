#include "policy/expr.hpp"

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace mamori::policy {
namespace {

Expr MustParse(std::string_view text) {
  auto e = Expr::Parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error().detail);
  return e.ok() ? *e : Expr();
}

// Evaluates text against ctx; parse failures fail the test.
bool Eval(std::string_view text, const Context& ctx = Context()) {
  Expr e = MustParse(text);
  auto r = e.Evaluate(ctx);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() && *r;
}

ParseError MustFail(std::string_view text) {
  auto r = Expr::ParseDetailed(text);
  if (auto* e = std::get_if<ParseError>(&r)) return *e;
  ADD_FAILURE() << "parsed unexpectedly: " << text << " -> " << std::get<Expr>(r).ToString();
  return {};
}

Context Flags(bool a, bool b, bool c) {
  Context ctx;
  ctx.Set("a", a);
  ctx.Set("b", b);
  ctx.Set("c", c);
  return ctx;
}

// --- values -------------------------------------------------------------------------------------

TEST(ExprValueTest, EqualityAndOrdering) {
  EXPECT_EQ(Value(), Value(nullptr));
  EXPECT_EQ(Value(3), Value(std::int64_t{3}));
  EXPECT_NE(Value(1), Value(true));  // kinds never mix
  EXPECT_NE(Value("1"), Value(1));
  EXPECT_EQ(Value(Value::List{1, "a", Value::List{}}), Value(Value::List{1, "a", Value::List{}}));
  EXPECT_TRUE(Value(1) < Value(2));
  EXPECT_TRUE(Value("abc") < Value("abd"));
  EXPECT_TRUE(Value("あ") < Value("い"));  // code point order
  EXPECT_FALSE(Value(1) < Value("2"));
  EXPECT_FALSE(Value("2") > Value(1));
  EXPECT_FALSE(Value() <= Value());
  EXPECT_FALSE(Value(false) < Value(true));
  EXPECT_EQ(Value(1) <=> Value(Value::List{}), std::partial_ordering::unordered);
  EXPECT_EQ(Value("x").kind(), ValueKind::kString);
  EXPECT_EQ(Value(std::uint32_t{7}).kind(), ValueKind::kInt);
  EXPECT_EQ(Value(Value::List{1, "a\"b\n", nullptr, false}).ToString(),
            "[1, \"a\\\"b\\n\", null, false]");
}

// --- precedence ---------------------------------------------------------------------------------

TEST(ExprTest, AndBindsTighterThanOr) {
  // a or (b and c) is true here; (a or b) and c would be false.
  EXPECT_TRUE(Eval("a or b and c", Flags(true, false, false)));
  EXPECT_FALSE(Eval("(a or b) and c", Flags(true, false, false)));
  EXPECT_TRUE(Eval("b and c or a", Flags(true, false, false)));
  EXPECT_EQ(MustParse("a or b and c").ToString(), "a or b and c");
  EXPECT_EQ(MustParse("(a or b) and c").ToString(), "(a or b) and c");
}

TEST(ExprTest, NotBindsTighterThanAndOr) {
  // (not a) and b, not not (a and b).
  EXPECT_FALSE(Eval("not a and b", Flags(false, false, false)));
  EXPECT_TRUE(Eval("not (a and b)", Flags(false, false, false)));
  EXPECT_TRUE(Eval("not a or b", Flags(false, false, false)));
  EXPECT_FALSE(Eval("not (a or b)", Flags(true, false, false)));
  EXPECT_TRUE(Eval("not not a", Flags(true, false, false)));
  EXPECT_EQ(MustParse("not a and b").ToString(), "not a and b");
  EXPECT_EQ(MustParse("not (a and b)").ToString(), "not (a and b)");
}

TEST(ExprTest, ComparisonsBindTighterThanAndOr) {
  Context ctx;
  ctx.Set("x", 1);
  ctx.Set("y", 2);
  EXPECT_TRUE(Eval("x == 1 and y == 2", ctx));
  EXPECT_TRUE(Eval("x == 5 or y == 2 and x < y", ctx));
  EXPECT_FALSE(Eval("(x == 5 or y == 2) and x > y", ctx));
  EXPECT_TRUE(Eval("not (x == 5)", ctx));
  EXPECT_TRUE(Eval("(not a) == true", ctx));  // a missing: not null is true
}

TEST(ExprTest, NotBeforeComparisonNeedsParentheses) {
  // `not x == 1` would mean (not x) == 1 by precedence but reads as not (x == 1): refused.
  ParseError e = MustFail("not x == 1");
  EXPECT_EQ(e.column, 7);
  EXPECT_NE(e.message.find("ambiguous '=='"), std::string::npos) << e.message;
  EXPECT_EQ(MustFail("!x in [1]").column, 4);
  EXPECT_EQ(MustFail("not x not in [1]").column, 7);
  EXPECT_EQ(MustFail("not not x >= 2").column, 11);
  EXPECT_EQ(MustFail("x == not y").column, 6);
  EXPECT_EQ(MustParse("(not x) == true").ToString(), "(not x) == true");
  EXPECT_EQ(MustParse("x == (not y)").ToString(), "x == (not y)");
}

TEST(ExprTest, SymbolicOperatorsEqualWords) {
  EXPECT_EQ(MustParse("!a && b || c"), MustParse("not a and b or c"));
  EXPECT_EQ(MustParse("a&&b||!c").ToString(), "a and b or not c");
  EXPECT_EQ(MustParse("!(a||b)").ToString(), "not (a or b)");
}

// --- operators ----------------------------------------------------------------------------------

TEST(ExprTest, EveryComparisonOperator) {
  Context ctx;
  ctx.Set("asset.confidentiality", 2);
  ctx.Set("asset.owner_section", "情報政策課");
  struct Case {
    const char* text;
    bool want;
  } cases[] = {
      {"asset.confidentiality == 2", true},  {"asset.confidentiality == 3", false},
      {"asset.confidentiality != 3", true},  {"asset.confidentiality != 2", false},
      {"asset.confidentiality < 3", true},   {"asset.confidentiality < 2", false},
      {"asset.confidentiality <= 2", true},  {"asset.confidentiality <= 1", false},
      {"asset.confidentiality > 1", true},   {"asset.confidentiality > 2", false},
      {"asset.confidentiality >= 2", true},  {"asset.confidentiality >= 3", false},
      {"2 <= asset.confidentiality", true},  {"-1 < 0", true},
      {"asset.owner_section == \"情報政策課\"", true}, {"asset.owner_section != '情報政策課'", false},
      {"'abc' < 'abd'", true},               {"'b' >= 'a'", true},
      {"'' < 'a'", true},                    {"true == true", true},
      {"false != true", true},               {"null == null", true},
      {"[1, 'a'] == [1, 'a']", true},        {"[1] != [1, 2]", true},
  };
  for (const auto& c : cases) EXPECT_EQ(Eval(c.text, ctx), c.want) << c.text;
}

TEST(ExprTest, StringsEscapesAndJapanese) {
  Context ctx;
  ctx.Set("s", "say \"hi\"\\it's\nnext");
  EXPECT_TRUE(Eval(R"(s == "say \"hi\"\\it's\nnext")", ctx));
  EXPECT_TRUE(Eval(R"(s == 'say "hi"\\it\'s\nnext')", ctx));
  ctx.Set("title", "神戸市情報セキュリティ対策基準");
  EXPECT_TRUE(Eval("title == \"神戸市情報セキュリティ対策基準\"", ctx));
  EXPECT_TRUE(Eval("title in ['機密', \"神戸市情報セキュリティ対策基準\"]", ctx));
  // UTF-8 is kept byte for byte in the AST and in the canonical text.
  Expr e = MustParse("title == '機密性３・完全性２'");
  EXPECT_EQ(e.ToString(), "title == \"機密性３・完全性２\"");
  EXPECT_EQ(MustParse(R"(x == 'it\'s "q" \\ \n')").ToString(), R"(x == "it's \"q\" \\ \n")");
}

TEST(ExprTest, InLiteralListsFieldsAndNotIn) {
  Context ctx;
  ctx.Set("zone", "lgwan");
  ctx.Set("level", 3);
  ctx.Set("allowed", Value::List{"internet", "lgwan"});
  ctx.Set("nested", Value::List{Value::List{1, 2}, 3});
  ctx.Set("not_a_list", "lgwan");
  EXPECT_TRUE(Eval("zone in ['internet', 'lgwan']", ctx));
  EXPECT_FALSE(Eval("zone in ['mynumber']", ctx));
  EXPECT_TRUE(Eval("zone not in ['mynumber']", ctx));
  EXPECT_FALSE(Eval("zone not in ['lgwan']", ctx));
  EXPECT_TRUE(Eval("level in [1, 2, 3]", ctx));
  EXPECT_FALSE(Eval("level in ['3']", ctx));  // no coercion
  EXPECT_FALSE(Eval("level in []", ctx));
  EXPECT_TRUE(Eval("zone in allowed", ctx));
  EXPECT_TRUE(Eval("[1, 2] in nested", ctx));
  EXPECT_TRUE(Eval("3 in nested", ctx));
  EXPECT_FALSE(Eval("zone in not_a_list", ctx));  // `in` a non-list is false
  EXPECT_TRUE(Eval("zone not in not_a_list", ctx));  // and `not in` is its negation
  EXPECT_FALSE(Eval("zone in missing", ctx));
  EXPECT_TRUE(Eval("missing in [null]", ctx));
  EXPECT_TRUE(Eval("x in [[1, [2]], 3] or true", ctx));
}

TEST(ExprTest, Has) {
  Context ctx;
  ctx.Set("request.destination", "大阪");
  ctx.Set("request.carrier", nullptr);
  ctx.Set("request.count", 0);
  EXPECT_TRUE(Eval("has(request.destination)", ctx));
  EXPECT_TRUE(Eval("has( request.count )", ctx));
  EXPECT_FALSE(Eval("has(request.carrier)", ctx));  // null counts as absent
  EXPECT_FALSE(Eval("has(request.missing)", ctx));
  EXPECT_TRUE(Eval("not has(request.missing) and has(request.destination)", ctx));
  EXPECT_TRUE(Eval("has(request.count) == true", ctx));
}

TEST(ExprTest, MissingFieldsAreNull) {
  Context ctx;
  EXPECT_TRUE(Eval("x == null", ctx));
  EXPECT_FALSE(Eval("x != null", ctx));
  EXPECT_FALSE(Eval("x == 0", ctx));
  EXPECT_TRUE(Eval("x != 0", ctx));
  for (const char* op : {"<", "<=", ">", ">="}) {
    EXPECT_FALSE(Eval(std::string("x ") + op + " 1", ctx)) << op;
    EXPECT_FALSE(Eval(std::string("x ") + op + " null", ctx)) << op;
    EXPECT_FALSE(Eval(std::string("null ") + op + " null", ctx)) << op;
  }
  EXPECT_FALSE(Eval("x", ctx));
  EXPECT_TRUE(Eval("not x", ctx));
  EXPECT_TRUE(Eval("x == y", ctx));  // both missing, both null
}

TEST(ExprTest, TypeMismatchesAreFalseNotErrors) {
  Context ctx;
  ctx.Set("n", 2);
  ctx.Set("s", "2");
  ctx.Set("b", true);
  ctx.Set("l", Value::List{2});
  EXPECT_FALSE(Eval("n == s", ctx));
  EXPECT_TRUE(Eval("n != s", ctx));
  EXPECT_FALSE(Eval("n < s", ctx));
  EXPECT_FALSE(Eval("n >= s", ctx));
  EXPECT_FALSE(Eval("s > 1", ctx));
  EXPECT_FALSE(Eval("b > false", ctx));  // bools have no order
  EXPECT_FALSE(Eval("b == 1", ctx));
  EXPECT_FALSE(Eval("l >= [1]", ctx));
  EXPECT_FALSE(Eval("l == 2", ctx));
  EXPECT_FALSE(Eval("(n > 1) > false", ctx));
}

TEST(ExprTest, BareFieldHoldsOnlyForBoolTrue) {
  for (const Value& v : {Value(true), Value(false), Value(1), Value(0), Value("true"), Value(""),
                         Value(Value::List{true}), Value()}) {
    Context ctx;
    ctx.Set("flag", v);
    bool want = v == Value(true);
    EXPECT_EQ(Eval("flag", ctx), want) << v.ToString();
    EXPECT_EQ(Eval("not flag", ctx), !want) << v.ToString();
    EXPECT_EQ(Eval("flag and true", ctx), want) << v.ToString();
  }
  EXPECT_TRUE(Eval("true"));
  EXPECT_FALSE(Eval("false"));
}

TEST(ExprTest, ContextResolverFallback) {
  int calls = 0;
  Context ctx([&calls](std::string_view path) -> std::optional<Value> {
    ++calls;
    if (path == "asset.confidentiality") return Value(3);
    return std::nullopt;
  });
  ctx.Set("asset.integrity", 1);
  EXPECT_TRUE(Eval("asset.confidentiality == 3 and asset.integrity == 1", ctx));
  EXPECT_EQ(calls, 1);  // Set values never reach the resolver
  EXPECT_TRUE(Eval("not has(asset.availability)", ctx));
  ctx.Set("asset.confidentiality", 1);  // a set value overrides the resolver
  EXPECT_TRUE(Eval("asset.confidentiality == 1", ctx));
}

TEST(ExprTest, IntegerLimits) {
  Context ctx;
  ctx.Set("max", std::numeric_limits<std::int64_t>::max());
  ctx.Set("min", std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(Eval("max == 9223372036854775807", ctx));
  EXPECT_TRUE(Eval("min == -9223372036854775808", ctx));
  EXPECT_TRUE(Eval("min < max", ctx));
  EXPECT_TRUE(Eval("-0 == 0 and 007 == 7", ctx));
  ParseError e = MustFail("x == 9223372036854775808");
  EXPECT_EQ(e.column, 6);
  EXPECT_NE(e.message.find("out of range"), std::string::npos);
  EXPECT_EQ(MustFail("x == -9223372036854775809").column, 6);
  EXPECT_EQ(MustFail("x == 99999999999999999999999999").column, 6);
}

// --- parse errors -------------------------------------------------------------------------------

TEST(ExprTest, ParseErrorIsValidationFailedWithColumn) {
  auto r = Expr::Parse("request.lvl >= ");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(r.error().detail,
            "column 16: expected a value after '>=', found the end of the expression");
  auto d = Expr::ParseDetailed("request.lvl >= ");
  ASSERT_TRUE(std::holds_alternative<ParseError>(d));
  EXPECT_EQ(std::get<ParseError>(d).column, 16);
  EXPECT_EQ(std::get<ParseError>(d).message,
            "expected a value after '>=', found the end of the expression");
}

TEST(ExprTest, EachParseErrorNamesItsColumn) {
  struct Case {
    const char* text;
    int column;
    const char* message;  // a fragment of the message
  } cases[] = {
      {"", 1, "expected a condition, found the end of the expression"},
      {"   ", 4, "expected a condition"},
      {"a ==", 5, "expected a value after '=='"},
      {"a and", 6, "expected a condition after 'and'"},
      {"a || ", 6, "expected a condition after '||'"},
      {"not", 4, "expected a condition after 'not'"},
      {"a = 1", 3, "expected '=='"},
      {"a & b", 3, "expected '&&'"},
      {"a | b", 3, "expected '||'"},
      {"(a == 1", 8, "expected ')' to close the '(' at column 1"},
      {"a == 1)", 7, "unmatched ')'"},
      {"a b", 3, "expected an operator after field 'a', found field 'b'"},
      {"x == 'a' 'y'", 10, "expected an operator after a string, found a string"},
      {"(x == 'a' 'y')", 11, "expected ')' to close the '(' at column 1, found a string"},
      {"a == 1 2", 8, "expected an operator"},
      {"a == 1 == 2", 8, "comparisons cannot be chained"},
      {"a in 5", 6, "expected a list or a field path after 'in', found number 5"},
      {"a in 'x'", 6, "expected a list or a field path after 'in'"},
      {"a not b", 3, "expected 'and', 'or' or the end"},
      {"[1, 2", 6, "expected ',' or ']' in the list opened at column 1"},
      {"x in [1,]", 9, "expected a literal after ','"},
      {"x in [1 2]", 9, "expected ',' or ']'"},
      {"x in [y]", 7, "a list literal holds only literals, found field 'y'"},
      {"has x", 5, "expected '(' after 'has'"},
      {"has()", 5, "expected a field path inside has(...)"},
      {"has(x", 6, "expected ')' after the field path of has(...)"},
      {"has(x, y)", 6, "expected ')'"},
      {"len(x) > 1", 1, "unknown function 'len'"},
      {"x == \"abc", 6, "unterminated string"},
      {"x == 'abc\\", 6, "unterminated string"},
      {"x == \"a\\tb\"", 8, "unknown escape"},
      {"x == \"a\tb\"", 8, "control character in string"},
      {"x == 1.5", 7, "malformed number"},
      {"x == 12ab", 8, "malformed number"},
      {"x == - 1", 6, "'-' must be followed by a digit"},
      {"x + 1 > 2", 3, "there is no arithmetic"},
      {"a.b. == 1", 5, "expected a field name after '.'"},
      {"a..b", 3, "expected a field name after '.'"},
      {"a.1b", 3, "expected a field name after '.'"},
      {"not.x", 1, "'not' is a keyword and cannot start a field path"},
      {"5", 1, "expected a condition, found a number"},
      {"a and 'x'", 7, "expected a condition, found a string"},
      {"null or a", 1, "expected a condition, found null"},
      {"not [1]", 5, "expected a condition, found a list"},
      {"(1) and a", 1, "expected a condition, found a number"},
      {"x == 1 @", 8, "unexpected character '@'"},
      {"x \x01", 3, "unexpected control character 0x01"},
      {"x == \"\xff\"", 7, "invalid UTF-8 in string"},
      {"x == \"\xe6\x9c\"", 7, "invalid UTF-8 in string"},
      {"x \xc0\x80", 3, "invalid UTF-8"},
      {"x ＝＝ 1", 3, "full-width character '＝'"},
      // Columns count characters, not bytes: "機密" is two columns though six bytes.
      {"s == \"機密\" and", 14, "expected a condition after 'and'"},
      {"s == \"機密\" 機", 11, "unexpected character '機'"},
  };
  for (const auto& c : cases) {
    ParseError e = MustFail(c.text);
    EXPECT_EQ(e.column, c.column) << "[" << c.text << "] " << e.message;
    EXPECT_NE(e.message.find(c.message), std::string::npos)
        << "[" << c.text << "] got: " << e.message;
    auto r = Expr::Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().detail, "column " + std::to_string(e.column) + ": " + e.message);
  }
}

TEST(ExprTest, ErrorsAreReportedInTextOrder) {
  // The missing operand comes before the unterminated string, so it is what is reported.
  EXPECT_EQ(MustFail("a == and \"open").column, 6);
}

// --- limits -------------------------------------------------------------------------------------

TEST(ExprTest, TextLengthLimit) {
  std::string ok = "x == '" + std::string(kMaxExprBytes - 7, 'a') + "'";
  ASSERT_EQ(ok.size(), kMaxExprBytes);
  EXPECT_TRUE(Expr::Parse(ok).ok());
  ParseError e = MustFail(ok + " ");
  EXPECT_EQ(e.column, 1);
  EXPECT_NE(e.message.find("limit is 4096"), std::string::npos) << e.message;
}

TEST(ExprTest, NestingLimit) {
  auto parens = [](int n) { return std::string(n, '(') + "a" + std::string(n, ')'); };
  EXPECT_TRUE(Expr::Parse(parens(kMaxExprDepth)).ok());
  ParseError e = MustFail(parens(kMaxExprDepth + 1));
  EXPECT_EQ(e.column, kMaxExprDepth + 1);
  EXPECT_NE(e.message.find("nesting deeper than 32"), std::string::npos) << e.message;

  std::string nots;
  for (int i = 0; i < kMaxExprDepth; ++i) nots += "not ";
  EXPECT_TRUE(Expr::Parse(nots + "a").ok());
  EXPECT_EQ(MustFail(nots + "not a").column, 4 * kMaxExprDepth + 1);
  EXPECT_EQ(MustFail(std::string(5000, '!') + "a").column, 1);  // the byte limit comes first
  EXPECT_EQ(MustFail(std::string(kMaxExprDepth + 1, '!') + "a").column, kMaxExprDepth + 1);

  auto lists = [](int n) { return "x in " + std::string(n, '[') + std::string(n, ']'); };
  EXPECT_TRUE(Expr::Parse(lists(kMaxExprDepth)).ok());
  EXPECT_EQ(MustFail(lists(kMaxExprDepth + 1)).column, 6 + kMaxExprDepth);

  // Levels of different kinds add up.
  EXPECT_TRUE(Expr::Parse(std::string(16, '(') + "x in " + std::string(16, '[') +
                          std::string(16, ']') + std::string(16, ')'))
                  .ok());
  EXPECT_FALSE(Expr::Parse(std::string(16, '(') + "x in " + std::string(17, '[') +
                           std::string(17, ']') + std::string(16, ')'))
                   .ok());
}

TEST(ExprTest, ListItemLimit) {
  auto list = [](std::size_t n) {
    std::string s = "x in [";
    for (std::size_t i = 0; i < n; ++i) s += (i ? ",1" : "1");
    return s + "]";
  };
  EXPECT_TRUE(Expr::Parse(list(kMaxExprListItems)).ok());
  ParseError e = MustFail(list(kMaxExprListItems + 1));
  EXPECT_EQ(e.column, static_cast<int>(6 + 2 * kMaxExprListItems + 1));
  EXPECT_NE(e.message.find("more than 256 items"), std::string::npos) << e.message;
}

// --- canonical text -----------------------------------------------------------------------------

TEST(ExprTest, ToStringIsCanonicalAndRoundTrips) {
  struct Case {
    const char* text;
    const char* canonical;
  } cases[] = {
      {"asset.confidentiality>=2", "asset.confidentiality >= 2"},
      {"a&&b||!c", "a and b or not c"},
      {"(a or b) and (c or d)", "(a or b) and (c or d)"},
      {"a and (b and (c and d))", "a and b and c and d"},
      {"((a or b)) or c", "a or b or c"},
      {"not (not (a))", "not not a"},
      {"!(x == 1)", "not (x == 1)"},
      {"(not x) != (y < 2)", "(not x) != (y < 2)"},
      {"(a and b) == (c or d)", "(a and b) == (c or d)"},
      {"x in[ 1 ,'two',[ ],null,true,[false] ]", "x in [1, \"two\", [], null, true, [false]]"},
      {"x not in y.z", "x not in y.z"},
      {"not (x in [1])", "not (x in [1])"},
      {"has( a.b )and not has(c)", "has(a.b) and not has(c)"},
      {"x == -9223372036854775808", "x == -9223372036854775808"},
      {"x == 'it\\'s \"機密\"\\n\\\\'", "x == \"it's \\\"機密\\\"\\n\\\\\""},
      {"\n\ta == 1\r\n", "a == 1"},
      {"x == (1)", "x == 1"},
      {"request.in == 1", "request.in == 1"},  // keywords are fine after the first segment
      {"true", "true"},
  };
  for (const auto& c : cases) {
    Expr e = MustParse(c.text);
    EXPECT_EQ(e.ToString(), c.canonical) << c.text;
    Expr again = MustParse(e.ToString());
    EXPECT_EQ(again, e) << c.text;
    EXPECT_EQ(again.ToString(), e.ToString()) << c.text;
  }
  EXPECT_FALSE(MustParse("a and b") == MustParse("a or b"));
  EXPECT_FALSE(MustParse("x == 1") == MustParse("x == '1'"));
  EXPECT_FALSE(MustParse("x < 1") == MustParse("x <= 1"));
  EXPECT_FALSE(MustParse("x in y") == MustParse("x not in y"));
  EXPECT_FALSE(MustParse("has(x)") == MustParse("x"));
}

TEST(ExprTest, FieldsListsEachPathOnceInOrder) {
  Expr e = MustParse(
      "asset.confidentiality >= 2 and (has(request.carrier) or asset.confidentiality == 3) "
      "and request.destination not in asset.allowed and 'x' in ['x']");
  EXPECT_EQ(e.Fields(), (std::vector<std::string>{"asset.confidentiality", "request.carrier",
                                                  "request.destination", "asset.allowed"}));
  EXPECT_TRUE(MustParse("true").Fields().empty());
}

TEST(ExprTest, EmptyExpr) {
  Expr e;
  EXPECT_TRUE(e.empty());
  EXPECT_FALSE(e.Evaluate(Context()).ok());
  EXPECT_EQ(e.ToString(), "");
  EXPECT_TRUE(e.Fields().empty());
  EXPECT_EQ(e, Expr());
  EXPECT_FALSE(e == MustParse("true"));
}

// --- concurrency --------------------------------------------------------------------------------

TEST(ExprTest, EvaluatesFromManyThreads) {
  const Expr shared = MustParse(
      "asset.confidentiality >= 2 and asset.zone in ['lgwan', 'internet'] and not has(x) or "
      "asset.title == '機密'");
  constexpr int kThreads = 8;
  constexpr int kRounds = 5000;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&shared, &mismatches, t] {
      Expr copy = shared;  // copies share the AST
      for (int i = 0; i < kRounds; ++i) {
        int level = (t + i) % 4;
        Context ctx;
        ctx.Set("asset.confidentiality", level);
        ctx.Set("asset.zone", i % 2 ? "lgwan" : "mynumber");
        const Expr& e = i % 2 ? copy : shared;
        auto r = e.Evaluate(ctx);
        bool want = level >= 2 && i % 2 == 1;
        if (!r.ok() || *r != want) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace mamori::policy
