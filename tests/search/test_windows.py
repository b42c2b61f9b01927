"""Which spans of documents a PostgreSQL search looks in next (rules.Window, next_window)."""

from __future__ import annotations

from throughline.search.rules import Window, first_window, next_window


def test_the_first_look_is_the_newest_two_spans_of_the_smallest_size() -> None:
    # Document 100,000 is in span 3 of 2^15 (32,768 each): spans 3 and 2, from 65,536 on.
    first = first_window(100_000)
    assert first.tsquery() == "w_15_3 | w_15_2"
    assert (first.begins, first.size, first.whole) == (65_536, 34_465, False)
    # A young index: its newest spans reach its first document, they are the whole index.
    young = first_window(1_000)
    assert young.tsquery() == "w_15_0"
    assert young.whole


def test_the_next_spans_are_sized_for_what_is_missing_at_the_density_seen() -> None:
    seen = first_window(100_000_000)  # spans 3051 and 3050 of 2^15: 57,601 documents
    assert seen.size == 57_601
    # 500 of the 2,000 wanted: about 276,000 documents needed, three spans of 2^17 hold them.
    assert next_window(seen, 500, 2000) == Window(17, 3, 100_000_000)
    # 1,900 of 2,000: about 73,000 needed, a third span of 2^15 (90,369 documents).
    assert next_window(seen, 1900, 2000) == Window(15, 3, 100_000_000)
    # 20 of 2,000: about 6.9 million needed, four spans of 2^21 (7.7 million).
    assert next_window(seen, 20, 2000) == Window(21, 4, 100_000_000)
    assert Window(21, 4, 100_000_000).size == 7_725_313


def test_rare_words_go_to_the_whole_index() -> None:
    # None found among the newest: the whole index holds few, ask it at once.
    assert next_window(first_window(3_000_000), 0, 2000) is None
    # The spans that would hold enough reach back to the first document: the whole index.
    assert next_window(first_window(3_000_000), 10, 2000) is None
    # Past four spans of the biggest size there is only the whole index.
    assert next_window(Window(23, 4, 10**9), 1000, 2000) is None
