"""``make bench``: load-test the mock (started as ``make mock`` starts it) and the validation proxy, each against Prism doing the same job."""
