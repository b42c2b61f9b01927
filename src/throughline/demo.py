"""The demo workspace created on first start, so a new user has something real to try."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import service as cases
from throughline.config import Settings
from throughline.db import Database
from throughline.escalations import service as escalations
from throughline.kit.actors import CLI, Actor
from throughline.models import Customer, Rep, utcnow
from throughline.remedies.service import seed_catalogue
from throughline.reps import service as reps
from throughline.workspace import auth

TEAMS = ("Tier 2", "Billing", "Hardware")
REPS: tuple[tuple[str, str, int, list[str], str, str, bool], ...] = (
    # name, email, capacity, teams, workspace role, extension, on shift
    ("Alex Rivera", "alex@example.com", 5, ["Tier 2"], "admin", "2101", True),
    ("Sam Okafor", "sam@example.com", 5, [], "rep", "2102", True),
    (
        "Priya Natarajan",
        "priya@example.com",
        4,
        ["Tier 2", "Hardware"],
        "specialist",
        "2103",
        False,
    ),
    ("Jordan Lee", "jordan@example.com", 4, ["Billing"], "specialist", "2104", False),
)
# Customers who told us they are new to technology: replies to them get the jargon hint.
NOVICES = ("tom@example.net",)
CASES: tuple[tuple[str, str, str, str, int, str, dict[str, object]], ...] = (
    (
        "maria@example.org",
        "Maria Gonzalez",
        "Internet drops every evening",
        "Since Monday my internet cuts out around 8pm for ten minutes. "
        "The router lights go orange.",
        2,
        "pro",
        {"device": "Router XR-500", "os": "n/a"},
    ),
    (
        "tom@example.net",
        "Tom Becker",
        "Printer prints blank pages",
        "The office printer feeds paper but nothing is printed on it. New toner last week.",
        3,
        "free",
        {"device": "LaserJet 4200", "os": "Windows 11", "managed_by_it": True},
    ),
    (
        "aiko@example.jp",
        "Aiko Tanaka",
        "Charged twice for March",
        "My card shows two charges of 29.00 for the March subscription.",
        3,
        "business",
        {},
    ),
    (
        "li@example.com",
        "Li Wei",
        "How do I export my contacts?",
        "I would like to move my contacts to my new phone.",
        4,
        "free",
        {"device": "Pixel 8", "os": "Android 15"},
    ),
)


async def ensure_demo(settings: Settings) -> bool:
    """Create the demo workspace when the database has no reps yet; print how to sign in."""
    database = Database.from_settings(settings)
    try:
        async with database.unit_of_work() as session:
            if await session.scalar(select(func.count()).select_from(Rep)):
                path = settings.var_dir / "demo-credentials.txt"
                if path.exists():
                    print(f"Demo workspace: sign-in passwords and API tokens are in {path}")
                return False
            lines = await _create(session, settings)
    finally:
        await database.dispose()
    text = "\n".join(lines)
    path = settings.var_dir / "demo-credentials.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    path.chmod(0o600)
    print(text)
    print(f"(saved to {path})")
    return True


async def _create(session: AsyncSession, settings: Settings) -> list[str]:
    now = utcnow()
    for team in TEAMS:
        await reps.add_team(session, team, actor=CLI, now=now)
    lines = [
        "Demo workspace created. Sign in at "
        f"{settings.base_url.rstrip('/')}/app/sign-in with an email and password below.",
        f"  {'name':<16} {'email (sign-in)':<20} {'role':<10} {'password':<16}  API token",
    ]
    await seed_catalogue(session, now=now)
    for name, email, capacity, teams, role, extension, on_shift in REPS:
        rep, token = await reps.add_rep(
            session,
            name=name,
            email=email,
            capacity=capacity,
            teams=teams,
            lead=role in ("lead", "admin"),
            extension=extension,
            on_shift=on_shift,
            actor=CLI,
            now=now,
        )
        auth.set_role(session, rep, role, actor=CLI)
        password = auth.new_password()
        await auth.set_password(session, rep, password, actor=CLI, now=now)
        lines.append(f"  {name:<16} {email:<20} {role:<10} {password:<16}  {token}")
    lines.append("Demo cases (customer status links):")
    for email, name, subject, body, severity, tier, env in CASES:
        case, token = await cases.open_case(
            session,
            cases.NewCase(
                email=email,
                name=name,
                subject=subject,
                body=body,
                severity=severity,
                channel="email",
                plan_tier=tier,
                environment=env,
            ),
            settings=settings,
            now=now,
        )
        lines.append(f"  {case.number} {subject:<34} {cases.status_url(settings, token)}")
        if email in NOVICES:
            customer = await session.get(Customer, case.customer_id)
            if customer is not None:
                customer.proficiency = "novice"
        if case.owner_id is not None and subject.startswith("Internet"):
            owner = Actor.of_rep(await session.get(Rep, case.owner_id))  # type: ignore[arg-type]
            await cases.record_step(
                session,
                case,
                owner,
                description="Restart the router",
                outcome="did_not_work",
                now=now,
            )
            await escalations.escalate(
                session,
                case,
                owner,
                team_name="Tier 2",
                settings=settings,
                now=now,
                question="Drops at the same hour daily; could this be line maintenance?",
            )
    lines.append(
        f"Self-service guides (flows/ folder): {settings.base_url}/portal/help; "
        f"phone menu (phone-directory.yaml): POST {settings.base_url}/voice/incoming"
    )
    lines.append(
        f"Try: curl -H 'Authorization: Bearer <token>' {settings.base_url}/api/v1/worklist"
    )
    return lines
