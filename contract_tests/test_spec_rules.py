"""Each rule the spec declares, as the whole run judged it (these run last).

Every answer the suite got was judged by the spec's rules as it came back, and a broken rule
already failed the test that got that answer (with a curl to reproduce it). Here each rule
reports once more, on its own line: kept (and on how many exchanges), broken, or skipped with
the reason it could not be judged, so that a rule no request exercised never reads as passed.
"""

from __future__ import annotations

import pytest

from contract_tests.target import current

RUN = current()
RULES = list(RUN.ledger.rules)


@pytest.mark.parametrize("rule", RULES, ids=RULES)
def test_rule(rule: str) -> None:
    tally = RUN.ledger.rules[rule]
    if tally.failed:
        pytest.fail(f"{rule}: {tally.detail}", pytrace=False)
    if not tally.passed:
        pytest.skip(f"{rule}: {tally.detail}")
