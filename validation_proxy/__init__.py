"""A validation proxy for the Meetings API: forwards traffic to a real server unchanged and
reports, call by call, where the exchange breaks the spec (``waterrai-proxy``)."""
