"""Every table, imported in one place so that Alembic and the app see the same metadata."""

from throughline.models.base import Base, utcnow
from throughline.models.case import (
    FIRST_CASE_NUMBER,
    Case,
    CaseAttention,
    FollowUp,
    Step,
    TimelineEntry,
)
from throughline.models.channels import (
    ErrorReport,
    InboundMessage,
    MessageLink,
    Product,
    StoredFile,
    WebhookChannel,
)
from throughline.models.cues import CaseFrustration, CustomerProficiency, StepJudgement
from throughline.models.escalation import Escalation
from throughline.models.flows import FlowAnswer, FlowDefinition, FlowRun, PhoneCall
from throughline.models.knowledge import Article
from throughline.models.ops import AuditEntry, LiveChange, OutboxMessage, WorkerHeartbeat
from throughline.models.people import Customer, Identity, Rep, Team, TeamMember
from throughline.models.policy import DeskPolicy
from throughline.models.portal import ChatPresence, CustomerSession, MagicLink
from throughline.models.recognition import Kudos
from throughline.models.remedy import Action, Remedy, RepRemedyLimit
from throughline.models.schedule import DayOff, Schedule
from throughline.models.web import RepSession, SignInFailure

__all__ = [
    "FIRST_CASE_NUMBER",
    "Action",
    "Article",
    "AuditEntry",
    "LiveChange",
    "Base",
    "Case",
    "CaseAttention",
    "CaseFrustration",
    "ChatPresence",
    "Customer",
    "CustomerProficiency",
    "CustomerSession",
    "DayOff",
    "DeskPolicy",
    "ErrorReport",
    "Escalation",
    "FlowAnswer",
    "FlowDefinition",
    "FlowRun",
    "FollowUp",
    "Identity",
    "InboundMessage",
    "Kudos",
    "MagicLink",
    "MessageLink",
    "OutboxMessage",
    "PhoneCall",
    "Product",
    "Remedy",
    "Rep",
    "RepRemedyLimit",
    "RepSession",
    "Schedule",
    "SignInFailure",
    "Step",
    "StepJudgement",
    "StoredFile",
    "Team",
    "TeamMember",
    "TimelineEntry",
    "WebhookChannel",
    "WorkerHeartbeat",
    "utcnow",
]
