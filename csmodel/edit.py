"""Editing a validated scenario in code: one leaf, validated again, nothing else rebuilt.

``csmodel.overrides`` edits the *document* (variants, ``--set``: plain data
re-validated as a whole, so errors point at the line or flag that caused
them). Analyses that evaluate many points (sensitivity steps, staffing levels,
goal seek) edit a validated :class:`~csmodel.schema.Scenario` instead, through
:func:`edit`: the model that holds the leaf is validated again with the new
value (the same field validators a file goes through, so a value a file may
not hold is refused here too), and its ancestors are copied with it. A point
costs microseconds, not a re-validation of the whole scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from csmodel.errors import Problem, ScenarioError


def _split(model: BaseModel, path: tuple[str, ...]) -> list[tuple[Any, str]]:
    """The chain of (container, key) from the scenario down to the leaf."""
    chain: list[tuple[Any, str]] = []
    node: Any = model
    for key in path:
        chain.append((node, key))
        if isinstance(node, BaseModel):
            if key not in type(node).model_fields:
                raise KeyError(key)
            node = getattr(node, key)
        elif isinstance(node, Mapping):
            node = node[key]
        else:
            raise KeyError(key)
    return chain


def edit(scenario: BaseModel, path: tuple[str, ...] | str, value: Any) -> Any:
    """``scenario`` with the value at ``path`` replaced by ``value``, validated.

    ``path`` is a tuple of keys (segment and meeting names may contain dots) or
    a dotted string without such names. Raises :class:`ScenarioError` (the key
    path and the field's own message) when the value is not valid there, and
    ``KeyError`` when the path names nothing.
    """
    keys = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
    chain = _split(scenario, keys)
    holder_at = max(i for i, (node, _) in enumerate(chain) if isinstance(node, BaseModel))
    holder, field = chain[holder_at]
    data = dict(holder)
    inner = keys[holder_at + 1 :]
    if inner:  # a leaf inside a mapping field of the holder (e.g. a meeting's hours)
        data[field] = _replace_in(getattr(holder, field), inner, value)
    else:
        data[field] = value
    try:
        new: Any = type(holder).model_validate(data)
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        raise ScenarioError(Problem("<edit>", message, key=".".join(keys))) from None
    for node, key in reversed(chain[:holder_at]):
        if isinstance(node, BaseModel):
            new = node.model_copy(update={key: new})
        else:
            new = MappingProxyType({**node, key: new})
    return new


def _replace_in(node: Any, keys: tuple[str, ...], value: Any) -> Any:
    if not keys:
        return value
    if isinstance(node, BaseModel):
        data = dict(node)
        data[keys[0]] = _replace_in(getattr(node, keys[0]), keys[1:], value)
        return data
    return {**node, keys[0]: _replace_in(node[keys[0]], keys[1:], value)}


def only_segment(scenario: Any, name: str) -> Any:
    """The scenario reduced to one segment (segments do not interact in the engine)."""
    return scenario.model_copy(
        update={"segments": MappingProxyType({name: scenario.segments[name]})}
    )
