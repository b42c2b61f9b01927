"""The bulk loader: a support desk with a million cases, in minutes, for the benchmarks.

It writes rows straight into the tables (PostgreSQL: binary ``COPY`` through
asyncpg; SQLite: ``executemany`` in big transactions with the journal off),
but the desk it builds is one the services could have built, so that every
query sees the shapes it sees in production:

- case numbers start at TL-1001 and grow with time; most cases are resolved,
  and the unresolved ones are the recent ones, in a realistic mix of statuses;
- each rep's ``active_cases`` is exactly the number of unresolved, not proposed
  cases they own, never above capacity; cases wait unowned only when every
  on-shift rep is full (the assignment sweep would find nothing to do);
- every case has a timeline (the first message, the owner, replies,
  steps, escalations, follow-ups, the resolution), one case has 200 entries;
- every status link works: the token is derived from the configured secret
  key, only its hash is stored, and the hashes are unique;
- the background worker finds nothing to do: proposals are younger than the
  auto-resolve delay, due follow-ups and overdue escalations are already noted;
- work lists are not empty: owned active cases carry their ``case_attention``.

History is kept short where it only adds bulk: a resolved case's timeline has
its first message, owner, reply, proposal and confirmation, but not the
status-change entries the services also write.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.engine import make_url

from throughline.cases.rules import ACTIVE_STATUSES, case_summary, normalize_step
from throughline.cases.timeline import PUBLIC_KINDS, Kind
from throughline.config import Settings
from throughline.kit.security import hash_secret, new_rep_token, status_token
from throughline.models import FIRST_CASE_NUMBER, Base
from throughline.search.repository import rebuild_statements

# The columns written, per table, in the order the rows carry them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "teams": ("id", "name", "created_at"),
    "reps": (
        "id",
        "name",
        "email",
        "extension",
        "phone",
        "capacity",
        "on_shift",
        "shift_changed_at",
        "is_lead",
        "role",
        "is_active",
        "active_cases",
        "last_assigned_at",
        "token_hash",
        "approver_id",
        "created_at",
    ),
    "team_members": ("team_id", "rep_id"),
    "customers": ("id", "name", "email", "plan_tier", "proficiency", "environment", "created_at"),
    "identities": ("id", "customer_id", "kind", "value", "created_at"),
    "cases": (
        "id",
        "customer_id",
        "subject",
        "severity",
        "status",
        "channel",
        "plan_tier",
        "environment",
        "owner_id",
        "previous_owner_id",
        "due_at",
        "updated_at",
        "assigned_at",
        "resolution_summary",
        "resolution_proposed_at",
        "resolved_at",
        "resolution_kind",
        "satisfaction",
        "reopen_count",
        "contact_count",
        "status_nonce",
        "status_token_hash",
        "created_at",
    ),
    "timeline_entries": (
        "id",
        "case_id",
        "kind",
        "actor_kind",
        "actor_rep_id",
        "actor_customer_id",
        "body",
        "data",
        "internal",
        "channel",
        "created_at",
    ),
    "steps": (
        "id",
        "case_id",
        "description",
        "normalized",
        "outcome",
        "rep_id",
        "source",
        "repeat_of_id",
        "created_at",
    ),
    "escalations": (
        "id",
        "case_id",
        "team_id",
        "asked_by_id",
        "question",
        "summary",
        "steps_tried",
        "due_at",
        "answered_at",
        "answered_by_id",
        "answer",
        "overdue_noted_at",
        "created_at",
    ),
    "follow_ups": (
        "id",
        "case_id",
        "rep_id",
        "due_at",
        "note",
        "done_at",
        "noted_at",
        "created_at",
    ),
    "case_attention": ("case_id", "reason", "since", "due_at"),
}
# Tables with their own id sequence, moved past the loaded ids afterwards (PostgreSQL).
SEQUENCED = (
    "teams",
    "reps",
    "customers",
    "identities",
    "cases",
    "timeline_entries",
    "steps",
    "escalations",
    "follow_ups",
)

BIG_TIMELINE = 200
TEAMS = ("Tier 2", "Billing", "Hardware")
CHANNELS = ("email", "email", "email", "portal", "portal", "api", "chat", "phone")
PLAN_TIERS = ("free", "free", "pro", "pro", "enterprise", None)
PROFICIENCIES = ("novice", "intermediate", "expert", None)
FIRST_NAMES = (
    "Alex Sam Priya Jordan Dana Lee Maria Chen Fatima Olu Noah Emma Liam Ava Mateo Sofia Yuki "
    "Arjun Zara Ivan Nia Omar Lena Tariq Grace Hugo Ines Kofi Mei Ravi"
).split()
LAST_NAMES = (
    "Rivera Okafor Natarajan Lee Smith Garcia Chen Haddad Adeyemi Novak Kim Silva Rossi Dubois "
    "Tanaka Patel Mensah Kowalski Nguyen Larsen Costa Schmidt Ahmed Murphy Moreau Jensen"
).split()
ENVIRONMENTS = (
    '{"os": "Windows 11", "app_version": "5.2.1"}',
    '{"os": "macOS 15", "app_version": "5.2.0", "managed_by_it": true}',
    '{"os": "Ubuntu 24.04", "app_version": "5.1.9"}',
    '{"device": "iPhone", "os": "iOS 19"}',
    "{}",
    "{}",
)
PROBLEMS = (
    (
        "Internet drops every evening",
        "The connection drops around 8pm every day for a few minutes.",
    ),
    ("Laptop will not join the office Wi-Fi", "It sees the network but will not connect."),
    ("Printer offline after update", "Since the update yesterday the printer shows as offline."),
    ("Invoice charged twice", "I was charged twice for the March invoice, see attached."),
    ("App crashes on start", "The app closes right after the splash screen on my phone."),
    ("Cannot reset password", "The reset email never arrives, I checked the spam folder."),
    ("Sync stuck at 99%", "Files stop syncing at 99% and the icon keeps spinning."),
    ("Replacement router arrived broken", "The new router does not power on at all."),
    ("VPN disconnects every hour", "The VPN drops exactly every hour and asks to log in again."),
    ("Export to CSV is empty", "The export finishes but the file only has the header row."),
    ("Screen flickers on external monitor", "The second monitor flickers when the laptop charges."),
    ("Two-factor codes rejected", "Codes from my authenticator app are always rejected."),
)
REPLIES = (
    "Thanks for the details. Could you restart the device and tell me whether it still happens?",
    "I have looked at your account and found the cause; I am fixing it now.",
    "Please try the steps below and let me know what you see on the screen.",
    "I have sent you a replacement; it should arrive within two working days.",
)
CUSTOMER_REPLIES = (
    "Still happening, I tried it again this morning.",
    "That did not help, the same error comes back.",
    "Here is the screenshot you asked for.",
    "It worked for a day and then broke again.",
)
NOTES = (
    "Customer is on an IT-managed machine; cannot install drivers themselves.",
    "Known issue with firmware 2.3; fix expected next week.",
    "Called the customer, left a voicemail.",
)
STEPS = (
    "Restart the router",
    "Forget the network and reconnect",
    "Reinstall the printer driver",
    "Clear the app cache",
    "Update the firmware",
    "Sign out and sign in again",
    "Check the cable and the power supply",
    "Disable the VPN and retry",
)
SUMMARIES = (
    "Replaced the faulty router.",
    "Refunded the duplicate charge.",
    "Re-enrolled the device certificate after the update reset it.",
    "Updated the firmware; the drops stopped.",
    "Reset the sync database and re-linked the account.",
)
THANKS = ("Works now, thank you!", "Fixed, thanks for sticking with it.", None, None)
QUESTIONS = (
    "Does the latest update break our 802.1X profile?",
    "Can billing reverse the duplicate charge?",
    "Is this a known hardware fault in this batch?",
)
ANSWERS = (
    "Yes: the update resets the certificate store. Re-enrol the device certificate.",
    "Reversed; it shows on the customer's next statement.",
    "Known fault in batch 42; ship a replacement.",
)
AUTO_RESOLVED = (
    "We did not hear back within 7 days, so we closed this case. "
    "Reply at any time and it reopens with the same person."
)
ACTIVE_MIX = (
    ("new", 0.2),
    ("open", 0.35),
    ("waiting_on_customer", 0.3),
    ("waiting_on_team", 0.15),
)
SEVERITIES = (1, 2, 2, 3, 3, 3, 3, 4, 4, 4)


@dataclass(frozen=True)
class SeedPlan:
    cases: int
    reps: int = 1000
    customers: int = 200_000
    random_seed: int = 20261123
    batch: int = 10_000


@dataclass
class SeededRep:
    id: int
    email: str
    token: str
    capacity: int
    on_shift: bool
    active_cases: int


@dataclass
class SeedResult:
    """What was loaded, and what a benchmark needs to use it (rep tokens, the big case)."""

    cases: int = 0
    reps: list[SeededRep] = field(default_factory=list)
    customers: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    big_case: str | None = None
    waiting: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "customers": self.customers,
            "rows": self.rows,
            "big_case": self.big_case,
            "waiting": self.waiting,
            "seconds": round(self.seconds, 2),
            "reps": [rep.__dict__ for rep in self.reps],
        }


ProgressFn = Callable[[str, int, int], None]


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


class Writer(Protocol):
    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None: ...

    async def finish(self) -> None: ...

    async def close(self) -> None: ...

    def timestamp(self, value: datetime) -> Any: ...


def check_columns() -> None:
    """Every NOT NULL column of a loaded table is written: a new column fails here, loudly."""
    for table_name, columns in COLUMNS.items():
        table = Base.metadata.tables[table_name]
        missing = [
            column.name
            for column in table.columns
            if not column.nullable and column.name not in columns
        ]
        unknown = [name for name in columns if name not in table.columns]
        if missing or unknown:
            raise RuntimeError(
                f"bench seed is out of date for {table_name}: "
                f"missing {missing or '-'}, unknown {unknown or '-'}"
            )


class _Desk:
    """Generates the rows; ``ts`` turns a naive UTC datetime into what the driver stores."""

    def __init__(self, plan: SeedPlan, settings: Settings, ts: Callable[[datetime], Any]) -> None:
        self.plan = plan
        self.rng = random.Random(plan.random_seed)
        self.ts = ts
        self.now = datetime.now(UTC).replace(tzinfo=None)
        self.secret = settings.resolved_secret_key()
        self.targets = [settings.severity_target(s) for s in (1, 2, 3, 4)]
        self.escalation_targets = [settings.escalation_target(s) for s in (1, 2, 3, 4)]
        # Proposals stay younger than the auto-resolve delay: the worker has nothing to do.
        self.proposal_window = settings.auto_resolve_after / 2
        self.ids: dict[str, int] = {
            "timeline_entries": 0,
            "steps": 0,
            "escalations": 0,
            "follow_ups": 0,
        }
        self.rows: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.reps: list[SeededRep] = []
        self.rep_names: list[str] = []
        self.rep_json_names: list[str] = []
        self.team_members: dict[int, list[int]] = {}
        self.customer_tiers: list[str | None] = []
        self.slots: dict[int, tuple[str, int | None]] = {}
        self.big_case_index: int | None = None
        self.waiting = 0
        self.recent_from = 0

    # -- people ---------------------------------------------------------------------------

    def _name(self, i: int) -> str:
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        return f"{first} {last}"

    def teams(self) -> list[tuple[Any, ...]]:
        at = self.ts(self.now - timedelta(days=800))
        return [(i + 1, name, at) for i, name in enumerate(TEAMS)]

    def reps_and_members(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Reps with their exact load, planned before any case is written."""
        rng, plan = self.rng, self.plan
        leads = max(1, plan.reps // 100)
        budget = plan.cases // 4  # owned active cases at most a quarter of all cases
        rows, members = [], []
        for rep_id in range(1, plan.reps + 1):
            capacity = rng.choice((5, 6, 8, 10))
            on_shift = rng.random() < 0.6
            want = capacity if on_shift else rng.randint(0, capacity)
            if want > budget:
                # Too few cases to fill this rep: off shift, so no case waits while they have room.
                on_shift, want = False, budget
            budget -= want
            token = new_rep_token()
            email = f"rep{rep_id}@bench.example"
            name = self._name(rep_id * 7 + 3)
            self.reps.append(SeededRep(rep_id, email, token, capacity, on_shift, want))
            self.rep_names.append(name)
            self.rep_json_names.append(json.dumps(name))
            lead = rep_id <= leads
            changed = self.now - timedelta(minutes=rng.randint(5, 600))
            rows.append(
                (
                    rep_id,
                    name,
                    email,
                    str(2000 + rep_id),
                    None,
                    capacity,
                    on_shift,
                    self.ts(changed),
                    lead,
                    "lead" if lead else "rep",
                    True,
                    want,
                    self.ts(changed + timedelta(minutes=1)) if want else None,
                    hash_secret(token),
                    None if lead else 1 + rep_id % leads,
                    self.ts(self.now - timedelta(days=800)),
                )
            )
            for team_id in range(1, len(TEAMS) + 1):
                if rep_id % 37 == team_id or (lead and team_id == 1):
                    members.append((team_id, rep_id))
                    self.team_members.setdefault(team_id, []).append(rep_id)
        for team_id in range(1, len(TEAMS) + 1):
            self.team_members.setdefault(team_id, [1])
        return rows, members

    def customers(self) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        rng, total = self.rng, self.plan.customers
        start = self.now - timedelta(days=760)
        for first in range(0, total, self.plan.batch):
            customers, identities = [], []
            for cid in range(first + 1, min(total, first + self.plan.batch) + 1):
                tier = rng.choice(PLAN_TIERS)
                self.customer_tiers.append(tier)
                email = f"customer{cid}@example.net"
                at = self.ts(start + timedelta(seconds=cid))
                customers.append(
                    (
                        cid,
                        self._name(cid),
                        email,
                        tier,
                        rng.choice(PROFICIENCIES),
                        rng.choice(ENVIRONMENTS),
                        at,
                    )
                )
                identities.append((cid, cid, "email", email, at))
            yield customers, identities

    # -- which cases are not resolved -------------------------------------------------------

    def plan_statuses(self) -> None:
        """Place the unresolved cases among the most recent ones."""
        rng, n = self.rng, self.plan.cases
        slots: list[tuple[str, int | None]] = []
        statuses = [s for s, _ in ACTIVE_MIX]
        weights = [w for _, w in ACTIVE_MIX]
        for rep in self.reps:
            slots += [(s, rep.id) for s in rng.choices(statuses, weights, k=rep.active_cases)]
        every_on_shift_rep_full = all(r.active_cases >= r.capacity for r in self.reps if r.on_shift)
        remaining = n - len(slots)
        if every_on_shift_rep_full and remaining > 0:
            self.waiting = min(max(1, n // 300), remaining // 4)
        slots += [("new", None)] * self.waiting
        proposed = min(n // 200, (n - len(slots)) // 4) if self.reps else 0
        for _ in range(proposed):
            slots.append(("resolution_proposed", rng.randrange(len(self.reps)) + 1))
        window = min(n, max(3 * len(slots), 1))
        self.recent_from = n - window
        positions = sorted(rng.sample(range(self.recent_from, n), len(slots)))
        rng.shuffle(slots)
        self.slots = dict(zip(positions, slots, strict=True))
        # The 200-entry case: the newest owned active case, made "open" (its owner's load
        # stays the same). None only when there are too few cases for anybody to own one.
        owned_active = [i for i, (s, owner) in self.slots.items() if owner and s in ACTIVE_STATUSES]
        if owned_active:
            self.big_case_index = owned_active[-1]
            self.slots[owned_active[-1]] = ("open", self.slots[owned_active[-1]][1])

    def created_at(self, i: int) -> datetime:
        """Case numbers grow with time: two years of history, the last five days dense."""
        n = self.plan.cases
        if i >= self.recent_from:
            recent = max(1, n - self.recent_from)
            age = timedelta(days=5) * ((n - i) / recent)
        else:
            age = timedelta(days=5) + timedelta(days=725) * (
                (self.recent_from - i) / self.recent_from
            )
        return self.now - age - timedelta(seconds=self.rng.random() * 30)

    # -- cases ------------------------------------------------------------------------------

    def cases(self) -> Iterator[tuple[int, dict[str, list[tuple[Any, ...]]]]]:
        for first in range(0, self.plan.cases, self.plan.batch):
            out: dict[str, list[tuple[Any, ...]]] = {
                t: []
                for t in (
                    "cases",
                    "steps",
                    "timeline_entries",
                    "escalations",
                    "follow_ups",
                    "case_attention",
                )
            }
            last = min(self.plan.cases, first + self.plan.batch)
            for i in range(first, last):
                self._case(i, out)
            yield last, out

    def _entry(
        self,
        out: dict[str, list[tuple[Any, ...]]],
        case_id: int,
        kind: str,
        at: datetime,
        *,
        rep: int | None = None,
        customer: int | None = None,
        body: str | None = None,
        data: str = "{}",
        channel: str | None = None,
    ) -> None:
        self.ids["timeline_entries"] += 1
        actor = "rep" if rep is not None else "customer" if customer is not None else "system"
        out["timeline_entries"].append(
            (
                self.ids["timeline_entries"],
                case_id,
                kind,
                actor,
                rep,
                customer,
                body,
                data,
                kind not in PUBLIC_KINDS,
                channel,
                self.ts(at),
            )
        )

    def _step(
        self, out: dict[str, list[tuple[Any, ...]]], case_id: int, rep: int, at: datetime
    ) -> None:
        self.ids["steps"] += 1
        step_id = self.ids["steps"]
        description = self.rng.choice(STEPS)
        outcome = self.rng.choice(("did_not_work", "did_not_work", "worked", "unknown"))
        out["steps"].append(
            (
                step_id,
                case_id,
                description,
                normalize_step(description),
                outcome,
                rep,
                "rep",
                None,
                self.ts(at),
            )
        )
        data = f'{{"step_id": {step_id}, "outcome": "{outcome}", "repeated": false}}'
        self._entry(out, case_id, Kind.STEP, at, rep=rep, body=description, data=data)

    def _escalation(
        self,
        out: dict[str, list[tuple[Any, ...]]],
        case_id: int,
        rep: int,
        severity: int,
        subject: str,
        first: str,
        at: datetime,
        *,
        answered: datetime | None,
    ) -> datetime:
        """An escalation asked at ``at``; answered then, or open. Returns its due time."""
        rng = self.rng
        self.ids["escalations"] += 1
        esc_id = self.ids["escalations"]
        team = rng.randrange(len(TEAMS))
        question = QUESTIONS[team]
        due = at + self.escalation_targets[severity - 1]
        specialist = rng.choice(self.team_members[team + 1])
        overdue_noted = None
        if answered is None and due <= self.now:
            overdue_noted = min(due + timedelta(minutes=1), self.now)
        out["escalations"].append(
            (
                esc_id,
                case_id,
                team + 1,
                rep,
                question,
                case_summary(subject, first),
                "[]",
                self.ts(due),
                self.ts(answered) if answered else None,
                specialist if answered else None,
                ANSWERS[team] if answered else None,
                self.ts(overdue_noted) if overdue_noted else None,
                self.ts(at),
            )
        )
        data = (
            f'{{"escalation_id": {esc_id}, "team": "{TEAMS[team]}", "due_at": "{due.isoformat()}"}}'
        )
        self._entry(out, case_id, Kind.ESCALATION, at, rep=rep, body=question, data=data)
        team_data = f'{{"escalation_id": {esc_id}, "team": "{TEAMS[team]}"}}'
        if answered is not None:
            self._entry(
                out,
                case_id,
                Kind.ESCALATION_ANSWER,
                answered,
                rep=specialist,
                body=ANSWERS[team],
                data=team_data,
            )
        elif overdue_noted is not None:
            self._entry(
                out,
                case_id,
                Kind.ESCALATION_OVERDUE,
                overdue_noted,
                body=f"{TEAMS[team]} has not answered; it was due {due:%Y-%m-%d %H:%M} UTC.",
                data=f'{{"escalation_id": {esc_id}}}',
            )
        return due

    def _follow_up(
        self,
        out: dict[str, list[tuple[Any, ...]]],
        case_id: int,
        rep: int,
        at: datetime,
        *,
        done: bool,
    ) -> None:
        """A follow-up set at ``at``; a due one is noted (as the worker would have), or done."""
        self.ids["follow_ups"] += 1
        follow_id = self.ids["follow_ups"]
        note = "Check whether the fix held."
        due = at + self._minutes(60, 4320)
        noted = min(due + timedelta(minutes=1), self.now) if due <= self.now else None
        done_at = min(due, self.now) if done else None
        data = f'{{"follow_up_id": {follow_id}, "due_at": "{due.isoformat()}"}}'
        self._entry(out, case_id, Kind.FOLLOW_UP, at, rep=rep, body=note, data=data)
        ts = self.ts
        out["follow_ups"].append(
            (
                follow_id,
                case_id,
                rep,
                ts(due),
                note,
                ts(done_at) if done_at else None,
                ts(noted) if noted and not done else None,
                ts(at),
            )
        )
        if noted is not None and not done:
            self._entry(
                out,
                case_id,
                Kind.FOLLOW_UP_DUE,
                noted,
                body=note,
                data=f'{{"follow_up_id": {follow_id}}}',
            )

    def _minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def _case(self, i: int, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng, now, ts = self.rng, self.now, self.ts
        case_id = FIRST_CASE_NUMBER + i
        created = self.created_at(i)
        severity = rng.choice(SEVERITIES)
        customer = rng.randrange(self.plan.customers) + 1
        subject, first = PROBLEMS[rng.randrange(len(PROBLEMS))]
        channel = rng.choice(CHANNELS)
        due = created + self.targets[severity - 1]
        status, owner = self.slots.get(i, ("resolved", None))
        if status == "resolved":
            owner = rng.randrange(len(self.reps)) + 1
        big = i == self.big_case_index
        entry = self._entry
        entry(
            out, case_id, Kind.MESSAGE_IN, created, customer=customer, body=first, channel=channel
        )
        assigned = replied = summary = proposed = resolved = kind = satisfaction = None
        updated = created
        contacts = 1
        if owner is not None:
            assigned = min(created + self._minutes(0, 20), now)
            updated = assigned
            data = (
                f'{{"why": "pulled from the queue", "rep_id": {owner}, '
                f'"rep_name": {self.rep_json_names[owner - 1]}, "previous_owner_id": null}}'
            )
            entry(out, case_id, Kind.OWNER, assigned, data=data)
        attention: tuple[str, datetime, datetime] | None = None
        if owner is None:
            pass  # waits in the queue, status new
        elif status == "new":
            attention = ("new", assigned or created, due)
        elif big:
            contacts = self._big_timeline(out, case_id, owner, customer, created, channel)
            attention = ("customer_replied", now, now + self.targets[severity - 1])
            updated = now
        else:
            assert assigned is not None
            replied = min(assigned + self._minutes(5, 480), now)
            updated = replied
            if status == "waiting_on_team":
                self._escalation(
                    out, case_id, owner, severity, subject, first, replied, answered=None
                )
            else:
                body = rng.choice(REPLIES)
                entry(
                    out, case_id, Kind.MESSAGE_OUT, replied, rep=owner, body=body, channel=channel
                )
            if status == "resolved" and rng.random() < 0.1:
                replied = min(replied + timedelta(minutes=1), now)
                self._step(out, case_id, owner, replied)
            if status == "resolved" and rng.random() < 0.05:
                # A follow-up done long ago: history the pending-follow-up queries must skip.
                self._follow_up(out, case_id, owner, replied, done=True)
            if status == "resolved" and rng.random() < 0.03:
                asked = min(replied + timedelta(minutes=1), now)
                replied = min(asked + self._minutes(30, 360), now)
                self._escalation(
                    out, case_id, owner, severity, subject, first, asked, answered=replied
                )
            if status == "open":
                roll = rng.random()
                if roll < 0.6:
                    again = min(replied + self._minutes(5, 1440), now)
                    entry(
                        out,
                        case_id,
                        Kind.MESSAGE_IN,
                        again,
                        customer=customer,
                        body=rng.choice(CUSTOMER_REPLIES),
                        channel=channel,
                    )
                    contacts = 2
                    updated = again
                    attention = ("customer_replied", again, again + self.targets[severity - 1])
                elif roll < 0.85:
                    asked = min(replied + timedelta(minutes=1), now)
                    answered = min(asked + self._minutes(10, 240), now)
                    self._escalation(
                        out, case_id, owner, severity, subject, first, asked, answered=answered
                    )
                    updated = answered
                    attention = (
                        "escalation_answered",
                        answered,
                        answered + self.targets[severity - 1],
                    )
                else:
                    self._step(out, case_id, owner, min(replied + timedelta(minutes=1), now))
            elif status == "waiting_on_customer" and rng.random() < 0.4:
                self._follow_up(out, case_id, owner, replied, done=False)
            elif status in ("resolution_proposed", "resolved"):
                summary = rng.choice(SUMMARIES)
                if status == "resolution_proposed":
                    proposed = max(replied, now - rng.random() * self.proposal_window)
                else:
                    proposed = min(replied + self._minutes(10, 4320), now)
                auto_at = (proposed + self.proposal_window * 2).isoformat()
                entry(
                    out,
                    case_id,
                    Kind.RESOLUTION_PROPOSED,
                    proposed,
                    rep=owner,
                    body=summary,
                    data=f'{{"auto_resolve_at": "{auto_at}"}}',
                )
                updated = proposed
                if status == "resolved":
                    auto = proposed + self.proposal_window * 2
                    if rng.random() < 0.12 and auto <= now:
                        resolved, kind = auto, "auto"
                        entry(out, case_id, Kind.AUTO_RESOLVED, resolved, body=AUTO_RESOLVED)
                    else:
                        resolved, kind = min(proposed + self._minutes(10, 2880), now), "confirmed"
                        satisfaction = rng.choice((5, 5, 4, 4, 3, 2, 1, None, None))
                        entry(
                            out,
                            case_id,
                            Kind.RESOLUTION_CONFIRMED,
                            resolved,
                            customer=customer,
                            body=rng.choice(THANKS),
                            data=f'{{"satisfaction": {json.dumps(satisfaction)}}}',
                        )
                    updated = resolved
        if attention is not None:
            reason, since, attention_due = attention
            out["case_attention"].append((case_id, reason, ts(since), ts(attention_due)))
        nonce = secrets.token_hex(16)
        out["cases"].append(
            (
                case_id,
                customer,
                subject,
                severity,
                status,
                channel,
                self.customer_tiers[customer - 1],
                "{}",
                owner,
                None,
                ts(due),
                ts(updated),
                ts(assigned) if assigned else None,
                summary,
                ts(proposed) if proposed else None,
                ts(resolved) if resolved else None,
                kind,
                satisfaction,
                0,
                contacts,
                nonce,
                hash_secret(status_token(self.secret, nonce)),
                ts(created),
            )
        )

    def _big_timeline(
        self,
        out: dict[str, list[tuple[Any, ...]]],
        case_id: int,
        owner: int,
        customer: int,
        created: datetime,
        channel: str,
    ) -> int:
        """Fill a case up to ``BIG_TIMELINE`` entries: a long back-and-forth. Returns contacts."""
        rng, contacts = self.rng, 1
        wanted = BIG_TIMELINE - 2  # the first message and the owner are already there
        step = (self.now - created) / (wanted + 1)
        for n in range(wanted):
            at = created + step * (n + 1)
            turn = n % 4
            if turn == 0:
                body = rng.choice(REPLIES)
                self._entry(
                    out, case_id, Kind.MESSAGE_OUT, at, rep=owner, body=body, channel=channel
                )
            elif turn == 1:
                contacts += 1
                body = rng.choice(CUSTOMER_REPLIES)
                self._entry(
                    out, case_id, Kind.MESSAGE_IN, at, customer=customer, body=body, channel=channel
                )
            elif turn == 2:
                self._entry(out, case_id, Kind.NOTE, at, rep=owner, body=rng.choice(NOTES))
            else:
                self._step(out, case_id, owner, at)
        return contacts


def _sqlite_ts(value: datetime) -> str:
    # The form SQLAlchemy's SQLite DateTime stores and compares as text.
    return value.isoformat(" ", "microseconds")


def _pg_ts(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


class SQLiteWriter:
    """executemany in one transaction per batch, journal off while loading (a fresh file)."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "foreign_keys=OFF",
            "cache_size=-1000000",
            "temp_store=MEMORY",
        ):
            self.connection.execute(f"PRAGMA {pragma}")

    def timestamp(self, value: datetime) -> Any:
        return _sqlite_ts(value)

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        self.connection.execute("BEGIN")
        self.connection.executemany(sql, rows)
        self.connection.execute("COMMIT")

    async def finish(self) -> None:
        # The search index, as the triggers would have kept it (resolved cases included).
        self.connection.execute("BEGIN")
        for statement in rebuild_statements("sqlite"):
            self.connection.execute(statement)
        self.connection.execute("COMMIT")
        # The planner statistics PostgreSQL's autovacuum would gather by itself.
        self.connection.execute("ANALYZE")
        self.connection.execute("PRAGMA journal_mode=WAL")

    async def close(self) -> None:
        self.connection.close()


class PostgresWriter:
    """Binary COPY; foreign-key triggers off for the load when we may (superuser)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def connect(cls, url: str) -> PostgresWriter:
        import asyncpg

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute("SET session_replication_role = replica")
        except asyncpg.InsufficientPrivilegeError:
            pass  # not a superuser: the foreign keys are checked row by row, slower but fine
        return cls(connection)

    def timestamp(self, value: datetime) -> Any:
        return _pg_ts(value)

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            await self.connection.copy_records_to_table(
                table, records=rows, columns=list(COLUMNS[table])
            )

    async def finish(self) -> None:
        for table in SEQUENCED:
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table})) WHERE EXISTS (SELECT 1 FROM {table})"
            )
        # COPY with the triggers off (replica role) left the search index empty.
        for statement in rebuild_statements("postgresql"):
            await self.connection.execute(statement)
        # What autovacuum would do by itself soon after such a load: the planner statistics,
        # and the visibility map and hint bits, without which the first reads of every page
        # write it (a desk that has been running is in this state).
        await self.connection.execute("VACUUM (ANALYZE)")

    async def close(self) -> None:
        await self.connection.close()


async def open_writer(url: str) -> Writer:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if not database or database == ":memory:":
            raise ValueError("bench seed needs a SQLite file, not an in-memory database")
        return SQLiteWriter(database)
    return await PostgresWriter.connect(url)


async def _count(writer: Writer, table: str) -> int:
    if isinstance(writer, SQLiteWriter):
        return int(writer.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    assert isinstance(writer, PostgresWriter)
    return int(await writer.connection.fetchval(f"SELECT count(*) FROM {table}"))


async def seed(
    url: str, plan: SeedPlan, *, settings: Settings, progress: ProgressFn = _no_progress
) -> SeedResult:
    """Load a desk into an empty, migrated database. Returns what a benchmark needs."""
    if plan.cases < 0 or plan.reps < 1 or plan.customers < 1:
        raise ValueError("bench seed needs cases >= 0, reps >= 1 and customers >= 1")
    check_columns()
    began = time.monotonic()
    writer = await open_writer(url)
    try:
        for table in ("cases", "reps", "customers"):
            if await _count(writer, table):
                raise ValueError(f"bench seed needs an empty database; {table} has rows")
        desk = _Desk(plan, settings, writer.timestamp)
        rows: dict[str, int] = dict.fromkeys(COLUMNS, 0)

        async def put(table: str, batch: Sequence[tuple[Any, ...]]) -> None:
            await writer.write(table, batch)
            rows[table] += len(batch)

        await put("teams", desk.teams())
        reps, members = desk.reps_and_members()
        await put("reps", reps)
        await put("team_members", members)
        progress("reps", plan.reps, plan.reps)
        done = 0
        for customers, identities in desk.customers():
            await put("customers", customers)
            await put("identities", identities)
            done += len(customers)
            progress("customers", done, plan.customers)
        desk.plan_statuses()
        for done, batch in desk.cases():
            # Parents before children, as the foreign keys read.
            for table in ("cases", "steps", "timeline_entries", "escalations", "follow_ups"):
                await put(table, batch[table])
            await put("case_attention", batch["case_attention"])
            progress("cases", done, plan.cases)
        progress("indexes and statistics", 0, 1)
        await writer.finish()
        progress("indexes and statistics", 1, 1)
    finally:
        await writer.close()
    big = desk.big_case_index
    return SeedResult(
        cases=plan.cases,
        reps=desk.reps,
        customers=plan.customers,
        rows=rows,
        big_case=f"TL-{FIRST_CASE_NUMBER + big}" if big is not None else None,
        waiting=desk.waiting,
        seconds=time.monotonic() - began,
    )
