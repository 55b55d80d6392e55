"""Where a comparison stands (operation, part, field path) and the findings it makes there."""

from __future__ import annotations

from dataclasses import dataclass, field

from spec_diff.catalogue import CATALOGUE, Directed, Rule
from spec_diff.model import Change, ShownIn

REQUEST = "request"
RESPONSE = "response"


@dataclass(frozen=True)
class Place:
    """One spot of the API as a client meets it: ``POST /meetings`` / ``request body`` / ``data.id``.

    ``direction`` says which way the values flow: a client sends requests (NEW may accept more,
    never less) and receives responses (NEW may promise more, never less).
    """

    where: str
    part: str
    direction: str = REQUEST
    path: tuple[str, ...] = ()

    def down(self, segment: str) -> Place:
        return Place(self.where, self.part, self.direction, (*self.path, segment))

    @property
    def field(self) -> str:
        return ".".join(self.path).replace(".[]", "[]")

    @property
    def is_request(self) -> bool:
        return self.direction == REQUEST

    def rule(self, rule: Rule | Directed) -> Rule:
        """``rule`` itself, or of a pair the one for the side this place is on."""
        return rule.on(request=self.is_request) if isinstance(rule, Directed) else rule

    def now(self, what: str) -> str:
        """``now accepts X`` (request) or ``may now answer X`` (response)."""
        return f"now accepts {what}" if self.is_request else f"may now answer {what}"

    def no_longer(self, what: str) -> str:
        """``no longer accepts X`` (request) or ``no longer answers X`` (response)."""
        return f"no longer {'accepts' if self.is_request else 'answers'} {what}"


@dataclass
class Findings:
    """The changes found so far, each kept once per place."""

    changes: list[Change] = field(default_factory=list)
    compared: set[tuple[str, str]] = field(default_factory=set)  # (where, part) of every schema compared
    _seen: set[tuple[str, str, str, str, str]] = field(default_factory=set)

    def add(
        self,
        rule: Rule | Directed,
        place: Place,
        message: str,
        new_pointer: str | None = None,
        old_pointer: str | None = None,
        *,
        view: ShownIn = ShownIn.BOTH,
    ) -> None:
        """Record a change of kind ``rule`` (a catalogue entry: its level is the rule's) at ``place``."""
        found = CATALOGUE.check(place.rule(rule))
        change = Change(found.level, found.id, place.where, place.part, place.field, message,
                        new_pointer, old_pointer, view)
        if change.key not in self._seen:
            self._seen.add(change.key)
            self.changes.append(change)
