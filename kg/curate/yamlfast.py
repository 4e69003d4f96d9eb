"""A fast path for the strict YAML reader: the plain subset curated files are written in.

:func:`read_fast` reads a file line by line with a few compiled patterns and returns the
very tree :mod:`kg.curate.yamlread` builds from libyaml's events (same values, texts, quoted
flags, positions and key order), or None when the text holds anything it is not sure of.
None is never an error: read_yaml then takes the libyaml path, which reports every issue.
This module reports none itself, so anything that could be one makes it give up.

The subset: block mappings whose keys are plain words, block sequences (``- item``,
``- key: value`` opening a mapping, ``- - x``, sequences at their key's indentation),
one-line flow collections (``{a: 1, b: [x, 'y, z']}``), plain scalars on one line that
resolve without ambiguity, single- and double-quoted scalars on one line (escapes
``\\\\ \\" \\/ \\n \\t`` only), full-line and trailing comments, blank lines, CRLF line
ends and one leading ``---``. Given up: tabs, anchors, aliases, tags, directives, block
scalars, multi-line scalars and flow collections, ``?`` keys, quoted or non-word keys,
duplicate keys, empty flow entries, other documents, characters the strict reader or
libyaml treats specially (NEL, LS, PS, BOM, bidirectional controls).
"""

from __future__ import annotations

import re

from kg.core.errors import Loc
from kg.core.errors import make_loc as _loc
from kg.curate.ynodes import Scalar, YMap, YNode, YScalar, YSeq, resolve_plain

