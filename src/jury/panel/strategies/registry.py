"""The strategy registry: built-in strategies plus any an installed package declares in the
`jury.strategies` entry-point group, e.g. in its pyproject.toml:

    [project.entry-points."jury.strategies"]
    my_strategy = "my_package.module:MyStrategy"

Plugins load lazily, the first time a name is looked up. A name is registered once: a second
strategy of the same name (a plugin shadowing a built-in, or two plugins) is refused, and an unknown
name gets the nearest known names as a suggestion.
"""

from __future__ import annotations

import difflib
from importlib.metadata import entry_points

from jury.errors import JuryError
from jury.panel.strategies.base import Strategy
from jury.panel.strategies.likelihood import Likelihood
from jury.panel.strategies.pairwise import Pairwise
from jury.panel.strategies.pointwise import PointwiseProbe, ReferenceCheck, SingleGrade

ENTRY_POINT_GROUP = "jury.strategies"
BUILT_IN: tuple[type[Strategy], ...] = (Pairwise, PointwiseProbe, SingleGrade, ReferenceCheck, Likelihood)


class StrategyRegistry:
    def __init__(self) -> None:
        self._by_name: dict[str, Strategy] = {}
        self._origin: dict[str, str] = {}
        self._plugins_loaded = False

    def register(self, cls: type[Strategy], origin: str = "jury") -> None:
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise JuryError(f"{origin} registers {cls!r}, which is not a jury Strategy class")
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise JuryError(f"{origin}: strategy class {cls.__name__} has no `name`")
        if name in self._by_name:
            raise JuryError(
                f"two strategies are named '{name}' (from {self._origin[name]} and {origin})",
                fix="uninstall one of the packages, or rename its strategy",
            )
        parsers = getattr(cls, "parsers", ())
        if not parsers or not getattr(cls, "fields", None):
            raise JuryError(f"{origin}: strategy '{name}' must declare `fields` and at least one parser")
        self._by_name[name] = cls()
        self._origin[name] = origin

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            origin = f"plugin '{ep.name}' ({ep.value})"
            try:
                cls = ep.load()
            except Exception as exc:  # a broken plugin must say which one it is
                raise JuryError(f"cannot load strategy {origin}: {type(exc).__name__}: {exc}") from None
            self.register(cls, origin)

    def names(self) -> tuple[str, ...]:
        self._load_plugins()
        return tuple(self._by_name)

    def get(self, name: str, where: str | None = None) -> Strategy:
        self._load_plugins()
        if name not in self._by_name:
            near = difflib.get_close_matches(str(name), self._by_name, n=1)
            fix = f"did you mean '{near[0]}'?" if near else f"one of {', '.join(self._by_name)}"
            raise JuryError(f"unknown strategy '{name}'", where=where, fix=fix)
        return self._by_name[name]


def _default_registry() -> StrategyRegistry:
    registry = StrategyRegistry()
    for cls in BUILT_IN:
        registry.register(cls)
    return registry


STRATEGIES = _default_registry()


def get_strategy(name: str, where: str | None = None) -> Strategy:
    return STRATEGIES.get(name, where)
