"""``waterrai-spec diff``: the changes between two versions of the spec, each judged as a client sees it.

A request may accept more and demand less; a response may promise more and never less. The
kit's own rules (documented defaults, ``x-echo``, ``x-reuses``...) are promises too, and the
spec's two views (``meetings_spec.views``) decide whether a change touches the docs' facts or
only the mock's assumptions. Every rule, with its level, is in ``spec_diff.catalogue``
(``waterrai-spec rules`` lists them).
"""

from spec_diff.catalogue import CATALOGUE, Rule
from spec_diff.engine import diff_specs
from spec_diff.model import Change, Level, ShownIn

__all__ = ["CATALOGUE", "Change", "Level", "Rule", "ShownIn", "diff_specs"]
