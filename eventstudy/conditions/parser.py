"""Parser: tokens -> AST, by recursive descent over the grammar in DESIGN.md.

::

    condition  := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | primary
    primary    := ("(" condition ")" | test | "first" primary "in" N days | "on" EVENTS) modifier*
    test       := SERIES "at" level | value "at" level | value compare value | value "crosses" ("above"|"below") value
                | value "is" ["not"] (N | MONTH | WEEKDAY)
    modifier   := ("for" | "within") N days | N days "ago"
    days       := "days" | "day"
    level      := "ATH" | "ATL" | N ["-"] ("day"|"week"|"month"|"year")["s"] ("high" | "low")
    value      := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | atom [N days "ago"]      (not after a bare number)
    atom       := NUMBER ["%"] | "(" value ")" [FEATURE [args]] | SERIES [FEATURE [args]] | "breadth" "(" condition ")" [FEATURE [args]]
    args       := "(" [INT ("," INT)*] ")"

Features and levels of expressions (``(SPX / RUT) sma(50)``, ``NDX / SPX at 52-week
high``) treat the expression as a series of its own, named by its canonical text in
parentheses; they print back as ``(NDX / SPX) at 52-week high``.

Two small extensions of DESIGN's grammar: a parenthesized condition may take a modifier
(``(A or B) for 3 days``) and modifiers may repeat (``A for 3 days within 10 days``);
both are needed so every tree prints to text that parses back. A ``(`` at the start of a
test is ambiguous (a grouped condition or a parenthesized value): the parser first reads
a value and keeps it only if a comparison or ``crosses`` follows.

``N days ago`` after a value shifts the value (``SPX close 1 day ago``); after a test,
the test (``SPX at ATH 5 days ago``, ``(SPX < SPX sma(200)) 5 days ago``).

Series and feature names are not checked here (see :func:`~eventstudy.conditions.resolve`);
keywords (``and``, ``or``, ``not``, ``at``, ``crosses``, ``above``, ``below``, ``for``,
``within``, ``ago``, ``first``, ``in``, ``is``, ``on``, ``breadth``) cannot be series or feature names.
"""

from __future__ import annotations

from dataclasses import fields, replace
from decimal import Decimal
from typing import NoReturn

from eventstudy.conditions.ast import (
    _NODE_TYPES,
    MONTHS,
    SELF,
    WEEKDAYS,
    Ago,
    And,
    AtLevel,
    BinOp,
    Breadth,
    Compare,
    Crosses,
    FeatureRef,
    First,
    Modified,
    Neg,
    Node,
    Not,
    Number,
    OnEvents,
    Or,
    Value,
)
from eventstudy.conditions.printer import derived_name, number_text
from eventstudy.conditions.tokens import (
    KEYWORDS,
    UNITS,
    Token,
    TokenType,
    tokenize,
    window_days,
    with_foreign_letters,
)
from eventstudy.errors import ConditionSyntaxError, did_you_mean

__all__ = ["parse", "window_days"]

_COMPARE_LIST = "(>, >=, <, <=, ==, !=)"
_LEVELS = "ATH, ATL, N-day high or N-day low"
_FLAG_LEVELS = {"at_ath": "at ATH", "at_atl": "at ATL", "at_high": "at {}-day high", "at_low": "at {}-day low"}
"""The tests behind ``SERIES at LEVEL`` (``eventstudy list features`` names them), as written."""


MAX_DAYS = 100_000
"""The largest window, argument or number of days a condition may name."""

MAX_NUMBER_CHARS = 40
"""A number's characters at most, as written and, for one with an exponent, written out in full."""

MAX_NESTING = 64
"""Brackets, ``not``s and minus signs nested inside each other, at most."""

MAX_DEPTH = 256
"""Levels of the condition's tree at most (a chain of N ``and``s is N levels): every later
stage walks the tree recursively, and this keeps it far from Python's recursion limit."""


