"""Settings, read once from the environment (prefix ``THROUGHLINE_``).

A bad value stops the process at start with a message naming the setting,
rather than failing later in the middle of a customer's request.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _parse_number_list(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            text = text[1:-1]
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THROUGHLINE_", extra="ignore")
    # Never from the environment: the working hours the desk's targets count, put here by
    # policy.service.refresh when an admin turned business hours on (None: every hour).
    _desk_calendar: Any = PrivateAttr(default=None)

    var_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    company_name: str = "Throughline"

    # Hours from arrival until a case of severity 1, 2, 3, 4 is due.
    severity_targets_hours: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [1.0, 4.0, 24.0, 72.0]
    )
    # Hours a specialist team has to answer an escalation, by case severity.
    escalation_targets_hours: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [1.0, 4.0, 8.0, 24.0]
    )
    returning_customer_days: float = Field(default=30, gt=0)
    auto_resolve_days: float = Field(default=7, gt=0)

    embedded_worker: bool = True
    worker_interval_seconds: float = Field(default=5.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)

    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    customer_requests_per_minute: int = Field(default=60, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    # Add "Server-Timing: app;dur=<ms>" to every response (benchmarks, diagnosis).
    server_timing: bool = False

    # --- Channels: email, in-app reports, webhooks ---
    # The address customers write to; Reply-To of every mail we send.
    support_address: str = "support@localhost"
    # The SMTP server `serve` starts for inbound mail (0 disables it).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=2525, ge=0, le=65535)
    # Recipient domains the SMTP server accepts mail for (comma-separated; "*" for any).
    # Empty: the support address's domain. Anything else is refused: we are not a relay.
    smtp_accept_domains: str = ""
    # Outbound relay, e.g. smtp://user:pass@smtp.example.com:587 (STARTTLS) or smtps://...:465.
    # Empty: outgoing mail is written as .eml files under var/outgoing-mail/ (nothing is lost).
    smtp_url: str = ""
    # How long one conversation with the relay may take before it counts as down (retried).
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # A mailbox to poll, e.g. imaps://user:pass@imap.example.com/INBOX (empty: no polling).
    imap_url: str = ""
    imap_interval_seconds: float = Field(default=30.0, gt=0)
    max_email_bytes: int = Field(default=26_214_400, ge=1024)
    max_attachment_bytes: int = Field(default=10_485_760, ge=1024)
    max_attachments: int = Field(default=20, ge=0)
    # Processes that parse inbound mail for the SMTP server and the worker (0: a thread of
    # their own process). Parsing is a fifth of processing; 1 moves it to another core.
    email_parse_processes: int = Field(default=0, ge=0, le=8)
    report_requests_per_minute: int = Field(default=60, ge=1)
    # A whole in-app report request with its log files (other requests: max_request_bytes).
    max_report_bytes: int = Field(default=26_214_400, ge=1024)
    # A report's diagnostics object, as JSON: kept on the report and shown to the rep.
    max_diagnostics_bytes: int = Field(default=65_536, ge=256)
    # How long an outbound webhook POST may take before it counts as failed (then retried).
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    # --- Web workspace and customer portal ---
    # Send cookies only over HTTPS: set true in production behind TLS.
    cookie_secure: bool = False
    session_hours: float = Field(default=12, gt=0)
    magic_link_minutes: float = Field(default=30, gt=0)
    # Sign-in links a customer may ask for per hour: per address, and per client address.
    magic_links_per_hour: int = Field(default=5, ge=1)
    magic_links_per_client_per_hour: int = Field(default=20, ge=1)
    # Customer sessions (portal sign-in) last this many days.
    customer_session_days: float = Field(default=30, gt=0)
    # Other sites that may embed the chat widget (origins, comma-separated); base_url always may.
    chat_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Longest chat message (characters) and how many a chat may send per minute.
    chat_message_chars: int = Field(default=4000, ge=100)
    chat_messages_per_minute: int = Field(default=20, ge=1)
    # How often an open chat looks for new replies (seconds; a cheap indexed query).
    chat_poll_seconds: float = Field(default=1.0, gt=0)
    # Jargon → plain words (YAML mapping) for replies to novices; empty: the shipped glossary.
    glossary_file: Path | None = None
    # Words that name the same troubleshooting step (YAML); empty: the shipped synonyms.
    step_synonyms_file: Path | None = None
    # Wrong passwords allowed per address (and 4x per client address) in 15 minutes.
    sign_in_failures_allowed: int = Field(default=5, ge=1)

    # --- Self-service flows and the phone directory ---
    flows_dir: Path = Path("flows")
    phone_directory_file: Path = Path("phone-directory.yaml")
    # When set, voice webhooks must carry a valid X-Twilio-Signature.
    twilio_auth_token: str = ""
    # A self-service run left idle this long counts as abandoned (it can still be resumed).
    flow_abandon_hours: float = Field(default=24, gt=0)

    @field_validator("severity_targets_hours", "escalation_targets_hours", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _parse_number_list(value)

    @field_validator("severity_targets_hours", "escalation_targets_hours")
    @classmethod
    def _four_positive(cls, value: list[float]) -> list[float]:
        if len(value) != 4 or any(hours <= 0 for hours in value):
            raise ValueError("needs four positive numbers of hours, for severities 1, 2, 3 and 4")
        return value

    @field_validator("chat_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str) -> str:
        if value.strip():
            from throughline.channels.email.relay import parse_smtp_url  # no import cycle

            parse_smtp_url(value)  # a ValueError names what is wrong with the URL
        return value.strip()

    @field_validator("step_synonyms_file")
    @classmethod
    def _synonyms_readable(cls, value: Path | None) -> Path | None:
        # Unreadable synonyms stop the start, not a rep recording a step.
        if value is not None:
            from throughline.cases.steps import load_synonyms

            load_synonyms(value)
        return value

    @field_validator("glossary_file", "step_synonyms_file", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("glossary_file")
    @classmethod
    def _glossary_readable(cls, value: Path | None) -> Path | None:
        # A glossary that cannot be read or parsed stops the start, not a rep's reply.
        if value is not None:
            from throughline.workspace.glossary import load_glossary

            load_glossary(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split('://')[0]}://)"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'throughline.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def severity_target(self, severity: int) -> timedelta:
        return timedelta(hours=self.severity_targets_hours[severity - 1])

    def escalation_target(self, severity: int) -> timedelta:
        return timedelta(hours=self.escalation_targets_hours[severity - 1])

    @property
    def returning_window(self) -> timedelta:
        return timedelta(days=self.returning_customer_days)

    @property
    def auto_resolve_after(self) -> timedelta:
        return timedelta(days=self.auto_resolve_days)

    @property
    def attachments_dir(self) -> Path:
        return self.var_dir / "attachments"

    def resolved_secret_key(self) -> str:
        """The key behind status links; generated once into var/ when not configured."""
        return self.secret_key or _key_file(self.var_dir.resolve())


@lru_cache
def _key_file(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Exclusive create: two processes starting at once agree on one key.
        try:
            with path.open("x") as handle:
                handle.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
