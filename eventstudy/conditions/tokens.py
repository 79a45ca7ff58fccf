"""Tokenizer: condition text -> a list of tokens with character spans.

Words are not classified here: whether ``high`` is a keyword (``20-day high``) or a
feature name (``SPX high(20)``) depends on where it stands, which is the parser's call.
The tables of keywords and symbols are UPPER_CASE so they are easy to read and extend.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from eventstudy.errors import ConditionSyntaxError, EventStudyError

__all__ = [
    "COMPARE_OPS",
    "KEYWORDS",
    "UNITS",
    "Token",
    "TokenType",
    "foreign_letters",
    "tokenize",
    "window_days",
    "with_foreign_letters",
]


class TokenType(Enum):
    """Kinds of token."""

    WORD = "word"
    NUMBER = "number"
    PERCENT = "%"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    PLUS = "+"
    MINUS = "-"
    STAR = "*"
    SLASH = "/"
    COMPARE = "comparison"
    END = "end"


@dataclass(frozen=True)
class Token:
    """One token: its type, its canonical text and where it is in the source."""

    type: TokenType
    text: str
    start: int
    end: int

    @property
    def span(self) -> tuple[int, int]:
        """``(start, end)`` character offsets."""
        return (self.start, self.end)


#: Reserved words: never a series or feature name where they stand (case-insensitive).
KEYWORDS: frozenset[str] = frozenset(
    {"and", "or", "not", "at", "crosses", "above", "below", "for", "within", "ago", "first", "in", "is", "on", "breadth"}
)

#: Comparison operators, as written -> canonical.
COMPARE_OPS: dict[str, str] = {
    ">=": ">=",
    "<=": "<=",
    "==": "==",
    "!=": "!=",
    ">": ">",
    "<": "<",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
}

#: Single-character symbols, as written -> (type, canonical text).
SYMBOLS: dict[str, tuple[TokenType, str]] = {
    "(": (TokenType.LPAREN, "("),
    ")": (TokenType.RPAREN, ")"),
    ",": (TokenType.COMMA, ","),
    "%": (TokenType.PERCENT, "%"),
    "+": (TokenType.PLUS, "+"),
    "-": (TokenType.MINUS, "-"),
    "−": (TokenType.MINUS, "-"),  # unicode minus
    "*": (TokenType.STAR, "*"),
    "×": (TokenType.STAR, "*"),
    "/": (TokenType.SLASH, "/"),
    "÷": (TokenType.SLASH, "/"),
}

#: Characters that look like a symbol of the language but are not one, -> the symbol
#: (besides those Unicode itself folds to one: fullwidth '＞', '％', ...).
LOOK_ALIKES: dict[str, str] = {
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "﹣": "-",
    "≧": ">=", "⩾": ">=", "≦": "<=", "⩽": "<=", "٪": "%", "⁄": "/", "∕": "/",
}

#: Units of a level's window (``52-week high``), in trading days per unit.
UNITS: dict[str, int] = {
    "day": 1,
    "days": 1,
    "week": 5,
    "weeks": 5,
    "month": 21,
    "months": 21,
    "year": 252,
    "years": 252,
}

#: Operators of other languages (Python, C, SQL) -> what a condition writes for them.
FOREIGN_OPERATORS: dict[str, str] = {"&&": "and", "||": "or", "<>": "!=", "&": "and", "|": "or", "!": "not", "~": "not"}

#: ``4000``, ``0.25``, ``.5``, and each with an exponent (``1e6``, ``2.5E-3``): the exponent
#: needs its digits, so ``2e`` is ``2`` and a word (a series ``e``, say) and never a number.
_NUMBER = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"\d+(?:_\d+)+(?:\.\d+)?")
_WORD = re.compile(r"[^\W\d]\w*")
_SPACE = re.compile(r"\s+")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with one ``END`` token.

    >>> [t.text for t in tokenize("RUT drawdown ≥ 10%")]
    ['RUT', 'drawdown', '>=', '10', '%', '']
    >>> [t.text for t in tokenize("SPX volume > 1e6")]
    ['SPX', 'volume', '>', '1e6', '']
    """
    tokens: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        if m := _SPACE.match(text, pos):
            pos = m.end()
            continue
        if m := _NUMBER.match(text, pos):
            if grouped := _GROUPED.match(text, pos):  # '1_000' read as 1 and a word '_000'
                written = grouped.group()
                raise ConditionSyntaxError(
                    f"a number is written without '_' between its digits, got {written!r}",
                    span=grouped.span(),
                    source=text,
                    hint=f"write {written.replace('_', '')}",
                )
            tokens.append(Token(TokenType.NUMBER, m.group(), pos, m.end()))
        elif m := _WORD.match(text, pos):
            tokens.append(Token(TokenType.WORD, m.group(), pos, m.end()))
        elif (foreign := _foreign_operator(text, pos)) is not None:
            said = "character " if len(foreign) == 1 else ""
            word = FOREIGN_OPERATORS[foreign]
            why = "not equal" if word == "!=" else "conditions combine with 'and', 'or' and 'not'"
            raise ConditionSyntaxError(
                f"unexpected {said}{foreign!r}", span=(pos, pos + len(foreign)), source=text, hint=f"write {word!r} ({why})"
            )
        elif (two := text[pos : pos + 2]) in COMPARE_OPS:
            tokens.append(Token(TokenType.COMPARE, COMPARE_OPS[two], pos, pos + 2))
        elif (one := text[pos]) in COMPARE_OPS:
            tokens.append(Token(TokenType.COMPARE, COMPARE_OPS[one], pos, pos + 1))
        elif one in SYMBOLS:
            kind, canonical = SYMBOLS[one]
            tokens.append(Token(kind, canonical, pos, pos + 1))
        elif two in REVERSED_COMPARISONS:  # '=<' and '=>', as some spreadsheets read them
            written = REVERSED_COMPARISONS[two]
            raise ConditionSyntaxError(
                f"unexpected {two!r}", span=(pos, pos + 2), source=text,
                hint=f"write {written!r} ({'at most' if written == '<=' else 'at least'})",
            )
        else:
            hint = "comparisons are written '=='" if one == "=" else _look_alike_hint(one)
            raise ConditionSyntaxError(
                f"unexpected character {one!r}", span=(pos, pos + 1), source=text, hint=hint
            )
        pos = tokens[-1].end
    tokens.append(Token(TokenType.END, "", n, n))
    return tokens


