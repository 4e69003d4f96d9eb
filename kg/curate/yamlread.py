"""Strict YAML: a small, surprise-free subset read with positions kept.

PyYAML's C parser gives the events; this module builds plain nodes from them and refuses
what makes hand-written YAML lie: implicit YAML 1.1 conversions (``NO`` -> false,
``010`` -> 8, ``1:20`` -> 80), duplicate keys, anchors and aliases, explicit tags such as
``!!python/object``, control characters. Every node knows its file, line and column.
"""

from __future__ import annotations

import re
import unicodedata

import yaml

from kg.core.errors import Issue, Loc, Severity
from kg.curate.yamlfast import read_fast
from kg.curate.ynodes import (
    YMap,
    YNode,
    YScalar,
    YSeq,
    resolve_plain,
)

_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser if built

MAX_FILE_BYTES = 16 * 1024 * 1024
# Curated data nests a few levels. kg stops at its own limit, with its own message, well
# before libyaml's (1,000 levels since PyYAML 6.0.4, none before), so the error a user sees
# does not depend on the PyYAML release installed.
MAX_DEPTH = 100

# In text: C0/C1 controls (tab, LF and CR aside), lone surrogates, the invisible
# bidirectional overrides and isolates (they make text display other than it reads),
# and the noncharacters U+FFFE/U+FFFF.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)
# Raw in the file: what the YAML reader refuses before any parsing (no position given).
# In text: characters that show as nothing, so that two texts look the same and differ
# (zero-width space, direction marks, word joiner and invisible operators, a BOM inside
# the text, the Mongolian vowel separator, tag characters)...
_INVISIBLE = re.compile(r"[\u180e\u200b\u200e\u200f\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
# ... and those that are invisible but have a use (joiners in emoji and Indic or Persian
# text, the soft hyphen): a warning.
_JOINERS = re.compile(r"[\u00ad\u200c\u200d]")
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def read_yaml(data: bytes, name: str, *, fast: bool = True) -> tuple[YNode | None, list[Issue]]:
    """Parse one file's bytes; return its root node (None when unusable) and its issues.

    With ``fast`` (the default), text in the plain subset :mod:`kg.curate.yamlfast` knows is
    read without libyaml, to the very same tree; anything else takes the libyaml path.
    """
    if len(data) > MAX_FILE_BYTES:
        return None, [Issue(Loc(name), f"file is larger than {MAX_FILE_BYTES} bytes", len(data))]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1]
        return None, [Issue(Loc(name, line, col), f"not UTF-8 at byte offset {exc.start}", bad)]
    if text.startswith("\ufeff"):
        text = text[1:]
    if not unicodedata.is_normalized("NFC", text):
        # One spelling per text: "Café" typed as e + U+0301 (NFD) is the same label, alias
        # or name as "Café" with U+00E9 (NFC), so it is read as that (NFC).
        text = unicodedata.normalize("NFC", text)
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return None, [Issue(Loc(name, 1, 1), "file is empty")]
    raw = [_position_issue(name, text, m.start(), "control character "
                           f"U+{ord(m.group()):04X} in the file (write it as an escape, or "
                           "remove it)", m.group()) for m in _RAW_CONTROL.finditer(text)]
    if raw:
        return None, raw
    if fast:
        root = read_fast(text, name)
        if root is not None:
            return root, []
    builder = _Builder(name)
    try:
        for event in yaml.parse(text, Loader=_Parser):
            builder.feed(event)
    except _TooDeep as exc:
        return None, [*builder.issues, exc.issue]
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit (PyYAML 6.0.4+)
            return None, [*builder.issues,
                          _too_deep(name, text, MAX_DEPTH + 1 - builder.blocks, exc)]
        return None, [*builder.issues, _syntax_issue(name, text, exc)]
    except yaml.YAMLError as exc:
        return None, [*builder.issues, Issue(Loc(name), f"YAML error: {exc}")]
    return builder.root, builder.issues


def _syntax_issue(name: str, text: str, exc: yaml.MarkedYAMLError) -> Issue:
    """A parser error at its position, with the text found there (or where the file ends)."""
    mark = exc.problem_mark or exc.context_mark
    message = "YAML syntax error: " + " ".join(str(p) for p in (exc.context, exc.problem) if p)
    if mark is None:  # pragma: no cover - libyaml always gives a mark
        return Issue(Loc(name), message)
    if "escape" in message and "Unicode" in message:
        message += (" (a lone surrogate such as \\ud800 is not a character; write the "
                    "character itself or \\U0001F600)")
    if mark.index >= len(text.rstrip()):
        message += " (the file ends in the middle of a structure: is it truncated?)"
        return Issue(Loc(name, mark.line + 1, mark.column + 1), message,
                     text.rstrip().splitlines()[-1][-30:])
    col = mark.column
    if "escape" in message:  # point at the whole escape, from its backslash
        col = max(text.splitlines()[mark.line].rfind("\\", 0, col + 1), 0)
    return Issue(Loc(name, mark.line + 1, col + 1), message, _snippet(text, mark.line, col))


