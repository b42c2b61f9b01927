"""Customer identities: how an address is compared."""

from __future__ import annotations

PROFICIENCIES = ("novice", "intermediate", "expert")


def normalize_identity(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")
    return value
