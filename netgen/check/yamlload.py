"""PyYAML's safe loader with a quicker constructor for plain trees.

`netgen check` reads back every document it rendered (12,455 at N=1000): PyYAML's C parser
is quick, but its constructor is Python that goes through generators, a per-node cache and
a tag lookup for every node, and took over half of the check. Documents are almost always
plain trees of mappings, sequences and strings; those are built here directly, every other
scalar (int, bool, null, float, timestamps, ...) through PyYAML's own constructors. A
document with anything else (a merge key, an alias or anchor used twice, an explicit tag
on a collection, an unhashable key) is built again by PyYAML's constructor from the start,
so the result, and any error, is PyYAML's.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _Unusual(Exception):
    """This document is left to PyYAML's constructor."""


_TAGS: dict[tuple[Any, Any, Any], str] = {}  # (node kind, scalar text, implicit) -> tag


class Loader(_BASE):  # type: ignore[misc,valid-type]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """The tag of an untagged node, remembered: names, labels and ports repeat across
        thousands of documents, and PyYAML tries its implicit-type patterns on each."""
        key = (kind, value, implicit)
        tag = _TAGS.get(key)
        if tag is None:
            if len(_TAGS) >= 1 << 16:
                _TAGS.clear()
            tag = _TAGS[key] = super().resolve(kind, value, implicit)
        return tag

    def construct_document(self, node: Node) -> Any:
        try:
            data = self._plain(node, set())
        except _Unusual:
            data = None
        else:
            return data
        finally:  # what construct_object cached for scalars
            self.constructed_objects = {}
            self.recursive_objects = {}
        return super().construct_document(node)

    def _plain(self, node: Node, seen: set[int]) -> Any:
        kind, tag = type(node), node.tag
        if kind is ScalarNode:
            return node.value if tag == _STR else self.construct_object(node)
        if id(node) in seen:  # an alias: PyYAML shares the object (and allows cycles)
            raise _Unusual
        seen.add(id(node))
        if kind is MappingNode and tag == _MAP:
            out = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    raise _Unusual
                key = self._plain(key_node, seen)
                try:
                    out[key] = self._plain(value_node, seen)
                except TypeError:  # an unhashable key: PyYAML words the error
                    raise _Unusual from None
            return out
        if kind is SequenceNode and tag == _SEQ:
            return [self._plain(item, seen) for item in node.value]
        raise _Unusual