def parse(text: str) -> Node:
    """Parse a condition's text into its AST (names are checked later, by ``resolve``).

    Raises :class:`~eventstudy.errors.ConditionSyntaxError` with a span on the offending
    token and what was expected there.

    >>> parse("SPX at ATH and RUT drawdown >= 10%")
    And(left=AtLevel(series='SPX', level='ath', n=None), right=Compare(left=FeatureRef(series='RUT', feature='drawdown', args=()), op='>=', right=Number(value=10.0, percent=True)))
    """
    try:
        node = _Parser(text).parse()
    except ConditionSyntaxError as error:
        raise with_foreign_letters(error, text) from None
    depth, deepest = _depth(node)
    if depth > MAX_DEPTH:
        raise ConditionSyntaxError(
            f"the condition is {depth} levels deep; at most {MAX_DEPTH}",
            span=deepest.span,
            source=text,
            hint="split a long chain of 'and'/'or' terms into a few studies, or simplify it",
        )
    return node


def _scientific(text: str) -> tuple[Decimal, int, int]:
    """A number's mantissa, exponent and the power of ten of its first digit (``'2.5e-3'``
    -> 2.5, -3, -3), without building the number (``1e999999999999`` is fine)."""
    mantissa, _, exponent = text.lower().partition("e")
    digits, power = Decimal(mantissa), int(exponent or 0)
    return digits, power, digits.adjusted() + power


def _written_out_fits(text: str) -> bool:
    """Whether the number ``text`` (``1e-3``) prints back in full (``0.001``, the printer's
    form, which never has an exponent) in at most :data:`MAX_NUMBER_CHARS` characters: so
    every number read here prints to text that is read back."""
    if "e" not in text.lower():
        return True  # plain: at most MAX_NUMBER_CHARS as written, checked before
    digits, power, first = _scientific(text)
    if digits == 0:
        return True
    return abs(first) < MAX_NUMBER_CHARS and len(number_text(float(digits.scaleb(power)))) <= MAX_NUMBER_CHARS


def _in_digits(text: str) -> str | None:
    """A whole number written with an exponent (``1e3``) in digits (``'1000'``); None for
    one that is not whole (``2.5``, ``1e-3``) or too large to be a count."""
    digits, power, first = _scientific(text)
    if digits == 0:
        return "0"
    if not 0 <= first <= 12 or (exact := digits.scaleb(power)) != exact.to_integral_value():
        return None
    return str(int(exact))


def _depth(root: Node) -> tuple[int, Node | Value]:
    """The tree's depth and its deepest node (iteratively: any depth is safe here)."""
    deepest: tuple[int, Node | Value] = (1, root)
    stack: list[tuple[Node | Value, int]] = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level > deepest[0]:
            deepest = (level, node)
        for f in fields(node):
            child = getattr(node, f.name)
            if isinstance(child, _NODE_TYPES):
                stack.append((child, level + 1))
    return deepest


#: Short forms of a level's unit, and the unit to write (``52w high`` is ``52-week high``).
_UNIT_ABBREVIATIONS = {"d": "day", "w": "week", "wk": "week", "wks": "week", "m": "month", "mo": "month", "mth": "month", "y": "year", "yr": "year", "yrs": "year"}