def _too_deep(name: str, text: str, level: int, exc: yaml.MarkedYAMLError) -> Issue:
    """kg's nesting error where flow collections open their ``level``-th level.

    libyaml's scanner reads a whole flow collection ahead before the events reach the
    builder, so it can stop at its limit first; this finds the bracket where the builder
    would have stopped, so that the message and its position are the same whatever the
    PyYAML release.
    """
    depth, quote, prev = 0, "", "\n"
    index = -1
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"" and prev in "[{,: \n":
            quote = c
        elif c in "[{":
            depth += 1
            if depth == level:
                index = i
                break
        elif c in "]}":
            depth = max(depth - 1, 0)
        prev = c
        i += 1
    if index < 0:  # pragma: no cover - the scan always finds libyaml's deep collection
        mark = exc.problem_mark
        index = mark.index if mark is not None else 0
    kind = "a list" if text[index : index + 1] == "[" else "a mapping"
    return _position_issue(name, text, index, f"YAML nested more than {MAX_DEPTH} levels "
                           "deep (kg's limit; curated data needs a few)", kind)


def _position_issue(name: str, text: str, index: int, message: str, value: object) -> Issue:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return Issue(Loc(name, line, col), message, value)


def _snippet(text: str, line: int, col: int, width: int = 30) -> str | None:
    """The text at a parser's mark (0-based line and column), for the error's value."""
    lines = text.splitlines()
    part = lines[line][col : col + width] if 0 <= line < len(lines) else ""
    return part or None


class _TooDeep(Exception):
    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


class _Builder:
    """Turns the parser's event stream into nodes, collecting issues as it goes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stack: list[YSeq | YMap] = []
        self.pending_key: list[YScalar | None] = []
        self.flows: list[bool] = []  # per open collection: written in flow style ([...], {...})
        self.root: YNode | None = None
        self.issues: list[Issue] = []
        self.documents = 0

    def loc(self, event: yaml.Event) -> Loc:
        mark = event.start_mark
        if mark is None:  # pragma: no cover - the C parser always sets marks
            return Loc(self.name)
        return Loc(self.name, mark.line + 1, mark.column + 1)

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.issues.append(Issue(self.loc(event), "more than one YAML document in a file"))
        elif isinstance(event, yaml.AliasEvent):
            self.issues.append(Issue(self.loc(event), "YAML aliases are not allowed", event.anchor))
            self.add(YScalar(None, "", self.loc(event), False))
        elif isinstance(event, yaml.ScalarEvent):
            self.check_node_event(event)
            self.add(self.scalar(event))
        elif isinstance(event, yaml.SequenceStartEvent):
            self.check_node_event(event)
            self.open(YSeq([], self.loc(event)), flow=bool(event.flow_style))
        elif isinstance(event, yaml.MappingStartEvent):
            self.check_node_event(event)
            self.open(YMap({}, self.loc(event)), flow=bool(event.flow_style))
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            node = self.stack.pop()
            self.pending_key.pop()
            self.flows.pop()
            self.add(node)

    def check_node_event(self, event: yaml.NodeEvent) -> None:
        if event.anchor is not None:
            self.issues.append(Issue(self.loc(event), "YAML anchors are not allowed", event.anchor))
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = tag is not None and tag != "!" and not (
            implicit is True or (isinstance(implicit, tuple) and any(implicit))
        )
        if explicit:
            self.issues.append(Issue(self.loc(event), "YAML tags are not allowed", tag))

    def scalar(self, event: yaml.ScalarEvent) -> YScalar:
        loc = self.loc(event)
        text = event.value
        bad = _CONTROL.search(text)
        if bad:
            self.issues.append(
                Issue(loc, f"control character U+{ord(bad.group()):04X} in text", text)
            )
        hidden = _INVISIBLE.search(text)
        if hidden:
            self.issues.append(Issue(loc, f"invisible character U+{ord(hidden.group()):04X} "
                                     "in text (it shows as nothing; remove it)", text))
        joiner = _JOINERS.search(text)
        if joiner:
            self.issues.append(Issue(loc, f"invisible character U+{ord(joiner.group()):04X} "
                                     "in text (kept: check that it is meant)", text,
                                     Severity.WARNING))
        if event.style in ("'", '"', "|", ">"):
            return YScalar(text, text, loc, True)
        value, problem = resolve_plain(text)
        if problem:
            self.issues.append(Issue(loc, problem, text))
        return YScalar(value, text, loc, False)

    @property
    def blocks(self) -> int:
        """Open block-style collections (a flow collection cannot hold one)."""
        return self.flows.count(False)

    def open(self, node: YSeq | YMap, *, flow: bool) -> None:
        if len(self.stack) >= MAX_DEPTH:
            kind = "list" if isinstance(node, YSeq) else "mapping"
            raise _TooDeep(Issue(node.loc, f"YAML nested more than {MAX_DEPTH} levels deep "
                                 f"(kg's limit; curated data needs a few)", f"a {kind}"))
        self.stack.append(node)
        self.pending_key.append(None)
        self.flows.append(flow)

    def add(self, node: YNode) -> None:
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if isinstance(parent, YSeq):
            parent.items.append(node)
            return
        key = self.pending_key[-1]
        if key is None:
            if not isinstance(node, YScalar) or not isinstance(node.value, str):
                self.issues.append(Issue(node.loc, "mapping keys must be plain words"))
                node = YScalar(f"?{len(parent.entries)}", "", node.loc, False)
            self.pending_key[-1] = node
            return
        self.pending_key[-1] = None
        name = str(key.value)
        if name in parent.entries:
            first = parent.entries[name][0].loc
            self.issues.append(
                Issue(key.loc, f"duplicate key (first at line {first.line}, column {first.col})",
                      name)
            )
            return
        parent.entries[name] = (key, node)
