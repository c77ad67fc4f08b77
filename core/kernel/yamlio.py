"""Reading YAML strictly (scheme files): the rules of :mod:`core.kernel.jsonio`, for YAML.

PyYAML follows YAML 1.1, which reads numbers in ways a records system must not:

* numbers with a point go through a binary float (``1.0e-400`` is ``0.0``,
  ``33.3333333333333333`` is ``33.333333333333336``): here they are read exactly as
  ``Decimal``, from the text as written;
* a leading zero means octal (``010`` is 8) and colons mean base 60 (``1:30`` is 90):
  here integers are decimal digits, and anything else written as a number is refused;
* a key given twice silently keeps the last: here it is refused;
* dates become date objects: here they stay the text written (``2026-01-01``).

The document then passes :func:`core.kernel.jsonio.checked` (readable text, bounded depth
and integers), so a YAML file meets the same rules as a JSON body. Errors are
``yaml.YAMLError`` with the line and column.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml

from core.kernel import jsonio

_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_INTEGER = re.compile(r"[-+]?[0-9]+")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with exact numbers, decimal integers, no duplicate keys, no aliases,
    bounded nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # An alias re-uses an anchored node; nine levels of them ("billion laughs") make a
        # 1 KB file expand to gigabytes. Scheme files have no need of them.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML 别名 (*alias) 不受支持 (aliases are not accepted)",
                event.start_mark,
            )  # fmt: skip
        # Nesting is bounded here, while composing, as JSON bodies are: PyYAML recurses per
        # level, and a file of 5,000 brackets would otherwise end in a RecursionError.
        depth = self._depth
        if depth >= jsonio.MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None,
                f"嵌套超过 {jsonio.MAX_DEPTH} 层 (nested more than {jsonio.MAX_DEPTH} levels deep)",
                self.peek_event().start_mark,
            )  # fmt: skip
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth


def _integer(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if not _INTEGER.fullmatch(text):
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"{text!r}：整数请用十进制数字 0–9 书写 "
            f"({text!r}: write whole numbers in decimal digits (0–9))",
            node.start_mark,
        )
    if len(text.lstrip("+-")) > jsonio.MAX_INT_DIGITS:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"整数超过 {jsonio.MAX_INT_DIGITS} 位 "
            f"(an integer of more than {jsonio.MAX_INT_DIGITS} digits)",
            node.start_mark,
        )
    return int(text, 10)  # "010" is ten, as the person who typed it meant


def _decimal(loader: _StrictLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node)
    if not _DECIMAL.fullmatch(text):
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"{text!r} 不是有效数字，如 92.50 ({text!r} is not a decimal number such as 92.50)",
            node.start_mark,
        )
    return Decimal(text)


def _text(loader: _StrictLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"键 {key!r} 出现了两次 (the key {key!r} appears twice)",
                key_node.start_mark,
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _integer)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _text)
_StrictLoader.construct_mapping = _mapping  # type: ignore[method-assign]


def loads(text: str) -> Any:
    """Parse a YAML document strictly (see the module docstring); ``yaml.YAMLError``
    naming line and column, or ``jsonio.JSONError`` naming the path."""
    return jsonio.checked(yaml.load(text, Loader=_StrictLoader))
