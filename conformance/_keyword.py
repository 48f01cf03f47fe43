"""``-k`` expressions: substrings of a check's id or title joined by and/or/not and parentheses."""

from __future__ import annotations

import re
from collections.abc import Callable

from conformance._errors import InvalidConfiguration

Matcher = Callable[[str], bool]
TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


def compile_keyword(expression: str) -> Matcher:
    tokens: list[str] = TOKEN.findall(expression)
    if not tokens:
        raise InvalidConfiguration("-k: empty expression")
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token: str = tokens[position]
        position += 1
        return token

    def parse_or() -> Matcher:
        left = parse_and()
        while peek() == "or":
            take()
            right = parse_and()
            left = (lambda a, b: lambda text: a(text) or b(text))(left, right)
        return left

    def parse_and() -> Matcher:
        left = parse_not()
        while peek() == "and":
            take()
            right = parse_not()
            left = (lambda a, b: lambda text: a(text) and b(text))(left, right)
        return left

    def parse_not() -> Matcher:
        if peek() == "not":
            take()
            inner = parse_not()
            return lambda text: not inner(text)
        return parse_atom()

    def parse_atom() -> Matcher:
        token = peek()
        if token is None:
            raise InvalidConfiguration(f"-k {expression!r}: unexpected end of expression")
        if token == "(":
            take()
            inner = parse_or()
            if peek() != ")":
                raise InvalidConfiguration(f"-k {expression!r}: missing ')'")
            take()
            return inner
        if token in (")", "and", "or"):
            raise InvalidConfiguration(f"-k {expression!r}: unexpected {token!r}")
        word = take().lower()
        return lambda text: word in text

    matcher = parse_or()
    if position != len(tokens):
        raise InvalidConfiguration(f"-k {expression!r}: unexpected {tokens[position]!r}")
    return lambda text: matcher(text.lower())
