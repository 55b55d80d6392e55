"""Contract suite: checks any implementation of the Meetings API, given its base URL, against the spec.

Run it with ``pytest contract_tests --base-url URL`` or ``make contract BASE_URL=URL``; the token
comes from ``$WATERRAI_API_TOKEN`` and never appears in anything the suite prints or writes.
"""