REVERSED_COMPARISONS = {"=<": "<=", "=>": ">="}
"""Comparisons written the other way round, and how the language writes them: 'SPX =< 3'
was told 'comparisons are written ==', which is not what it meant."""


def _foreign_operator(text: str, pos: int) -> str | None:
    """The operator of another language at ``pos`` (``&&``, ``&``, ``!`` not in ``!=``, ``<>``), or None."""
    two = text[pos : pos + 2]
    if two in FOREIGN_OPERATORS:
        return two
    one = text[pos]
    return one if one in FOREIGN_OPERATORS and two != "!=" else None


def window_days(count: int, unit: str) -> int:
    """Trading days in ``count`` units: ``52-week`` is 252, other weeks are 5 days.

    >>> window_days(52, "week"), window_days(4, "weeks"), window_days(3, "month")
    (252, 20, 63)
    """
    per_unit = UNITS[unit.lower()]
    if per_unit == UNITS["week"] and count == 52:
        return 252
    return count * per_unit


def _character(char: str) -> str:
    """``'–'`` -> ``"'–' (U+2013 EN DASH)"``."""
    return f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')})"


def _look_alike_hint(char: str) -> str | None:
    """What to write for a character the tokenizer does not read: the symbol it looks
    like, or that an invisible one is there at all."""
    folded = unicodedata.normalize("NFKC", char)
    symbol = LOOK_ALIKES.get(char) or (folded if folded in SYMBOLS or folded in COMPARE_OPS else None)
    if symbol is not None:
        return f"{_character(char)} only looks like {symbol!r}: write {symbol!r}"
    if unicodedata.category(char) in ("Cf", "Cc", "Zs"):
        return f"the character is {_character(char)}, which does not show: delete it"
    return None


def foreign_letters(text: str) -> str | None:
    """A note on the letters of ``text`` that are not ASCII (``'SРX'`` with a Cyrillic
    ``Р``), which look like the name or keyword they are not; None if it has none.

    >>> foreign_letters("SРX")
    "'SРX' holds 'Р' (U+0420 CYRILLIC CAPITAL LETTER ER), not an ASCII letter"
    """
    letters = list(dict.fromkeys(c for c in text if not c.isascii() and unicodedata.category(c).startswith("L")))
    if not letters:
        return None
    shown = ", ".join(_character(c) for c in letters[:3]) + (", ..." if len(letters) > 3 else "")
    return f"{text!r} holds {shown}, not {'an ASCII letter' if len(letters) == 1 else 'ASCII letters'}"


E = TypeVar("E", bound=EventStudyError)


def with_foreign_letters(error: E, text: str | None) -> E:
    """``error`` with a hint naming the non-ASCII letters of the word it points at: in
    'SРX' (a Cyrillic 'Р') or 'АTH' the word looks like the one it is not, and the
    message alone ("unknown series 'SРX' (did you mean 'SPX'?)") reads as nonsense."""
    if text is None or error.span is None:
        return error
    word = text[error.span[0] : error.span[1]]
    note = foreign_letters(word) if word and not any(c.isspace() for c in word) else None
    if note is not None:
        error.hint = f"{note}; {error.hint}" if error.hint else note
    return error
