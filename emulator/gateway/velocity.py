"""A Velocity 1.7 engine: the template language API Gateway renders mapping templates with.

Parsing and evaluation follow Apache Velocity 1.7 with its default settings, as the differential
suite in tests/vtl_oracle proves against the real engine (docs/vtl-fidelity.md lists the rules
that matter and where they come from). Values follow Java: see java_lang.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_DOWN, Context, Decimal
from typing import Any

from emulator.gateway.java_lang import (
    JavaException,
    JavaList,
    JavaMap,
    JavaString,
    MapEntry,
    NoSuchMethod,
    get_property,
    invoke,
    is_number,
    java_equals,
    java_to_string,
    map_key,
)

# velocimacro.max.depth: a deeper chain of macro calls is an error.
MAX_MACRO_DEPTH = 20
DIRECTIVES = frozenset(
    {"set", "if", "elseif", "else", "end", "foreach", "break", "stop", "macro", "include",
     "parse", "evaluate", "define", "literal"}
)  # fmt: skip
_IDENT = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_DIRECTIVE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# What a directive eats after its closing parenthesis (or after #else / #end): blanks + newline.
_EOL = re.compile(r"[ \t]*(?:\r\n|\n|\r)")
_NUMBER = re.compile(r"-?(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)")
_BRACED_AFTER_REFERENCE = re.compile(r"\{\$?!?[a-zA-Z_][a-zA-Z0-9_.\-]*\}")
_WORD_OPERATORS = {
    "and": "&&", "or": "||", "not": "!", "eq": "==", "ne": "!=", "lt": "<", "gt": ">",
    "le": "<=", "ge": ">=",
}  # fmt: skip


class VelocitySyntaxError(Exception):
    """The template does not parse (Velocity: ParseErrorException)."""


class VelocityRenderError(Exception):
    """Rendering failed: a method threw, a macro recursed too deep (MethodInvocationException)."""


class _Stop(Exception):
    """#stop: rendering ends here, output so far stands."""


class _Break(Exception):
    """#break: leaves the innermost #foreach, macro or the template."""


# ---------------------------------------------------------------------------------------------
# Syntax tree


@dataclass
class Text:
    text: str


@dataclass
class Modifier:
    """``.name``, ``.name(args)`` or ``[index]`` after a reference's root."""

    kind: str  # "property" | "method" | "index"
    name: str = ""
    args: list[Any] = field(default_factory=list)


@dataclass
class Ref:
    """A reference: ``$a.b.c(x)[0]``, possibly quiet (``$!``), formal (``${}``) or escaped."""

    root: str
    modifiers: list[Modifier]
    literal: str  # the source text, printed when the value is null
    quiet: bool = False
    backslashes: int = 0
    trailer: str = ""  # text the lexer keeps after the reference (see try_reference)


@dataclass
class SetNode:
    target: Ref
    value: Any


@dataclass
class IfNode:
    branches: list[tuple[Any, list[Any]]]
    otherwise: list[Any] | None


@dataclass
class ForeachNode:
    var: str
    iterable: Any
    body: list[Any]


@dataclass
class MacroCall:
    name: str
    args: list[Any]
    literal: str
    eol: str  # the blanks and newline after ")": eaten by a call, kept when it is text


@dataclass
class Macro:
    name: str
    params: list[str]
    body: list[Any]


@dataclass
class BreakNode:
    pass


@dataclass
class StopNode:
    pass


# Expressions


@dataclass
class Literal:
    value: Any


@dataclass
class Interpolated:
    """A double-quoted string literal holding ``$`` or ``#``: rendered as a template."""

    body: list[Any]


@dataclass
class ListLiteral:
    items: list[Any]


@dataclass
class MapLiteral:
    items: list[tuple[Any, Any]]


@dataclass
class RangeLiteral:
    start: Any
    stop: Any


@dataclass
class Unary:
    op: str
    operand: Any


@dataclass
class Binary:
    op: str
    left: Any
    right: Any


# ---------------------------------------------------------------------------------------------
# Parser


