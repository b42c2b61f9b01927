"""Scenario 6: search and the similar-cases panel on the seeded desk.

200 varied queries: one to three words drawn from what the desk's customers and reps write
(common words such as "router", rarer ones such as "splash", combinations that match
nothing, case numbers), asked over ``GET /api/v1/search``; the panel is
``GET /api/v1/cases/{number}/similar`` for random cases.
"""

from __future__ import annotations

import functools
import random

QUERY_COUNT = 200
_WORDS = (
    "router internet drops evening laptop wifi office printer offline update invoice charged "
    "twice app crashes start password reset email spam sync stuck replacement broken vpn "
    "disconnects hour export csv empty screen flickers monitor codes rejected authenticator "
    "restart firmware driver cache cable power certificate refund duplicate header splash "
    "voicemail screenshot morning network connect icon spinning"
).split()
_NOTHING = ("zeppelin", "quasar", "marmalade", "xylophone")


@functools.lru_cache(maxsize=4)
def queries(seed_cases: int, first_case: int = 1001) -> list[str]:
    rng = random.Random(6)
    found: list[str] = []
    while len(found) < QUERY_COUNT:
        pick = rng.random()
        if pick < 0.05:
            found.append(f"TL-{first_case + rng.randrange(max(seed_cases, 1))}")
        elif pick < 0.1:
            found.append(f"{rng.choice(_WORDS)} {rng.choice(_NOTHING)}")
        else:
            found.append(" ".join(rng.sample(_WORDS, rng.choice((1, 1, 2, 2, 2, 3)))))
    return found
