"""Every JSON route, gathered from the domains."""

from fastapi import APIRouter

from throughline.cases.api import router as cases
from throughline.customers.api import router as customers
from throughline.escalations.api import router as escalations
from throughline.remedies.api import router as remedies
from throughline.reports.api import router as reports
from throughline.reps.api import router as reps

router = APIRouter()
for part in (cases, escalations, reps, remedies, reports, customers):
    router.include_router(part)
