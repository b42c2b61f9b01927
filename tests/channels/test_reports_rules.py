"""What counts as "the same error", and how a report reads to a rep. No database."""

from __future__ import annotations

import pytest

from throughline.channels.reports.rules import normalise_summary, report_text, signature


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Counts, ports, line numbers differ from one occurrence to the next.
        ("Sync failed after 3 retries (port 8443)", "sync failed after 12 retries (port 9000)"),
        # Spacing and case.
        ("Could not  open   mailbox", "could not open mailbox."),
        # Hex error addresses and object ids.
        ("Crash at 0x7ffde3a1 in renderer", "Crash at 0x00401000 in renderer"),
        ("Session 3f2a9c81d4e5 expired", "Session 9b1e77aa0c33 expired"),
        (
            "Job 123e4567-e89b-12d3-a456-426614174000 stuck",
            "Job aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee stuck",
        ),
        # The user's own file paths, quoted or not, on any system.
        (
            "Cannot read 'C:\\Users\\maria\\Documents\\inbox.pst'",
            'Cannot read "C:\\Users\\tom\\Mail\\archive.pst"',
        ),
        ("Cannot write /home/maria/.cache/acme/db.sqlite", "Cannot write /Users/tom/Library/x.db"),
    ],
)
def test_occurrences_of_one_error_share_a_signature(first: str, second: str) -> None:
    assert normalise_summary(first) == normalise_summary(second)
    assert signature("Acme Mail", "4.2.1", first) == signature("Acme Mail", "4.2.1", second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Sync failed: timeout", "Sync failed: certificate expired"),
        ("Cannot read mailbox", "Cannot write mailbox"),
        ("Printer offline", "Scanner offline"),
    ],
)
def test_different_words_are_different_errors(first: str, second: str) -> None:
    assert signature("Acme Mail", "4.2.1", first) != signature("Acme Mail", "4.2.1", second)


def test_another_version_or_product_is_another_error() -> None:
    same = "Sync failed after 3 retries"
    assert signature("Acme Mail", "4.2.1", same) != signature("Acme Mail", "4.3.0", same)
    assert signature("Acme Mail", "4.2.1", same) != signature("Acme Calendar", "4.2.1", same)
    # The product name's case is not part of the error.
    assert signature("Acme Mail", "4.2.1", same) == signature("acme mail", "4.2.1", same)


def test_report_text_tells_the_rep_what_where_and_what_came_with_it() -> None:
    text = report_text(
        product="Acme Mail",
        version="4.2.1",
        summary="Sync failed",
        description="It happens every morning.",
        environment={
            "os": "Windows",
            "os_version": "11 23H2",
            "app_version": "4.2.1",
            "device": "ThinkPad X1",
            "managed_by_it": True,
        },
        diagnostics={"free_disk_mb": 512, "account_count": 2},
        files=[("sync.log", 2048)],
    )
    assert text.splitlines()[0] == "Error report from Acme Mail 4.2.1: Sync failed"
    assert "It happens every morning." in text
    assert (
        "Environment: Windows 11 23H2, app 4.2.1, device ThinkPad X1, "
        "managed by their IT department"
    ) in text
    assert "Diagnostics: 2 fields (account_count, free_disk_mb)" in text
    assert "Log files: sync.log (2 KB)" in text
