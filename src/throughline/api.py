"""Every JSON route, gathered from the domains."""

from fastapi import APIRouter

from throughline.cases.api import router as cases
from throughline.channels.email.api import router as email
from throughline.channels.reports.api import router as in_app_reports
from throughline.channels.webhooks.api import router as webhooks
from throughline.customers.api import router as customers
from throughline.escalations.api import router as escalations
from throughline.flows.api import router as flows
from throughline.knowledge.api import router as knowledge
from throughline.phone.api import router as phone
from throughline.remedies.api import router as remedies
from throughline.reports.api import router as reports
from throughline.reps.api import router as reps
from throughline.schedules.api import router as schedules
from throughline.search.api import router as search

router = APIRouter()
for part in (
    cases,
    escalations,
    reps,
    remedies,
    reports,
    customers,
    email,
    in_app_reports,
    webhooks,
    flows,
    phone,
    schedules,
    search,
    knowledge,
):
    router.include_router(part)
