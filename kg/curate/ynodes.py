"""The plain nodes strict YAML is read into, and the values of unquoted scalars.

Both readers of kg.curate.yamlread (PyYAML's events, and kg.curate.yamlfast's line reader for the
plain subset) build these nodes and resolve plain scalars the same way, so they live
below both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.core.errors import Loc

Scalar = str | int | float | bool | None

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_AMBIGUOUS = re.compile(
    r"""(?ix)
    y|n|yes|no|on|off|true|false|null|~        # YAML 1.1 booleans and nulls in other spellings
    | [-+]?0[0-7_]+ | [-+]?0x[0-9a-f_]+ | [-+]?0b[01_]+   # octal, hex, binary
    | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?    # sexagesimal 1:20
    | [-+]?\.(?:inf|nan) | \+[0-9].* | [0-9][0-9_]*_[0-9_]*
    | [-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?  # YAML 1.1 floats: .5, 1., -.5e3
    """
)
@dataclass(slots=True)
class YScalar:
    value: Scalar
    text: str
    loc: Loc
    quoted: bool


@dataclass(slots=True)
class YSeq:
    items: list[YNode]
    loc: Loc


@dataclass(slots=True)
class YMap:
    entries: dict[str, tuple[YScalar, YNode]]
    loc: Loc

    def get(self, key: str) -> YNode | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None


YNode = YScalar | YSeq | YMap


#: Bounds of a number in the data: more digits or a larger exponent is an error, not a
#: traceback (Python refuses ints of over 4,300 digits), an overflow or a megabyte-long
#: literal (1e999998 written out as an xsd:decimal), or a silent 0 (1e-999999999).
MAX_DIGITS = 40
MAX_EXPONENT = 100


def number_problem(text: str) -> str | None:
    """Why a number's text is out of kg's bounds, or None (also for text that is not a
    plain number)."""
    if not _FLOAT.fullmatch(text):
        return None
    mantissa, _, exponent = text.lower().partition("e")
    digits = sum(c.isdigit() for c in mantissa)
    exp_digits = exponent.lstrip("+-")
    if digits > MAX_DIGITS or len(exp_digits) > 4 or \
            (exp_digits and abs(int(exponent)) > MAX_EXPONENT):
        return (f"number out of range: at most {MAX_DIGITS} digits and an exponent from "
                f"-{MAX_EXPONENT} to {MAX_EXPONENT}")
    return None


def resolve_plain(text: str) -> tuple[Scalar, str | None]:
    """The value of an unquoted scalar, or an error message when it is ambiguous."""
    if text in ("", "null"):
        return None, None
    if text == "true":
        return True, None
    if text == "false":
        return False, None
    if _INT.fullmatch(text) or _FLOAT.fullmatch(text):
        problem = number_problem(text)
        if problem:
            return text, problem
        return (int(text) if _INT.fullmatch(text) else float(text)), None
    if _AMBIGUOUS.fullmatch(text):
        return text, "ambiguous unquoted value (YAML may read it as another type); quote it"
    return text, None