_NUMBER_WORDS = {w: i for i, w in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"), start=1)}
"""Numbers written as words, which a hint turns into the digits the language reads."""


class _Parser:
    """Recursive descent over one condition's tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.nesting = 0

    def enter(self) -> None:
        """One level deeper (a bracket, 'not', a minus); refused past :data:`MAX_NESTING`."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            self.error(f"the condition nests more than {MAX_NESTING} levels deep here", self.tok.span, hint="remove redundant brackets")

    # --- token helpers ---------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.type is not TokenType.END:
            self.pos += 1
        return token

    @staticmethod
    def word(token: Token) -> str | None:
        """The lower-cased word, or None for a non-word token."""
        return token.text.lower() if token.type is TokenType.WORD else None

    def error(self, message: str, span: tuple[int, int], hint: str | None = None) -> NoReturn:
        raise ConditionSyntaxError(message, span=span, source=self.text, hint=hint)

    def unexpected(self, expected: str, hint: str | None = None) -> NoReturn:
        """'expected X, got Y' at the current token (or 'unexpected end ...' at the end)."""
        token = self.tok
        if token.type is TokenType.END:
            after = ""
            if self.pos and " after " not in expected:
                after = f" after {self.tokens[self.pos - 1].text!r}"
            self.error(f"unexpected end of condition, expected {expected}{after}", token.span, hint)
        self.error(f"expected {expected}, got {token.text!r}", token.span, hint)

    def source_of(self, node: Node | Value) -> str:
        return self.text[node.span[0] : node.span[1]]

    # --- conditions ------------------------------------------------------------

    def parse(self) -> Node:
        if self.tok.type is TokenType.END:
            self.error("empty condition", (0, len(self.text)), hint="write a test such as 'SPX at ATH'")
        node = self.parse_or()
        token = self.tok
        if token.type is TokenType.RPAREN:
            self.error("unbalanced parenthesis: ')' without a matching '('", token.span)
        if token.type is not TokenType.END:
            self.error(f"unexpected {token.text!r} after a complete condition", token.span, hint=self.trailing_hint())
        return node

    def trailing_hint(self) -> str:
        """What to write for words after a complete condition: 'in the last 5 days' and 'in
        a row' are no modifiers of the language, whose own would be misread as a second test."""
        rest = self.tokens[self.pos : self.pos + 5]
        if self.word(rest[0]) == "in":
            if [self.word(t) for t in rest[1:3]] == ["a", "row"]:
                before = self.tokens[max(self.pos - 3, 0) : self.pos]
                modifier = self.word(before[0]) if len(before) == 3 and before[1].type is TokenType.NUMBER else None
                if modifier == "within":  # deleting 'in a row' would leave 'on at least one of the days'
                    days = before[1].text
                    return f"'within {days} days' holds on at least one of the last {days} days: write 'for {days} days' (on each of them, in a row) and delete 'in a row'"
                if modifier != "for":
                    return "write 'for N days' instead: 'X for N days' holds where X held on each of the last N days, in a row"
                return "'for N days' already means on each of the last N days, in a row: delete 'in a row'"
            n = next((t.text for t in rest[1:4] if t.type is TokenType.NUMBER), None)
            n = n or next((str(_NUMBER_WORDS[w]) for w in map(self.word, rest[1:4]) if w in _NUMBER_WORDS), None)  # 'the last five days'
            if n is not None:
                return f"write 'within {n} days' (on at least one of the last {n} days) or 'for {n} days' (on each of them)"
        return "combine conditions with 'and' or 'or'"

    def parse_or(self) -> Node:
        left = self.parse_and()
        while self.word(self.tok) == "or":
            self.advance()
            right = self.parse_and()
            left = Or(left, right, span=(left.span[0], right.span[1]))
        return left

    def parse_and(self) -> Node:
        left = self.parse_not()
        while self.word(self.tok) == "and":
            self.advance()
            right = self.parse_not()
            left = And(left, right, span=(left.span[0], right.span[1]))
        return left

    def parse_not(self) -> Node:
        if self.word(self.tok) == "not":
            start = self.advance().start
            self.enter()
            operand = self.parse_not()
            self.nesting -= 1
            return Not(operand, span=(start, operand.span[1]))
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.tok
        node: Node
        if token.type is TokenType.LPAREN:
            start, nesting = self.pos, self.nesting
            failed: ConditionSyntaxError | None = None
            try:
                value: Value | None = self.parse_value()
            except ConditionSyntaxError as error:
                value, failed = None, error
            if value is not None and self.starts_comparison():
                node = self.finish_test(value)
            else:
                self.pos, self.nesting = start, nesting
                try:
                    node = self.parse_group()
                except ConditionSyntaxError as error:
                    # neither reading fits: an unclosed '(' says so; otherwise report the
                    # reading that got further, e.g. into `(SPX / RUT) sma(50 > 1`
                    further = failed is not None and (failed.span or (0, 0))[0] > (error.span or (0, 0))[0]
                    if failed is not None and further and not str(error.message).startswith("unbalanced"):
                        raise failed from None
                    raise
        elif self.word(token) == "first":
            node = self.parse_first()
        elif self.word(token) == "on":
            self.advance()
            name = self.tok
            if name.type is not TokenType.WORD or self.word(name) in KEYWORDS:
                self.unexpected("the name of a set of events after 'on'", hint="declare it under 'events:' and write 'on fomc'")
            self.advance()
            node = OnEvents(name.text, span=(token.start, name.end))
        elif (self.word(token) in KEYWORDS and self.word(token) not in ("not", "breadth")) or token.type is TokenType.END:
            self.unexpected("a condition")
        else:
            node = self.parse_test()
        while self.word(self.tok) in ("for", "within") or self.starts_ago():
            node = self.parse_ago(node) if self.starts_ago() else self.parse_modifier(node)
        return node

    def starts_ago(self) -> bool:
        """``N days ago`` ahead (N a number, then 'day' or 'days', then 'ago')."""
        return (
            self.tok.type is TokenType.NUMBER
            and self.word(self.peek()) in ("day", "days")
            and self.word(self.peek(2)) == "ago"
        )

    def parse_days_ago(self) -> tuple[int, int]:
        """``N days ago``: N and where it ends (``X 0 days ago`` is X)."""
        n = self.whole_number(self.tok, "the number of days", least=0)
        self.advance()
        self.advance()  # day(s)
        return n, self.advance().end

    def parse_ago(self, test: Node) -> Node:
        n, end = self.parse_days_ago()
        return Modified(test, "ago", n, span=(test.span[0], end))

    def parse_first(self) -> Node:
        start = self.advance().start  # "first"
        if self.tok.type is TokenType.END or (self.word(self.tok) in KEYWORDS and self.word(self.tok) not in ("not", "first", "on")):
            self.unexpected("a condition after 'first'", hint="write 'first (SPX at ATH) in 252 days'")
        test = self.parse_not() if self.word(self.tok) == "not" else self.parse_primary()
        if self.word(self.tok) != "in":
            self.unexpected(
                f"'in N days' after 'first {self.source_of(test)}'",
                hint="'first X in 252 days': X holds today and held on none of the 252 days before",
            )
        self.advance()
        token = self.tok
        if token.type is not TokenType.NUMBER:
            self.unexpected("a number of days after 'in'", hint="write 'in 252 days'")
        n = self.whole_number(token, "the number of days")
        self.advance()
        unit = self.tok
        if self.word(unit) not in ("day", "days"):
            self.unexpected(f"'days' after 'in {token.text}'", hint="'first ... in N days' counts trading days")
        self.advance()
        return First(test, n, span=(start, unit.end))

    def parse_group(self) -> Node:
        opening = self.advance()
        self.enter()
        inner = self.parse_or()
        self.nesting -= 1
        token = self.tok
        if token.type is TokenType.RPAREN:
            self.advance()
            return replace(inner, span=(opening.start, token.end))
        if token.type is TokenType.END:
            self.error("unbalanced parenthesis: '(' is never closed", opening.span)
        self.unexpected("')', 'and' or 'or'")

    def parse_modifier(self, test: Node) -> Node:
        keyword = self.advance()
        kind = keyword.text.lower()
        token = self.tok
        if token.type is not TokenType.NUMBER:
            self.unexpected(f"a number of days after {kind!r}", hint=f"write '{kind} 3 days'")
        if self.peek().type is TokenType.PERCENT:
            self.error(
                f"expected a number of days after {kind!r}, got a percent",
                (token.start, self.peek().end),
                hint=f"write '{kind} 3 days'",
            )
        n = self.whole_number(token, "the number of days")
        self.advance()
        unit = self.tok
        if self.word(unit) not in ("day", "days"):
            self.unexpected(
                f"'days' after '{kind} {token.text}'",
                hint="modifiers count trading days: write 'for 3 days' or 'within 10 days'",
            )
        self.advance()
        return Modified(test, kind, n, span=(test.span[0], unit.end))  # type: ignore[arg-type]

    def whole_number(self, token: Token, what: str, least: int = 1) -> int:
        """``token``'s integer value; a decimal, an exponent (``1e3``), one below ``least``
        or more than :data:`MAX_DAYS` is an error naming ``what``."""
        if "." in token.text and "e" not in token.text.lower():
            self.error(f"{what} must be a whole number, got {token.text!r}", token.span)
        if not token.text.isdigit():  # 1e3
            whole = _in_digits(token.text)
            fits = whole is not None and least <= int(whole) <= MAX_DAYS
            hint = f"write {whole}" if fits else f"write a whole number in digits, from {least} to {MAX_DAYS:,}"
            self.error(f"{what} must be written in digits, got {token.text!r}", token.span, hint=hint)
        n = self.bounded(token, what)
        if n < least:
            self.error(f"{what} must be at least {least}, got {n!r}", token.span)
        return n

    # --- tests -----------------------------------------------------------------

    def parse_test(self) -> Node:
        token = self.tok
        if token.type is TokenType.WORD and self.word(self.peek()) == "at":
            return self.parse_level()
        return self.finish_test(self.parse_value())

    def starts_comparison(self) -> bool:
        return self.tok.type is TokenType.COMPARE or self.word(self.tok) in ("crosses", "at", "is")

    def finish_is(self, left: Value) -> Node:
        """``month is December``, ``weekday is not Friday``, ``quarter is 4``: equality with a
        number or a month or weekday name (for ``month`` / ``weekday``)."""
        self.advance()  # "is"
        op = "=="
        if self.word(self.tok) == "not":
            self.advance()
            op = "!="
        token = self.tok
        subject = left.series.lower() if isinstance(left, FeatureRef) and left.feature is None and left.of is None else None
        names = {"month": MONTHS, "weekday": WEEKDAYS}.get(subject or "")
        percent = self.peek().type is TokenType.PERCENT
        if token.type is TokenType.NUMBER and (percent or (not token.text.isdigit() and _in_digits(token.text) is None)):  # 10%, 50.5
            end = self.peek().end if percent else token.end
            shown = self.text[token.start : end]
            self.error(
                f"'is' compares with a whole number or a month or weekday name, got {shown!r}",
                (token.start, end),
                hint=f"write '{self.source_of(left)} {'!=' if op == '!=' else '=='} {shown}' (or '>=', '<', ...)",
            )
        if token.type is TokenType.NUMBER:
            right = Number(float(self.whole_number(token, "the number after 'is'", least=0)), span=token.span)  # 0: a count's (trading_days_left_in_month is 0)
        elif token.type is TokenType.WORD and names is not None:
            word = token.text.lower()
            matches = [i for i, name in enumerate(names) if name == word or (len(word) >= 3 and name.startswith(word))]
            if len(matches) != 1:
                self.error(
                    f"{token.text!r} is not a {subject} name{did_you_mean(word, names)}",
                    token.span,
                    hint=f"write one of {', '.join(n.capitalize() for n in names)}, or a number",
                )
            right = Number(float(matches[0] + 1), span=token.span)
        else:
            what = "a number" if names is None else f"a {subject} name or a number"
            self.unexpected(f"{what} after 'is'", hint="'month is December', 'weekday is Friday', 'quarter is 4'")
        self.advance()
        return Compare(left, op, right, span=(left.span[0], token.end))  # type: ignore[arg-type]

    def finish_test(self, left: Value) -> Node:
        token = self.tok
        if self.word(token) == "is":
            return self.finish_is(left)
        if self.word(token) == "at":  # `NDX / SPX at 52-week high`: the level of an expression
            self.advance()
            if isinstance(left, FeatureRef) and left.feature is None and left.of is None:
                return self.finish_level(left.series, left.span, None)
            if isinstance(left, FeatureRef) and left.of is None and (left.feature or "").lower() == "close" and not left.args:
                # 'SPX close at ATH' is 'SPX at ATH': the series' own high since its first close, not the study calendar's
                return self.finish_level(left.series, left.series_span or left.span, None)
            return self.finish_level(derived_name(left), left.span, left)
        if token.type is TokenType.COMPARE:
            self.advance()
            right = self.parse_value()
            self.refuse_a_chain(left, right)
            return Compare(left, token.text, right, span=(left.span[0], right.span[1]))  # type: ignore[arg-type]
        if self.word(token) == "crosses":
            self.advance()
            direction = self.word(self.tok)
            if direction not in ("above", "below"):
                self.unexpected("'above' or 'below' after 'crosses'")
            self.advance()
            right = self.parse_value()
            self.refuse_a_chain(left, right)
            return Crosses(left, direction, right, span=(left.span[0], right.span[1]))  # type: ignore[arg-type]
        flag = left.feature.lower() if isinstance(left, FeatureRef) and left.feature and left.feature_span else None
        if flag in _FLAG_LEVELS and isinstance(left, FeatureRef) and left.feature_span:  # 'SPX at_ath': a name from the list of tests
            owner = self.text[left.span[0] : left.feature_span[0]].strip() or "close"
            level = _FLAG_LEVELS[flag].format(*(left.args or ("N",)))
            self.error(
                f"{left.feature!r} is the test behind '{owner} {level}', not a word of a condition",
                (left.feature_span[0], left.span[1]),
                hint=f"write it as '{owner} {level}'",
            )
        self.unexpected(
            f"a comparison operator {_COMPARE_LIST} after {self.source_of(left)!r}",
            hint="or 'crosses above' / 'crosses below' and a value",
        )

    def refuse_a_chain(self, left: Value, middle: Value) -> None:
        """``1 < SPX < 2``: a second comparison (or ``crosses``) right after ``left OP middle``
        is an error at its operator, with the two tests joined by 'and' as the hint."""
        second = self.tok
        if second.type is not TokenType.COMPARE and self.word(second) != "crosses":
            return
        first = self.text[left.span[0] : middle.span[1]]
        try:  # the value after the second operator, to write the hint with it
            self.advance()
            if self.word(second) == "crosses" and self.word(self.tok) in ("above", "below"):
                self.advance()
            rest = self.text[second.start : self.parse_value().span[1]]
        except ConditionSyntaxError:
            rest = f"{self.text[second.start : second.end]} ..."
        self.error(
            f"comparisons do not chain: {self.text[second.start : second.end]!r} after {first!r}",
            second.span,
            hint=f"write '{first} and {self.source_of(middle)} {rest}'",
        )

    def parse_level(self) -> Node:
        series = self.advance()
        self.advance()  # "at"
        return self.finish_level(series.text, series.span, None)

    def finish_level(self, series: str, series_span: tuple[int, int], of: Value | None) -> Node:
        """The level after ``SUBJECT at`` (``of``: the subject is an expression)."""
        start = series_span[0]
        token = self.tok
        level = self.word(token)
        if level in ("ath", "atl"):
            self.advance()
            return AtLevel(series, level, None, span=(start, token.end), series_span=series_span, of=of)  # type: ignore[arg-type]
        if token.type is not TokenType.NUMBER:
            self.unexpected(f"a level after 'at' ({_LEVELS})")
        if self.peek().type is TokenType.PERCENT:
            self.error(
                f"expected a level after 'at' ({_LEVELS}), got a percent",
                (token.start, self.peek().end),
            )
        count = self.whole_number(token, "the window of a level")
        self.advance()
        if self.tok.type is TokenType.MINUS:
            self.advance()
        unit = self.word(self.tok)
        if unit not in UNITS:  # '52w high', '52-wk high': after what was written, and the unit it abbreviates
            meant = _UNIT_ABBREVIATIONS.get(unit or "")
            after = self.text[token.start : self.tok.start].rstrip()
            side = next((w for w in (unit, self.word(self.peek())) if w in ("high", "low")), "high")
            self.unexpected(
                f"a unit (day, week, month, year) after {after!r}",
                hint=f"write '{token.text}-{meant} {side}'" if meant else f"e.g. '{token.text}-day {side}' or '{token.text}-week {side}'",
            )
        self.advance()
        kind = self.word(self.tok)
        if kind not in ("high", "low"):
            self.unexpected(f"'high' or 'low' after '{token.text}-{unit}'")
        end = self.advance().end
        if window_days(count, unit) > MAX_DAYS:
            self.error(f"a level's window must be at most {MAX_DAYS:,} trading days (about 400 years)", (token.start, end))
        singular = unit[:-1] if unit.endswith("s") else unit
        return AtLevel(
            series,
            kind,  # type: ignore[arg-type]
            window_days(count, unit),
            span=(start, end),
            series_span=series_span,
            count=count,
            unit=singular,  # type: ignore[arg-type]
            of=of,
        )

    # --- values ----------------------------------------------------------------

    def parse_value(self) -> Value:
        left = self.parse_term()
        while self.tok.type in (TokenType.PLUS, TokenType.MINUS):
            op = self.advance().text
            right = self.parse_term()
            left = BinOp(left, op, right, span=(left.span[0], right.span[1]))  # type: ignore[arg-type]
        return left

    def parse_term(self) -> Value:
        left = self.parse_unary()
        while self.tok.type in (TokenType.STAR, TokenType.SLASH):
            op = self.advance().text
            right = self.parse_unary()
            left = BinOp(left, op, right, span=(left.span[0], right.span[1]))  # type: ignore[arg-type]
        return left

    def parse_unary(self) -> Value:
        if self.tok.type is TokenType.MINUS:
            start = self.advance().start
            self.enter()
            operand = self.parse_unary()
            self.nesting -= 1
            return Neg(operand, span=(start, operand.span[1]))
        atom = self.parse_atom()
        while self.starts_ago() and not isinstance(atom, Number):  # `4000 5 days ago` lags the test, not 4000
            n, end = self.parse_days_ago()
            atom = Ago(atom, n, span=(atom.span[0], end))
        return atom

    def parse_atom(self) -> Value:
        token = self.tok
        if token.type is TokenType.NUMBER:
            if len(token.text) > MAX_NUMBER_CHARS:
                self.error(f"the number {token.text[:20]}... is too long to be a price, a percent or a count", token.span)
            if not _written_out_fits(token.text):
                size = "large" if _scientific(token.text)[2] >= 0 else "small"
                self.error(
                    f"the number {token.text!r} is too {size} to be a price, a percent or a count",
                    token.span,
                    hint=f"written out in full a number takes at most {MAX_NUMBER_CHARS} characters: 1e39 and 1e-38 do, 1e40 and 1e-39 do not",
                )
            self.advance()
            if self.tok.type is TokenType.PERCENT:
                end = self.advance().end
                return Number(float(token.text), True, span=(token.start, end))
            return Number(float(token.text), span=token.span)
        if token.type is TokenType.LPAREN:
            self.advance()
            self.enter()
            inner = self.parse_value()
            self.nesting -= 1
            closing = self.tok
            if closing.type is TokenType.RPAREN:
                self.advance()
                inner = replace(inner, span=(token.start, closing.end))
                if self.tok.type is TokenType.WORD and self.word(self.tok) not in KEYWORDS:
                    return self.parse_derived_feature(inner)
                return inner
            if closing.type is TokenType.END:
                self.error("unbalanced parenthesis: '(' is never closed", token.span)
            self.unexpected("')' or an arithmetic operator")
        if self.word(token) == "breadth":
            breadth = self.parse_breadth()
            if self.tok.type is TokenType.WORD and self.word(self.tok) not in KEYWORDS:  # usable like a series: 'breadth(...) sma(10)'
                return self.parse_derived_feature(breadth)
            return breadth
        if token.type is TokenType.WORD and self.word(token) not in KEYWORDS:
            return self.parse_feature_ref()
        self.unexpected("a value (a series, a number or '(')")

    def parse_breadth(self) -> Breadth:
        """``breadth(condition)``: the share of a universe's stocks for which it holds."""
        start = self.advance().start
        if self.tok.type is not TokenType.LPAREN:
            self.unexpected("'(' after 'breadth'", hint="write breadth(close > sma(50))")
        opening = self.advance()
        self.enter()
        inner = self.parse_or()
        self.nesting -= 1
        closing = self.tok
        if closing.type is not TokenType.RPAREN:
            if closing.type is TokenType.END:
                self.error("unbalanced parenthesis: '(' is never closed", opening.span)
            self.unexpected("')' after the condition of breadth(...)")
        end = self.advance().end
        return Breadth(inner, span=(start, end))

    def parse_derived_feature(self, of: Value) -> FeatureRef:
        """``(SPX / RUT) sma(50)``: a feature of the parenthesized expression ``of``."""
        name = self.advance()
        args, end = self.parse_arguments(name)
        plain = of.feature is None or (of.feature.lower() == "close" and not of.args) if isinstance(of, FeatureRef) else False
        if isinstance(of, FeatureRef) and plain and of.of is None:  # `(SPX) sma(50)` and `(SPX close) sma(50)` are `SPX sma(50)`, as 'SPX close at ATH' is 'SPX at ATH'
            return FeatureRef(of.series, name.text.lower(), args, span=(of.span[0], end), series_span=of.series_span, feature_span=name.span)
        return FeatureRef(
            derived_name(of), name.text.lower(), args, span=(of.span[0], end), series_span=of.span, feature_span=name.span, of=of
        )

    def parse_arguments(self, name: Token) -> tuple[tuple[int, ...], int]:
        """A feature's optional ``(INT, ...)`` after ``name``: the arguments and where they end."""
        end, args = name.end, list[int]()
        opening = self.tok
        if opening.type is TokenType.LPAREN:
            self.advance()
            while self.tok.type is not TokenType.RPAREN:
                if args:
                    if self.tok.type is not TokenType.COMMA:
                        if self.tok.type is TokenType.END:
                            self.error("unbalanced parenthesis: '(' is never closed", opening.span)
                        self.unexpected(f"',' or ')' in the arguments of {name.text!r}")
                    self.advance()
                arg = self.tok
                if arg.type is not TokenType.NUMBER or not arg.text.isdigit():
                    if arg.type is TokenType.END:
                        self.error("unbalanced parenthesis: '(' is never closed", opening.span)
                    whole = _in_digits(arg.text) if arg.type is TokenType.NUMBER and "e" in arg.text.lower() else None
                    hint = f"write it in digits: {name.text}({whole})" if whole is not None and int(whole) <= MAX_DAYS else None
                    self.unexpected(f"a whole number as an argument of {name.text!r}", hint=hint)
                args.append(self.bounded(arg, f"the argument of {name.text!r}"))
                self.advance()
            end = self.advance().end
        return tuple(args), end

    def bounded(self, token: Token, what: str) -> int:
        """``token``'s whole number, at most :data:`MAX_DAYS` (checked before conversion)."""
        if len(token.text) > 12 or int(token.text) > MAX_DAYS:
            self.error(f"{what} must be at most {MAX_DAYS:,} (about 400 years of trading days), got {token.text[:20]}", token.span)
        return int(token.text)

    def parse_feature_ref(self) -> FeatureRef:
        series = self.advance()
        name = self.tok
        if name.type is TokenType.LPAREN:
            # `rsi(14)` with no series: a feature of the universe's current symbol
            series, name = Token(TokenType.WORD, SELF, series.start, series.start), series
        elif name.type is not TokenType.WORD or self.word(name) in KEYWORDS:
            return FeatureRef(series.text, span=series.span, series_span=series.span)
        else:
            self.advance()
        args, end = self.parse_arguments(name)
        return FeatureRef(
            series.text,
            name.text.lower(),
            args,
            span=(series.start, end),
            series_span=series.span,
            feature_span=name.span,
        )
