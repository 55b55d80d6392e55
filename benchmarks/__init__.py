"""``make bench``: load-test the mock, started as ``make mock`` starts it, against Prism on the same spec."""
