"""Every page route: the rep workspace and the customer portal, behind CSRF checks."""

from fastapi import APIRouter, Depends

from throughline.flows.pages import router as flows
from throughline.knowledge.pages import router as knowledge
from throughline.portal.pages import router as portal
from throughline.reports.pages import router as reports
from throughline.search.pages import router as search
from throughline.web.csrf import verify_csrf
from throughline.workspace.pages import router as workspace

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
for part in (workspace, portal, flows, knowledge, reports, search):
    router.include_router(part)
