"""``make bench``: how fast Throughline is, measured side by side with its limits (issue 6).

Run ``python -m bench.run`` (``--quick`` for the tiny version ``make test`` runs).
docs/PERFORMANCE.md explains the scenarios, the configuration and the last results.
"""
