"""Scenario 5 of the benchmark in its quick size: a burst of realistic mail over SMTP.

Speed is not asserted (a loaded machine would make that flaky); what is asserted
is what the scenario checks at any size: four clients at once, every message
stored exactly once and processed, replies threaded to their cases.
"""

from __future__ import annotations

import asyncio

from bench.scenarios import email

from throughline.config import Settings


async def test_a_burst_of_mail_from_four_clients_loses_nothing(
    database_url: str, settings: Settings
) -> None:
    result = await asyncio.to_thread(
        email.run,
        database_url,
        var_dir=str(settings.var_dir),
        secret_key="bench-secret",
        messages=120,
        clients=4,
        timeout=120,
    )

    assert result["errors"] == []
    assert result["stored"] == 120
    outcomes = result["outcomes"]
    # Per client of 30 mails: 3 auto-replies, 9 replies to the customer's earlier mail,
    # 18 that open cases.
    assert outcomes["ignored/auto_reply"] == 12
    assert outcomes["processed/threaded"] == 36
    assert outcomes["processed/new_case"] == result["cases"] == 72
    assert result["stored_per_second"] > 0
    assert result["smtp_ms"]["p50"] > 0