class _Parser:
    def __init__(self, source: str, macros: dict[str, Macro], *, whole: bool = True) -> None:
        self.s = source
        self.i = 0
        self.macros = macros
        self.whole = whole  # a whole template, not the inside of a "string literal"

    # -- helpers
    def error(self, message: str) -> VelocitySyntaxError:
        line = self.s.count("\n", 0, self.i) + 1
        return VelocitySyntaxError(f"{message} at line {line}")

    def peek(self, text: str) -> bool:
        return self.s.startswith(text, self.i)

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def eat_eol(self) -> None:
        m = _EOL.match(self.s, self.i)
        if m:
            self.i = m.end()

    # -- template text
    def parse_block(self, terminators: tuple[str, ...]) -> tuple[list[Any], str | None]:
        """Nodes up to one of the terminator directives (returned, consumed) or end of input."""
        nodes: list[Any] = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                nodes.append(Text("".join(buf)))
                buf.clear()

        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                start = self.i
                j = self.i
                while j < len(s) and s[j] == "\\":
                    j += 1
                n = j - start
                if j < len(s) and s[j] == "$":
                    self.i = j
                    ref = self.try_reference()
                    if ref is not None:
                        flush()
                        ref.backslashes = n
                        nodes.append(ref)
                        continue
                    flush()
                    nodes.append(Text(s[start:j]))
                    continue
                if j < len(s) and s[j] == "#":
                    name = self.directive_name_at(j)
                    if name is not None and (name in DIRECTIVES or name in self.macros):
                        # \#if prints #if; \\#if prints \ and is the directive.
                        buf.append("\\" * (n // 2))
                        if n % 2:
                            buf.append(s[j : self.directive_name_end(j)])
                            self.i = self.directive_name_end(j)
                        else:
                            self.i = j
                        continue
                # A backslash run is a token of its own: the text before and after are separate.
                flush()
                nodes.append(Text(s[start:j]))
                self.i = j
                continue
            if c == "$":
                ref = self.try_reference()
                if ref is not None:
                    flush()
                    nodes.append(ref)
                    continue
                if self.whole and (
                    self.i + 1 == len(s) or (self.peek("$!") and self.i + 2 == len(s))
                ):
                    raise self.error("the template ends in a reference that is not one")
                self.lone_dollar(buf)
                continue
            if c == "#":
                if self.peek("##"):
                    flush()
                    end = s.find("\n", self.i)
                    self.i = len(s) if end < 0 else end + 1
                    continue
                if self.peek("#*"):
                    flush()
                    end = s.find("*#", self.i + 2)
                    self.i = len(s) if end < 0 else end + 2
                    continue
                if self.peek("#[["):
                    end = s.find("]]#", self.i + 3)
                    if end < 0:
                        raise self.error("unterminated #[[")
                    buf.append(s[self.i + 3 : end])
                    self.i = end + 3
                    continue
                name = self.directive_name_at(self.i)
                if name is not None:
                    if name in terminators:
                        flush()
                        self.i = self.directive_name_end(self.i)
                        return nodes, name
                    node = self.directive(name)
                    if node is not None:
                        if isinstance(node, SetNode):
                            # #set's token takes the blanks before it when they start a token
                            # (they follow a reference, a directive, a comment, a lone $ or #,
                            # or the start); the lone $ or # goes with them.
                            text = re.sub(r"(?:^|[$#])[ \t]*$", "", "".join(buf))
                            buf[:] = [text]
                        flush()
                        if not isinstance(node, Macro):
                            nodes.append(node)
                        continue
                if self.whole and self.i + 1 == len(s):
                    raise self.error("the template ends in '#'")
                buf.append(c)
                self.i += 1
                continue
            buf.append(c)
            self.i += 1
        flush()
        return nodes, None

    def lone_dollar(self, buf: list[str]) -> None:
        """A ``$`` (or ``$!``) that starts no reference, and what Velocity's lexer makes of it.

        Before #set, #if, #elseif, #else, #end or a #* comment it vanishes; before any other
        #name the two are text; "$!" before something else prints "$" (but "$!{" and "$!$" stay).
        """
        s = self.s
        width = 2 if self.peek("$!") else 1
        after = self.i + width
        if s.startswith("{$", after):  # "${$a}" is text; "${$a" with no "}" does not parse
            closed = re.compile(r"\{\$!?[a-zA-Z_][a-zA-Z0-9_.\-]*\}").match(s, after)
            if closed is None:
                raise self.error("'${' followed by a reference without '}'")
            buf.append(s[self.i : closed.end()])
            self.i = closed.end()
            return
        if s.startswith("#*", after):
            self.i = after
            return
        name = self.directive_name_at(after) if s.startswith("#", after) else None
        if name in ("set", "if", "elseif", "else", "end"):
            self.i = after
            return
        if name == "foreach":
            raise self.error("#foreach right after $")
        if name is not None:
            end = self.directive_name_end(after)
            buf.append(s[self.i : end])
            self.i = end
            return
        if width == 2 and (s.startswith("{", after) or s.startswith("$", after)):
            buf.append("$!")
        else:
            buf.append("$")
        self.i = after

    def directive_name_at(self, i: int) -> str | None:
        """The name of ``#name`` or ``#{name}`` at i, if any."""
        if self.s.startswith("#{", i):
            m = _DIRECTIVE_NAME.match(self.s, i + 2)
            if m and self.s.startswith("}", m.end()):
                return m.group()
            return None
        m = _DIRECTIVE_NAME.match(self.s, i + 1)
        return m.group() if m else None

    def directive_name_end(self, i: int) -> int:
        if self.s.startswith("#{", i):
            m = _DIRECTIVE_NAME.match(self.s, i + 2)
            assert m is not None
            return m.end() + 1
        m = _DIRECTIVE_NAME.match(self.s, i + 1)
        assert m is not None
        return m.end()

    def directive(self, name: str) -> Any:
        """Parse the directive at self.i (``#name``); None when it is plain text."""
        start = self.i
        after_name = self.directive_name_end(self.i)
        if name in ("else", "elseif", "end"):
            raise self.error(f"#{name} without #if or #foreach")
        if name in ("break", "stop"):
            self.i = after_name
            self.eat_eol()
            return BreakNode() if name == "break" else StopNode()
        if name in ("set", "if", "foreach", "macro", "include", "parse", "evaluate", "define"):
            self.i = after_name
            self.skip_blanks()
            if not self.peek("("):
                if name == "set":  # "#set" without arguments is text
                    self.i = start
                    return None
                if name == "include":  # and "#include" without arguments is nothing
                    self.i = after_name
                    return Text("")
                raise self.error(f"#{name} needs (")
            self.i += 1
            if name == "set":
                return self.set_directive()
            if name == "if":
                return self.if_directive()
            if name == "foreach":
                return self.foreach_directive()
            if name == "macro":
                return self.macro_directive()
            raise self.error(f"#{name} is not available in mapping templates")
        # A macro call: #name(args); without parentheses it is text.
        self.i = after_name
        self.skip_blanks()
        if not self.peek("("):
            self.i = start
            return None
        self.i += 1
        args = self.macro_args()
        literal = self.s[start : self.i]
        end = self.i
        self.eat_eol()
        return MacroCall(name, args, literal, self.s[end : self.i])

    def skip_blanks(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def close_paren(self) -> None:
        self.skip_ws()
        if not self.peek(")"):
            raise self.error("expected )")
        self.i += 1
        self.eat_eol()

    def set_directive(self) -> SetNode:
        self.skip_ws()
        target = self.try_reference()
        if target is None:
            raise self.error("#set needs a reference")
        self.skip_ws()
        if not self.peek("="):
            raise self.error("#set needs =")
        self.i += 1
        value = self.expression()
        self.close_paren()
        return SetNode(target, value)

    def if_directive(self) -> IfNode:
        cond = self.expression()
        self.close_paren()
        branches: list[tuple[Any, list[Any]]] = []
        otherwise: list[Any] | None = None
        body, term = self.parse_block(("elseif", "else", "end"))
        branches.append((cond, body))
        while True:
            if term is None:
                raise self.error("#if without #end")
            if term == "end":
                self.eat_eol()
                return IfNode(branches, otherwise)
            if term == "elseif":
                if otherwise is not None:
                    raise self.error("#elseif after #else")
                self.skip_blanks()
                if not self.peek("("):
                    raise self.error("#elseif needs (")
                self.i += 1
                cond = self.expression()
                self.close_paren()
                body, term = self.parse_block(("elseif", "else", "end"))
                branches.append((cond, body))
                continue
            # else
            if otherwise is not None:
                raise self.error("two #else")
            self.eat_eol()
            otherwise, term = self.parse_block(("elseif", "else", "end"))
            if term in ("elseif", "else"):
                raise self.error(f"#{term} after #else")

    def foreach_directive(self) -> ForeachNode:
        self.skip_ws()
        var = self.try_reference()
        if var is None or var.modifiers:
            raise self.error("#foreach needs a variable")
        self.skip_ws()
        # Velocity takes any word where 'in' goes, and with nothing to walk the loop is empty.
        if self.peek(")"):
            raise self.error("#foreach needs 'in'")
        word = re.compile(r"[a-zA-Z]+\b").match(self.s, self.i)
        if word:
            self.i = word.end()
            self.skip_ws()
            iterable = Literal(None) if self.peek(")") else self.primary()
        else:
            self.primary()  # #foreach($i [1, 2]) parses, and walks nothing
            iterable = Literal(None)
        self.close_paren()
        body, term = self.parse_block(("end", "else", "elseif"))
        if term != "end":
            raise self.error("#foreach without #end")
        self.eat_eol()
        return ForeachNode(var.root, iterable, body)

    def macro_directive(self) -> Macro:
        self.skip_ws()
        m = _DIRECTIVE_NAME.match(self.s, self.i)
        if not m:
            raise self.error("#macro needs a name")
        name = m.group()
        self.i = m.end()
        params: list[str] = []
        while True:
            self.skip_ws()
            if self.peek(","):
                self.i += 1
                continue
            if self.peek(")"):
                break
            ref = self.try_reference()
            if ref is None or ref.modifiers:
                raise self.error("#macro parameters are references")
            params.append(ref.root)
        self.i += 1
        self.eat_eol()
        body, term = self.parse_block(("end", "else", "elseif"))
        if term != "end":
            raise self.error("#macro without #end")
        self.eat_eol()
        macro = Macro(name, params, body)
        self.macros.setdefault(name, macro)
        return macro

    def macro_args(self) -> list[Any]:
        args: list[Any] = []
        while True:
            self.skip_ws()
            if self.i >= len(self.s):
                raise self.error("unterminated macro call")
            if self.peek(")"):
                self.i += 1
                return args
            if self.peek(","):
                self.i += 1
                continue
            word = _DIRECTIVE_NAME.match(self.s, self.i)
            if word and word.group() not in ("true", "false"):
                # A bare word is a valid argument to Velocity's parser (#foreach's "in" is one).
                self.i = word.end()
                args.append(Literal(JavaString(word.group())))
                continue
            args.append(self.primary())

    # -- references
    def try_reference(self) -> Ref | None:
        """Parse ``$...`` at self.i; None (position unchanged) when it is plain text."""
        s = self.s
        start = self.i
        j = start + 1
        quiet = False
        if s.startswith("!", j):
            quiet = True
            j += 1
        formal = s.startswith("{", j)
        if formal:
            j += 1
        m = _IDENT.match(s, j)
        if not m:
            return None
        root = m.group()
        self.i = m.end()
        modifiers = self.modifiers(formal)
        if formal:
            if not self.peek("}"):
                raise self.error("unterminated ${")
            self.i += 1
        ref = Ref(root, modifiers, s[start : self.i], quiet)
        if not formal and self.peek("{"):
            # Velocity's lexer reads "$a{name}" as the reference, "{", and nothing of "name}";
            # "$a{name" followed by anything but "}" does not parse.
            braced = _BRACED_AFTER_REFERENCE.match(s, self.i)
            if braced:
                ref.trailer = "{"
                self.i = braced.end()
            elif _IDENT.match(s, self.i + 1) or s.startswith("$", self.i + 1):
                raise self.error("a reference followed by '{name' without '}'")
        return ref

    def modifiers(self, formal: bool) -> list[Modifier]:
        s = self.s
        mods: list[Modifier] = []
        while self.i < len(s):
            if s[self.i] == "." and (m := _IDENT.match(s, self.i + 1)):
                name = m.group()
                if s.startswith("(", m.end()):
                    if m.end() + 1 == len(s) and not formal:
                        break  # "$a.b(" ending the template is text
                    self.i = m.end() + 1
                    mods.append(Modifier("method", name, self.call_args()))
                else:
                    mods.append(Modifier("property", name))
                    self.i = m.end()
                continue
            if s[self.i] == "[":
                save = self.i
                self.i += 1
                try:
                    self.skip_ws()
                    index = self.primary()
                    self.skip_ws()
                    if not self.peek("]"):
                        raise self.error("expected ]")
                    self.i += 1
                except VelocitySyntaxError:
                    self.i = save
                    break
                mods.append(Modifier("index", args=[index]))
                continue
            break
        return mods

    def call_args(self) -> list[Any]:
        args: list[Any] = []
        self.skip_ws()
        if self.peek(")"):
            self.i += 1
            return args
        while True:
            self.skip_ws()
            args.append(self.primary())
            self.skip_ws()
            if self.peek(","):
                self.i += 1
                continue
            if self.peek(")"):
                self.i += 1
                return args
            raise self.error("expected , or ) in method arguments")

    # -- expressions
    def expression(self) -> Any:
        return self.binary(0)

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("==", "!="),
        ("<=", ">=", "<", ">"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def operator(self, ops: tuple[str, ...]) -> str | None:
        self.skip_ws()
        for op in ops:
            if self.peek(op):
                if op in ("<", ">") and self.peek(op + "="):
                    continue
                if op == "-" and self.i + 1 < len(self.s) and self.s[self.i + 1].isdigit():
                    return None  # -7 is a number literal, not a subtraction
                self.i += len(op)
                return op
        m = re.compile(r"[a-z]+").match(self.s, self.i)
        if m and _WORD_OPERATORS.get(m.group()) in ops:
            self.i = m.end()
            return _WORD_OPERATORS[m.group()]
        return None

    def binary(self, level: int) -> Any:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.operator(self._LEVELS[level])) is not None:
            right = self.binary(level + 1)
            left = Binary(op, left, right)
        return left

    def unary(self) -> Any:
        self.skip_ws()
        if self.peek("!") and not self.peek("!="):
            self.i += 1
            return Unary("!", self.unary())
        m = re.compile(r"not\b").match(self.s, self.i)
        if m:
            self.i = m.end()
            return Unary("!", self.unary())
        if self.peek("("):
            self.i += 1
            inner = self.expression()
            self.skip_ws()
            if not self.peek(")"):
                raise self.error("expected )")
            self.i += 1
            return inner
        return self.primary()

    def primary(self) -> Any:
        self.skip_ws()
        s = self.s
        if self.i >= len(s):
            raise self.error("unexpected end of template")
        c = s[self.i]
        if c == "$":
            ref = self.try_reference()
            if ref is None:
                # In an expression a stray "$" or "$!" before a reference is skipped.
                stray = 2 if self.peek("$!$") else 1
                if not s.startswith("$", self.i + stray):
                    raise self.error("bad reference")
                self.i += stray
                return self.primary()
            return ref
        if c in "'\"":
            return self.string_literal()
        if c == "[":
            return self.list_literal()
        if c == "{":
            return self.map_literal()
        m = _NUMBER.match(s, self.i)
        if m:
            self.i = m.end()
            text = m.group()
            if re.fullmatch(r"-?\d+", text):
                return Literal(int(text))
            return Literal(float(text))
        for word, value in (("true", True), ("false", False)):
            if s.startswith(word, self.i) and not _IDENT.match(s, self.i + len(word)):
                self.i += len(word)
                return Literal(value)
        raise self.error(f"unexpected {s[self.i : self.i + 10]!r}")

    def string_literal(self) -> Any:
        s = self.s
        quote = s[self.i]
        j = self.i + 1
        out: list[str] = []
        while True:
            if j >= len(s):
                raise self.error("unterminated string literal")
            c = s[j]
            if c == quote:
                if s.startswith(quote, j + 1):
                    out.append(quote)
                    j += 2
                    continue
                break
            out.append(c)
            j += 1
        self.i = j + 1
        text = "".join(out)
        if quote == '"':  # only double-quoted literals decode \uXXXX
            text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        if quote == '"' and ("$" in text or "#" in text):
            inner = _Parser(text, self.macros, whole=False)
            body, _ = inner.parse_block(())
            return Interpolated(body)
        return Literal(JavaString(text))

    def list_literal(self) -> Any:
        self.i += 1
        self.skip_ws()
        if self.peek("]"):
            self.i += 1
            return ListLiteral([])
        first = self.primary()
        self.skip_ws()
        if self.peek(".."):
            self.i += 2
            stop = self.primary()
            self.skip_ws()
            if not self.peek("]"):
                raise self.error("expected ] after range")
            self.i += 1
            return RangeLiteral(first, stop)
        items = [first]
        while True:
            self.skip_ws()
            if self.peek("]"):
                self.i += 1
                return ListLiteral(items)
            if not self.peek(","):
                raise self.error("expected , or ] in list")
            self.i += 1
            items.append(self.primary())

    def map_literal(self) -> Any:
        self.i += 1
        items: list[tuple[Any, Any]] = []
        self.skip_ws()
        if self.peek("}"):
            self.i += 1
            return MapLiteral(items)
        while True:
            key = self.primary()
            self.skip_ws()
            if not self.peek(":"):
                raise self.error("expected : in map")
            self.i += 1
            value = self.primary()
            items.append((key, value))
            self.skip_ws()
            if self.peek("}"):
                self.i += 1
                return MapLiteral(items)
            if not self.peek(","):
                raise self.error("expected , or } in map")
            self.i += 1
            self.skip_ws()


@dataclass
class Template:
    body: list[Any]
    macros: dict[str, Macro]


def parse(source: str) -> Template:
    """Parse a template (macros are collected at parse time, as in Velocity)."""
    macros: dict[str, Macro] = {}
    parser = _Parser(source, macros)
    body, term = parser.parse_block(())
    if term is not None:  # pragma: no cover - parse_block only returns terminators it was given
        raise parser.error(f"unexpected #{term}")
    return Template(body, macros)


# ---------------------------------------------------------------------------------------------
# Evaluation


@dataclass
class _ArgBinding:
    """A macro parameter: its argument, evaluated each time it is used (pass by name)."""

    expr: Any
    frame: _Frame | None


@dataclass
class _Frame:
    bindings: dict[str, _ArgBinding]
    parent: _Frame | None
    depth: int


class ForeachScope:
    """``$foreach``: the loop's position."""

    def __init__(self, index: int, has_next: bool, parent: Any) -> None:
        self.index = index
        self.count = index + 1
        self.has_next = has_next
        self.parent = parent

    def property(self, name: str) -> Any:
        values = {
            "index": self.index,
            "count": self.count,
            "hasNext": self.has_next,
            "first": self.index == 0,
            "last": not self.has_next,
            "parent": self.parent,
        }
        return values.get(name, NoSuchMethod)


class _Renderer:
    def __init__(self, template: Template, context: dict[str, Any]) -> None:
        self.template = template
        self.ctx = context
        self.frame: _Frame | None = None

    # -- output
    def render(self, nodes: list[Any], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Ref):
                self.render_ref(node, out)
            elif isinstance(node, SetNode):
                self.do_set(node)
            elif isinstance(node, IfNode):
                for cond, body in node.branches:
                    if self.condition(cond):
                        self.render(body, out)
                        break
                else:
                    if node.otherwise is not None:
                        self.render(node.otherwise, out)
            elif isinstance(node, ForeachNode):
                self.do_foreach(node, out)
            elif isinstance(node, MacroCall):
                self.do_macro(node, out)
            elif isinstance(node, BreakNode):
                raise _Break
            elif isinstance(node, StopNode):
                raise _Stop

    def render_ref(self, ref: Ref, out: list[str]) -> None:
        self.render_ref_value(ref, out)
        out.append(ref.trailer)

    def render_ref_value(self, ref: Ref, out: list[str]) -> None:
        value = self.eval_ref(ref)
        n = ref.backslashes
        literal = self.ref_literal(ref)
        if n % 2:
            out.append("\\" * (n // 2))
            if value is None:
                out.append("\\")
            out.append(literal)
            return
        if value is None:
            out.append("\\" * n)
            if not ref.quiet:
                out.append(literal)
            return
        out.append("\\" * (n // 2))
        out.append(java_to_string(value))

    def ref_literal(self, ref: Ref) -> str:
        """What an unresolved reference prints: its source, or a macro argument's source."""
        if not ref.modifiers and self.frame is not None:
            binding = self.frame.bindings.get(ref.root)
            if binding is not None and isinstance(binding.expr, Ref):
                saved = self.frame
                self.frame = binding.frame
                try:
                    return self.ref_literal(binding.expr)
                finally:
                    self.frame = saved
        return ref.literal

    # -- references
    def lookup(self, name: str) -> Any:
        frame = self.frame
        if frame is not None and name in frame.bindings:
            binding = frame.bindings[name]
            saved = self.frame
            self.frame = binding.frame
            try:
                return self.eval(binding.expr)
            finally:
                self.frame = saved
        return self.ctx.get(name)

    def eval_ref(self, ref: Ref, upto: int | None = None) -> Any:
        value = self.lookup(ref.root)
        mods = ref.modifiers if upto is None else ref.modifiers[:upto]
        for mod in mods:
            if value is None:
                return None
            if mod.kind == "property":
                result = (
                    value.property(mod.name)
                    if isinstance(value, ForeachScope)
                    else get_property(value, mod.name)
                )
            elif mod.kind == "method":
                args = [self.eval(a) for a in mod.args]
                result = self.call(value, mod.name, args)
            else:
                index = self.eval(mod.args[0])
                result = self.index(value, index)
            if result is NoSuchMethod:
                return None
            value = result
        return value

    def call(self, target: Any, name: str, args: list[Any]) -> Any:
        try:
            return invoke(target, name, args)
        except JavaException as exc:
            raise VelocityRenderError(f"invocation of {name} threw {exc}") from exc

    def index(self, target: Any, index: Any) -> Any:
        if isinstance(target, list):
            if not isinstance(index, int) or isinstance(index, bool):
                return NoSuchMethod
            if not -len(target) <= index < len(target):
                raise VelocityRenderError(f"index {index} out of bounds for {len(target)}")
            return target[index]  # a negative index counts from the end
        if isinstance(target, Mapping):
            return target.get(map_key(index))
        return NoSuchMethod

    # -- directives
    def do_set(self, node: SetNode) -> None:
        value = self.eval(node.value)
        if value is None:
            return
        target = node.target
        if not target.modifiers:
            self.ctx[target.root] = value
            return
        last = target.modifiers[-1]
        base = self.eval_ref(target, len(target.modifiers) - 1)
        if base is None:
            return
        if last.kind == "property" and isinstance(base, dict):
            base[last.name] = value
        elif last.kind == "index" and isinstance(base, dict):
            base[map_key(self.eval(last.args[0]))] = value
        elif last.kind == "index" and isinstance(base, list):
            index = self.eval(last.args[0])
            if isinstance(index, int) and 0 <= index < len(base):
                base[index] = value
            else:
                raise VelocityRenderError(f"index {index} out of bounds")

    def do_foreach(self, node: ForeachNode, out: list[str]) -> None:
        items = list(iterate(self.eval(node.iterable)))
        missing = object()
        saved_var = self.ctx.get(node.var, missing)
        saved_scope = self.ctx.get("foreach", missing)
        saved_count = self.ctx.get("velocityCount", missing)
        try:
            for index, item in enumerate(items):
                if item is None:
                    self.ctx.pop(node.var, None)
                else:
                    self.ctx[node.var] = item
                parent = None if saved_scope is missing else saved_scope
                self.ctx["foreach"] = ForeachScope(index, index + 1 < len(items), parent)
                self.ctx["velocityCount"] = index + 1
                try:
                    self.render(node.body, out)
                except _Break:
                    break
        finally:
            for name, saved in (
                (node.var, saved_var),
                ("foreach", saved_scope),
                ("velocityCount", saved_count),
            ):
                if saved is missing:
                    self.ctx.pop(name, None)
                else:
                    self.ctx[name] = saved

    def do_macro(self, node: MacroCall, out: list[str]) -> None:
        macro = self.template.macros.get(node.name)
        if macro is None:
            out.append(node.literal + node.eol)
            return
        depth = 1 if self.frame is None else self.frame.depth + 1
        if depth > MAX_MACRO_DEPTH:
            raise VelocityRenderError(f"macro #{node.name} nested more than {MAX_MACRO_DEPTH} deep")
        bindings = {
            param: _ArgBinding(arg, self.frame)
            for param, arg in zip(macro.params, node.args, strict=False)
        }
        saved = self.frame
        self.frame = _Frame(bindings, saved, depth)
        try:
            self.render(macro.body, out)
        except _Break:
            pass
        finally:
            self.frame = saved

    # -- expressions
    def eval(self, expr: Any) -> Any:
        if isinstance(expr, Literal):
            return expr.value
        if isinstance(expr, Ref):
            return self.eval_ref(expr)
        if isinstance(expr, Interpolated):
            out: list[str] = []
            self.render(expr.body, out)
            return JavaString("".join(out))
        if isinstance(expr, ListLiteral):
            return JavaList(self.eval(item) for item in expr.items)
        if isinstance(expr, MapLiteral):
            result = JavaMap()
            for key, value in expr.items:
                result[map_key(self.eval(key))] = self.eval(value)
            return result
        if isinstance(expr, RangeLiteral):
            return self.range(expr)
        if isinstance(expr, Unary):
            return not self.condition(expr.operand)
        if isinstance(expr, Binary):
            return self.binary(expr)
        raise TypeError(f"not an expression: {expr!r}")  # pragma: no cover

    def source_of(self, expr: Any) -> str:
        return self.ref_literal(expr) if isinstance(expr, Ref) else "null"

    def condition(self, expr: Any) -> bool:
        """An expression as #if, !, && and || read it (Velocity's evaluate(), not value()).

        A reference is false when null or false; boolean literals and operators are themselves;
        every other literal (numbers, strings, lists, maps) and arithmetic counts as false.
        """
        if isinstance(expr, Ref):
            return truthy(self.eval_ref(expr))
        if isinstance(expr, Literal):
            return expr.value is True
        if isinstance(expr, Unary):
            return not self.condition(expr.operand)
        if isinstance(expr, Binary) and expr.op in ("&&", "||", "==", "!=", "<", ">", "<=", ">="):
            return bool(self.binary(expr))
        return False

    def range(self, expr: RangeLiteral) -> Any:
        start, stop = self.eval(expr.start), self.eval(expr.stop)
        bounds = []
        for bound in (start, stop):
            if isinstance(bound, bool) or not isinstance(bound, int | str):
                raise VelocityRenderError(f"range bound {java_to_string(bound)} is not an integer")
            try:
                bounds.append(int(bound))
            except ValueError as exc:
                raise VelocityRenderError(f"range bound {bound!r} is not an integer") from exc
        a, b = bounds
        step = 1 if b >= a else -1
        return JavaList(range(a, b + step, step))

    def binary(self, expr: Binary) -> Any:
        op = expr.op
        if op == "&&":
            return self.condition(expr.left) and self.condition(expr.right)
        if op == "||":
            return self.condition(expr.left) or self.condition(expr.right)
        left, right = self.eval(expr.left), self.eval(expr.right)
        if op == "+" and (left is None) != (right is None):
            # A string plus a null reference: the reference's source text stands in for it.
            if isinstance(left, str):
                return JavaString(str(left) + self.source_of(expr.right))
            if isinstance(right, str):
                return JavaString(self.source_of(expr.left) + str(right))
        if op == "==":
            return velocity_equals(left, right)
        if op == "!=":
            return not velocity_equals(left, right)
        if op in ("<", ">", "<=", ">="):
            if not (is_number(left) and is_number(right)):
                return False
            c = compare_numbers(left, right)
            return {"<": c < 0, ">": c > 0, "<=": c <= 0, ">=": c >= 0}[op]
        return arithmetic(op, left, right)


def truthy(value: Any) -> bool:
    """#if: only null and false are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    return True


def velocity_equals(left: Any, right: Any) -> bool:
    """``==``: numbers by value, same-class objects by equals(), others by their toString()."""
    if left is None and right is None:
        return True
    if left is None or right is None:
        return False
    if is_number(left) and is_number(right):
        return compare_numbers(left, right) == 0
    if _java_class_family(left) == _java_class_family(right):
        return java_equals(left, right)
    return java_to_string(left) == java_to_string(right)


def _java_class_family(value: Any) -> str:
    if isinstance(value, str):
        return "String"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, list):
        return "List"
    if isinstance(value, Mapping):
        return "Map"
    return type(value).__name__


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise VelocityRenderError("infinite or NaN number in a comparison")
        return Decimal(repr(value))
    return Decimal(value)


def compare_numbers(left: Any, right: Any) -> int:
    a, b = _to_decimal(left), _to_decimal(right)
    return (a > b) - (a < b)


def _exact(digits: int) -> Context:
    """A decimal context with room for ``digits``: BigDecimal arithmetic never rounds."""
    return Context(prec=max(digits, 28), Emax=MAX_EMAX, Emin=MIN_EMIN)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent


_LONG = range(-(2**63), 2**63)


def _big_decimal(value: Any) -> Decimal:
    """MathUtils.toBigDecimal: a Double's exact binary value (new BigDecimal(double))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and value not in _LONG:
        return Decimal(value)  # new BigDecimal(BigInteger)
    number = float(value)  # Integer, Long and Double go through doubleValue()
    if math.isnan(number) or math.isinf(number):
        raise VelocityRenderError("NaN or infinite operand")
    return Decimal(number)


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """``+ - * / %`` as Velocity 1.7's MathUtils: null when an operand is not a number (or /0).

    Both integers: long arithmetic that grows into BigInteger; a BigDecimal (or a BigInteger
    with a decimal): BigDecimal, whose division keeps the dividend's scale (HALF_DOWN) and
    which has no modulo; otherwise double.
    """
    if op == "+" and not (is_number(left) and is_number(right)):
        if (
            left is not None
            and right is not None
            and (isinstance(left, str) or isinstance(right, str))
        ):
            return JavaString(java_to_string(left) + java_to_string(right))
        return None
    if not (is_number(left) and is_number(right)):
        return None
    if op in ("/", "%") and _to_decimal(right) == 0:
        return None
    both_int = isinstance(left, int) and isinstance(right, int)
    big_int = any(isinstance(v, int) and v not in _LONG for v in (left, right))
    if isinstance(left, Decimal) or isinstance(right, Decimal) or (big_int and not both_int):
        if op == "%":
            raise VelocityRenderError("Cannot calculate the modulo of BigDecimals.")
        a, b = _big_decimal(left), _big_decimal(right)
        if op in ("+", "-"):
            digits = max(a.adjusted(), b.adjusted()) - min(_exponent(a), _exponent(b)) + 3
            return _exact(digits).add(a, b if op == "+" else -b)
        if op == "*":
            return _exact(len(a.as_tuple().digits) + len(b.as_tuple().digits) + 2).multiply(a, b)
        # divide(divisor, ROUND_HALF_DOWN): the quotient at the dividend's scale.
        context = _exact(a.adjusted() - b.adjusted() - _exponent(a) + 5)
        quotient = context.divide(a, b).quantize(
            Decimal(1).scaleb(_exponent(a)), ROUND_HALF_DOWN, context
        )
        return quotient.copy_abs() if quotient == 0 else quotient  # BigDecimal has no -0
    if both_int:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
        if op == "/":
            return quotient
        if big_int:  # BigInteger.mod: never negative, and the modulus must be positive
            if right < 0:
                raise VelocityRenderError("BigInteger: modulus not positive")
            return left % right
        return left - quotient * right
    x, y = float(left), float(right)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y
    return math.fmod(x, y)


def iterate(value: Any) -> Iterator[Any]:
    """What #foreach walks: a list's items, a map's values; anything else nothing."""
    if isinstance(value, list):
        return iter(list(value))
    if isinstance(value, Mapping):
        return iter(list(value.values()))
    return iter(())


def render_template(template: Template, context: dict[str, Any]) -> str:
    """Render a parsed template into text with a mutable context (Velocity's, shared by #set)."""
    out: list[str] = []
    renderer = _Renderer(template, context)
    try:
        renderer.render(template.body, out)
    except (_Stop, _Break):
        pass
    except RecursionError as exc:
        raise VelocityRenderError("template nested too deeply") from exc
    return "".join(out)


__all__ = [
    "MapEntry",
    "Template",
    "VelocityRenderError",
    "VelocitySyntaxError",
    "parse",
    "render_template",
]