# Anywhere in the file: characters the strict reader reports (controls, bidirectional
# overrides, noncharacters), those libyaml reads as line breaks (NEL, LS, PS) or skips
# (BOM), invisible characters (reported by the strict reader), and tabs (indentation or
# not, they are rare and subtle).
_UNSAFE = re.compile(
    r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\u202a-\u202e\u2066-\u2069"
    r"\ufffe\uffff\u00ad\u180e\u200b-\u200f\u2060-\u2064\U000e0000-\U000e007f]")
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]{0,200}):(?: +|$)")
# ``key: value`` to the end of the line where the value starts with a letter, digit or
# underscore and holds no ':' nor '#' (so neither a comment nor a mapping can hide in it).
_SIMPLE_ENTRY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]{0,200}): +([A-Za-z0-9_][^:#]*)\Z")
_DOUBLE = re.compile(r'"([^"\\]*(?:\\["\\/nt][^"\\]*)*)"')
_SINGLE = re.compile(r"'([^']*(?:''[^']*)*)'")
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t"}
# One token of a flow collection with the spaces after it (group 1), told apart by its
# first character: a key, its colon and spaces (3) and, when plain, its value (4); a plain
# scalar (5; ':' only before a character that cannot end it); a double- (6) or single-
# (7) quoted one; an opening or closing bracket; a comma. Anything else leaves a gap.
_PLAIN_RE = (r"""(?:[^-?:,\[\]{}\#&*!|>'"%@`\ ]|-[^\ ,\[\]{}\#:])"""
             r"""[^,\[\]{}:]*(?::(?=[^\ ,\[\]{}?])[^,\[\]{}:]*)*""")
_FLOW_TOKEN = re.compile(r"""(
    ([A-Za-z0-9_][A-Za-z0-9_.-]{0,200}):(\ +)(?:(""" + _PLAIN_RE + r""")|(?=[\[{"']))
  | (""" + _PLAIN_RE + r""")
  | "([^"\\]*(?:\\["\\/nt][^"\\]*)*)"\ *
  | '([^']*(?:''[^']*)*)'\ *
  | [\[{\]}]\ *
  | ,\ *
)""", re.VERBOSE)
# A flow mapping of plain keys and plain values only, the commonest kind, read at once:
# its inside (group 1), then each pair with the comma and spaces after it.
_FLAT_MAP = re.compile(r"""\{\ *((?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}:\ +(?:""" + _PLAIN_RE
                       + r"""),\ *)*[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}:\ +(?:""" + _PLAIN_RE
                       + r"""))\}\ *""", re.VERBOSE)
_PAIR = re.compile(r"""([A-Za-z0-9_][A-Za-z0-9_.-]{0,200}):(\ +)(""" + _PLAIN_RE
                   + r""")(,\ *)?""", re.VERBOSE)
# What a flow collection expects next.
_NODE, _FIRST_ITEM, _NEXT_ITEM, _FIRST_KEY, _NEXT_KEY, _VALUE, _SEP = range(7)
_BLOCK_HEADER = re.compile(r"([|>])(-?) *")
_TAIL = re.compile(r" *(?: #.*)?")
_MAX_DEPTH = 64  # deeper nesting is left to libyaml (and reading it here would recurse)
_NOT_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")  # what a plain scalar may not start with


class _GiveUp(Exception):
    """The text is outside the subset: the strict reader decides."""


def read_fast(text: str, name: str) -> YNode | None:
    """The strict reader's tree for ``text``, or None when it is not sure to give it."""
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    if _UNSAFE.search(text):
        return None
    try:
        return _Lines(name).read(text.split("\n"))
    except (_GiveUp, IndexError):
        return None


class _Lines:
    """One file's parse: a stack of open block collections, one line at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lineno = 0
        # open block collections, innermost last: (column, node, is an indentless sequence)
        self.stack: list[tuple[int, YMap | YSeq, bool]] = []
        self.values: dict[str, Scalar] = {}
        self.keys: set[str] = set()
        # a key or "-" that ended its line: it takes the next, more indented block, or
        # is an empty value at ``pending_col`` (1-based, just after the ':' or '-')
        self.pending: YMap | YSeq | None = None
        self.pending_key: YScalar | None = None
        self.pending_indent = 0
        self.pending_loc = Loc(name)
        self.lines: list[str] = []
        self.skip_until = 0

    def read(self, lines: list[str]) -> YNode | None:
        self.lines = lines
        root: YNode | None = None
        started = False
        for lineno, line in enumerate(lines, 1):
            if lineno <= self.skip_until:  # read as part of a block scalar
                continue
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                continue
            self.lineno = lineno
            indent = len(line) - len(content)
            if root is None:
                if not started and line.rstrip(" ") == "---":
                    started = True
                    continue
                started = True
                if content[0] in "[{":  # a flow collection: the whole document
                    root = self.value(line, indent)
                    self.stack.append((-1, YSeq([], root.loc), False))  # no line fits
                else:
                    root = self.block(line, indent)
                continue
            if self.pending is not None and self.nested(line, indent, content):
                continue
            self.line(line, indent, content)
        self.close_pending()
        return root

    def nested(self, line: str, indent: int, content: str) -> bool:
        """Give the pending key or item its value; True when this line opened it."""
        target, key = self.pending, self.pending_key
        opens = indent > self.pending_indent or (
            indent == self.pending_indent and isinstance(target, YMap)
            and content[0] == "-" and content[1:2] in ("", " "))
        if not opens:
            self.close_pending()
            return False
        self.pending = None
        node = self.block(line, indent, indentless=indent == self.pending_indent)
        if isinstance(target, YSeq):
            target.items.append(node)
        elif isinstance(target, YMap) and key is not None:
            target.entries[key.text] = (key, node)
        return True

    def close_pending(self) -> None:
        target = self.pending
        if target is None:
            return
        self.pending = None
        empty = YScalar(None, "", self.pending_loc, False)
        if isinstance(target, YSeq):
            target.items.append(empty)
        elif self.pending_key is not None:
            target.entries[self.pending_key.text] = (self.pending_key, empty)

    def line(self, line: str, indent: int, content: str) -> None:
        """A line continuing an open collection at its indentation."""
        stack = self.stack
        while stack and stack[-1][0] > indent:
            stack.pop()
        col, node, indentless = stack[-1]
        if col != indent:
            raise _GiveUp
        if content[0] == "-" and content[1:2] in ("", " "):
            if not isinstance(node, YSeq):
                raise _GiveUp
            self.item(node, line, indent)
            return
        if indentless:  # a key after an indentless sequence closes it
            stack.pop()
            col, node, _ = stack[-1]
        if col != indent or not isinstance(node, YMap):
            raise _GiveUp
        self.entry(node, line, indent)

    def block(self, line: str, col: int, *, indentless: bool = False) -> YMap | YSeq:
        """A block collection opening at ``col`` of this line."""
        if len(self.stack) >= _MAX_DEPTH:
            raise _GiveUp
        loc = _loc(self.name, self.lineno, col + 1)
        if line[col] == "-" and line[col + 1 : col + 2] in ("", " "):
            seq = YSeq([], loc)
            self.stack.append((col, seq, indentless))
            self.item(seq, line, col)
            return seq
        if indentless:
            raise _GiveUp
        node = YMap({}, loc)
        self.stack.append((col, node, False))
        self.entry(node, line, col)
        return node

    def item(self, seq: YSeq, line: str, col: int) -> None:
        """``- ...`` at ``col``: a value, a nested block, or nothing yet."""
        end = len(line)
        pos = col + 1
        while pos < end and line[pos] == " ":
            pos += 1
        if pos == end or line[pos] == "#":
            self.pend(seq, None, col, col + 2)
        elif (line[pos] == "-" and line[pos + 1 : pos + 2] in ("", " ")) or \
                _KEY.match(line, pos):
            seq.items.append(self.block(line, pos))
        else:
            seq.items.append(self.value(line, pos))

    def entry(self, node: YMap, line: str, col: int) -> None:
        """``key: ...`` at ``col``: a value or nothing yet."""
        simple = _SIMPLE_ENTRY.match(line, col)
        if simple is not None:  # the commonest line, read with one pattern
            word, text = simple.groups()
            if word not in self.keys:
                self.key(word, col)
            if word in node.entries:
                raise _GiveUp
            if text[-1] == " ":
                text = text.rstrip(" ")
            value = self.values[text] if text in self.values else self.resolve(text)
            name, lineno = self.name, self.lineno
            node.entries[word] = (
                YScalar(word, word, _loc(name, lineno, col + 1), False),
                YScalar(value, text, _loc(name, lineno, simple.start(2) + 1), False))
            return
        match = _KEY.match(line, col)
        if match is None:
            raise _GiveUp
        key = self.key(match.group(1), col)
        if key.text in node.entries:
            raise _GiveUp
        pos = match.end()
        if pos == len(line) or line[pos] == "#":
            self.pend(node, key, col, col + len(match.group(1)) + 2)
        elif line[pos] == "|" or line[pos] == ">":
            node.entries[key.text] = (key, self.block_scalar(line, pos, col))
        else:
            node.entries[key.text] = (key, self.value(line, pos))

    def key(self, text: str, col: int) -> YScalar:
        if text not in self.keys:
            value, problem = resolve_plain(text)
            if problem or not isinstance(value, str):
                raise _GiveUp
            self.keys.add(text)
        return YScalar(text, text, _loc(self.name, self.lineno, col + 1), False)

    def pend(self, target: YMap | YSeq, key: YScalar | None, indent: int, col: int) -> None:
        self.pending, self.pending_key, self.pending_indent = target, key, indent
        self.pending_loc = _loc(self.name, self.lineno, col)

    def block_scalar(self, line: str, pos: int, parent: int) -> YScalar:
        """``|``, ``|-``, ``>`` or ``>-`` with its lines, all at one indentation, no blank
        line between them, none ending in a space, and a line break after the last."""
        header = _BLOCK_HEADER.fullmatch(line, pos)
        lines = self.lines
        at = self.lineno  # index of the next line
        if header is None or at >= len(lines):
            raise _GiveUp
        first = lines[at]
        indent = len(first) - len(first.lstrip(" "))
        if indent <= parent or indent == len(first):
            raise _GiveUp
        parts = []
        while at < len(lines):
            text = lines[at]
            content = text.lstrip(" ")
            if not content or len(text) - len(content) != indent:
                break
            if text[-1] == " ":
                raise _GiveUp
            parts.append(content)
            at += 1
        after = at
        while after < len(lines) and not lines[after].strip(" "):
            if len(lines[after]) > indent:
                raise _GiveUp
            after += 1
        if at == len(lines) or (after < len(lines) and
                                len(lines[after]) - len(lines[after].lstrip(" ")) >= indent):
            raise _GiveUp
        self.skip_until = at
        text = ("\n" if header.group(1) == "|" else " ").join(parts)
        if not header.group(2):
            text += "\n"
        return YScalar(text, text, _loc(self.name, self.lineno, pos + 1), True)

    # -- values on one line -------------------------------------------------------------

    def value(self, line: str, pos: int) -> YNode:
        """The node at ``pos`` that runs to the end of the line (a comment aside)."""
        first = line[pos]
        if first == "[" or first == "{":
            node, end = self.flow(line, pos)  # the spaces after it read too
            if end != len(line) and (line[end] != "#" or line[end - 1] != " "):
                raise _GiveUp
            return node
        if first == '"' or first == "'":
            node, end = self.quoted(line, pos)
            if end != len(line) and _TAIL.fullmatch(line, end) is None:
                raise _GiveUp
            return node
        text = line[pos:]
        cut = text.find(" #")
        if cut >= 0:
            text = text[:cut]
        if text[-1] == " ":
            text = text.rstrip(" ")
        if first in _NOT_FIRST and (first not in "-?:" or text[1:2] in ("", " ")):
            raise _GiveUp
        if ": " in text or text[-1] == ":":
            raise _GiveUp
        value = self.values[text] if text in self.values else self.resolve(text)
        return YScalar(value, text, _loc(self.name, self.lineno, pos + 1), False)

    def resolve(self, text: str) -> Scalar:
        value, problem = resolve_plain(text)
        if problem:
            raise _GiveUp
        self.values[text] = value
        return value

    def quoted(self, line: str, pos: int) -> tuple[YScalar, int]:
        if line[pos] == '"':
            match = _DOUBLE.match(line, pos)
            if match is None:
                raise _GiveUp
            text = match.group(1)
            if "\\" in text:
                text = _ESCAPE.sub(_unescape, text)
        else:
            match = _SINGLE.match(line, pos)
            if match is None:
                raise _GiveUp
            text = match.group(1).replace("''", "'")
        return YScalar(text, text, _loc(self.name, self.lineno, pos + 1), True), match.end()

    def flat_map(self, line: str, pos: int) -> tuple[YMap, int] | None:
        """A flow mapping of plain pairs at ``pos`` and the position after it, or None."""
        match = _FLAT_MAP.match(line, pos)
        if match is None:
            return None
        name, lineno, values, keys = self.name, self.lineno, self.values, self.keys
        node = YMap({}, _loc(name, lineno, pos + 1))
        entries = node.entries
        at = match.start(1)
        for word, spaces, raw, comma in _PAIR.findall(line, at, match.end(1)):
            if word not in keys:
                self.key(word, at)
            if word in entries:
                raise _GiveUp
            key = YScalar(word, word, _loc(name, lineno, at + 1), False)
            at += len(word) + 1 + len(spaces)  # the value's start
            text = raw.rstrip(" ") if raw[-1] == " " else raw
            if " #" in text:
                raise _GiveUp
            value = values[text] if text in values else self.resolve(text)
            entries[word] = (key, YScalar(value, text, _loc(name, lineno, at + 1), False))
            at += len(raw) + len(comma)
        return node, match.end()

    def list_of_flat_maps(self, line: str, pos: int) -> tuple[YSeq, int] | None:
        """``[{...}, {...}]`` of flat mappings at ``pos``, or None."""
        seq = YSeq([], _loc(self.name, self.lineno, pos + 1))
        at = _skip(line, pos + 1)
        while (flat := self.flat_map(line, at)) is not None:
            seq.items.append(flat[0])
            at = flat[1]
            if line[at:at + 1] == "]":
                return seq, _skip(line, at + 1)
            if line[at:at + 1] != ",":
                return None
            at = _skip(line, at + 1)
        return None

    def flow(self, line: str, pos: int) -> tuple[YNode, int]:
        """The flow collection opening at ``pos`` and the position after it (and after the
        spaces that follow it), token by token."""
        flat = self.flat_map(line, pos) if line[pos] == "{" else \
            self.list_of_flat_maps(line, pos)
        if flat is not None:
            return flat
        name, lineno, values = self.name, self.lineno, self.values
        stack: list[YSeq | YMap] = []
        want = _NODE
        key: YScalar | None = None
        at = pos
        for whole, word, spaces, value_text, plain, double, single in \
                _FLOW_TOKEN.findall(line, pos):
            start = at
            at += len(whole)
            if not line.startswith(whole, start):  # a gap: something no token reads
                raise _GiveUp
            first = whole[0]
            node: YNode
            if first == ",":
                if want != _SEP:
                    raise _GiveUp
                want = _NEXT_ITEM if isinstance(stack[-1], YSeq) else _NEXT_KEY
                continue
            if first == "]" or first == "}":
                top = stack.pop()
                if want not in (_SEP, _FIRST_ITEM if first == "]" else _FIRST_KEY) or \
                        isinstance(top, YSeq) != (first == "]"):
                    raise _GiveUp
                if not stack:
                    return top, at
                want = _SEP
                continue
            if word:
                if want != _FIRST_KEY and want != _NEXT_KEY:
                    raise _GiveUp
                key = self.key(word, start)
                entries = stack[-1].entries  # type: ignore[union-attr]
                if word in entries:
                    raise _GiveUp
                if not value_text:
                    want = _VALUE
                    continue
                text = value_text.rstrip(" ") if value_text[-1] == " " else value_text
                if " #" in text:  # a comment: the collection goes on on another line
                    raise _GiveUp
                value = values[text] if text in values else self.resolve(text)
                col = start + len(word) + len(spaces) + 2
                entries[word] = (key, YScalar(value, text, _loc(name, lineno, col), False))
                want = _SEP
                continue
            if first == "[" or first == "{":
                node = (YSeq([], _loc(name, lineno, start + 1)) if first == "["
                        else YMap({}, _loc(name, lineno, start + 1)))
            elif first == '"':
                text = _ESCAPE.sub(_unescape, double) if "\\" in double else double
                node = YScalar(text, text, _loc(name, lineno, start + 1), True)
            elif first == "'":
                text = single.replace("''", "'")
                node = YScalar(text, text, _loc(name, lineno, start + 1), True)
            else:
                text = plain.rstrip(" ") if plain[-1] == " " else plain
                if " #" in text:
                    raise _GiveUp
                value = values[text] if text in values else self.resolve(text)
                node = YScalar(value, text, _loc(name, lineno, start + 1), False)
            if want == _VALUE and key is not None:
                stack[-1].entries[key.text] = (key, node)  # type: ignore[union-attr]
            elif want in (_FIRST_ITEM, _NEXT_ITEM):
                stack[-1].items.append(node)  # type: ignore[union-attr]
            elif want != _NODE or stack:
                raise _GiveUp
            if isinstance(node, YScalar):
                want = _SEP
            else:
                if len(stack) >= _MAX_DEPTH:
                    raise _GiveUp
                stack.append(node)
                want = _FIRST_ITEM if isinstance(node, YSeq) else _FIRST_KEY
        raise _GiveUp  # not closed on this line


def _unescape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group(1)]


def _skip(line: str, pos: int) -> int:
    end = len(line)
    while pos < end and line[pos] == " ":
        pos += 1
    return pos
