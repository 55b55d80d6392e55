"""What a spec diff finds: changes, each with the level a client written against OLD would feel."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class Level(enum.IntEnum):
    """How a change meets a client written against the old spec (ordered, so ``max`` works)."""

    COMPATIBLE = 0  # no client written against OLD can fail because of it
    POSSIBLY_BREAKING = 1  # cannot be decided from the spec alone, or breaks only the mock's strict view
    BREAKING = 2  # a client written against OLD may fail against NEW

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")

    @property
    def option(self) -> str:
        """The spelling on the command line (``--fail-on possibly-breaking``)."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def from_option(cls, text: str) -> Level:
        return cls[text.upper().replace("-", "_").replace(" ", "_")]


class ShownIn(enum.Enum):
    """Which reading of the spec a change shows in (see ``meetings_spec.views``)."""

    BOTH = "both"  # the docs' facts: every server, and the mock
    STRICT = "strict"  # only the strict view: the mock's assumptions (x-strict, x-only-in: strict, x-assumption)
    LENIENT = "lenient"  # only the lenient view: what a real server is held to (x-strict overrides it in the strict one)


STRICT_ONLY_NOTE = (
    "strict view only: it changes an assumption of the mock (x-strict, x-only-in: strict or x-assumption), "
    "not a fact of the docs"
)

LENIENT_ONLY_NOTE = (
    "lenient view only: it changes what a real server is held to; the mock's strict view is unchanged "
    "(x-strict holds its own value there)"
)


@dataclass(frozen=True)
class Change:
    """One difference between OLD and NEW, where it shows, and what it means for a client."""

    level: Level
    rule: str  # id of its rule in ``spec_diff.catalogue``, e.g. ``request-property-became-required``
    where: str  # the operation (``POST /meetings``) or another part of the document (``servers``)
    part: str  # ``request body``, ``response 200 body``, ``parameter id (path)``, ``security``...
    field: str  # dotted path inside the part (``data.end_user.email``); empty for the part itself
    message: str
    new_pointer: str | None = None  # JSON pointer in NEW where the change is written (or its nearest parent)
    old_pointer: str | None = None
    view: ShownIn = ShownIn.BOTH

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What makes two findings the same change (the level and view aside)."""
        return (self.rule, self.where, self.part, self.field, self.message)

    @property
    def location(self) -> str:
        """``POST /meetings request body data.id``: where a reader finds it, in API terms."""
        return " ".join(piece for piece in (self.where, self.part, self.field) if piece)

    @property
    def text(self) -> str:
        """The message, with the view it applies to when that is not both."""
        note = {ShownIn.STRICT: STRICT_ONLY_NOTE, ShownIn.LENIENT: LENIENT_ONLY_NOTE}.get(self.view)
        return f"{self.message}; {note}" if note else self.message

    def in_view(self, view: ShownIn, level: Level | None = None) -> Change:
        return replace(self, view=view, level=self.level if level is None else level)

