"""Build ``fixtures/``: request/response pairs recorded from the mock and validated against the spec."""
