"""Who is acting: a rep (with a token), a customer (with a status link), or the system."""

from __future__ import annotations

from dataclasses import dataclass

from throughline.models import Rep


@dataclass(frozen=True)
class Actor:
    kind: str  # "rep", "customer", "system", "cli"
    rep: Rep | None = None
    customer_id: int | None = None

    @classmethod
    def of_rep(cls, rep: Rep) -> Actor:
        return cls(kind="rep", rep=rep)

    @classmethod
    def of_customer(cls, customer_id: int) -> Actor:
        return cls(kind="customer", customer_id=customer_id)

    @property
    def rep_id(self) -> int | None:
        return self.rep.id if self.rep else None

    @property
    def is_lead(self) -> bool:
        return bool(self.rep and self.rep.is_lead)


SYSTEM = Actor(kind="system")
CLI = Actor(kind="cli")
