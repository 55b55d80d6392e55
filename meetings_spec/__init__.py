"""The Meetings API description, loaded once and shared by the mock, the contract suite and the fixtures.

Everything the kit knows about the API (routes, fields, defaults, enums, examples, and the rules
declared with vendor extensions) is read from ``openapi/meetings.yaml`` through this package.
"""

from meetings_spec.loader import SPEC_PATH, SpecError, load_spec
from meetings_spec.views import View, contract_view

__all__ = ["SPEC_PATH", "SpecError", "View", "contract_view", "load_spec"]
