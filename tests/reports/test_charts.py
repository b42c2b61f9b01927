"""The reports in the workspace: SVG charts with their tables, CSV downloads, filters and
who may see what, over a history built through the API, on both databases."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx

from tests.builders import Person, Personas
from tests.reports.support import build_desk_history
from tests.workspace.support import PAGE, browser, give_password, sign_in, text_of
from throughline.config import Settings
from throughline.db import Database
from throughline.models import utcnow


def _chart(html: str, name: str) -> str:
    found = re.search(rf'<svg class="chart" id="chart-{name}".*?</svg>', html, re.S)
    assert found, f"no chart {name}"
    return found.group(0)


def _table_rows(html: str, name: str) -> int:
    section = re.search(rf'<section[^>]+id="{name}">.*?</section>', html, re.S)
    assert section
    return section.group(0).count('<th scope="row">')


async def _signed_in(
    client: httpx.AsyncClient, database: Database, person: Person, role: str | None = None
) -> httpx.AsyncClient:
    page = browser(client)
    await give_password(database, person, role=role)
    assert (await sign_in(page, person)).status_code == 303
    return page


async def test_a_lead_reads_charts_tables_and_csv_for_a_range(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await build_desk_history(client, database, settings, people)
    lead = await _signed_in(client, database, people.lead, role="lead")
    today = utcnow().date()
    since = today - timedelta(days=27)  # four whole weeks, the last ending today

    response = await lead.get(
        "/app/reports", params={"since": since.isoformat(), "until": today.isoformat()}
    )

    assert response.status_code == 200, response.text
    html = response.text
    resolutions = _chart(html, "resolutions")
    assert '<title id="chart-resolutions-title">Confirmed resolutions per week</title>' in (
        resolutions
    )
    assert '<desc id="chart-resolutions-desc">' in resolutions
    assert resolutions.count('class="bar"') == 4
    assert _table_rows(html, "resolutions") == 4
    # Median and p90 only for the week that had confirmed fixes: two points, gaps elsewhere.
    assert _chart(html, "time-to-resolution").count('class="point"') == 2
    assert _chart(html, "reopen-rate").count('class="point"') == 1
    assert _chart(html, "channels").count('class="bar"') == 1  # every case came by API
    assert _chart(html, "satisfaction").count('class="bar"') == 4
    words = text_of(html)
    assert "There is no handle time here." in words

    download = await lead.get(
        "/app/reports/resolutions.csv",
        params={"since": since.isoformat(), "until": today.isoformat()},
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["Week from", "Confirmed resolutions", "Resolved", "Reopened"]
    assert len(rows) == 5
    assert sum(int(row[1]) for row in rows[1:]) == 3
    assert sum(int(row[2]) for row in rows[1:]) == 4

    time_csv = await lead.get("/app/reports/time-to-resolution.csv", params={"since": since})
    header, *weeks = list(csv.reader(io.StringIO(time_csv.text)))
    assert header == ["Week from", "Median hours", "90th percentile hours", "Confirmed resolutions"]
    assert [week[1] for week in weeks if week[1]] == ["4.0"]
    channels = list(csv.reader(io.StringIO((await lead.get("/app/reports/channels.csv")).text)))
    assert channels == [["Channel", "Cases"], ["api", "5"]]
    assert (await lead.get("/app/reports/handle-time.csv")).status_code == 404


async def test_filters_follow_who_may_see_what(
    client: httpx.AsyncClient, database: Database, settings: Settings, people: Personas
) -> None:
    await build_desk_history(client, database, settings, people)
    rep = await _signed_in(client, database, people.owner)

    page = await rep.get("/app/reports")
    assert page.status_code == 200
    # A rep may narrow to themselves only; the list offers no colleague.
    assert f'<option value="{people.owner.id}"' in page.text
    assert f'<option value="{people.specialist.id}"' not in page.text
    mine = await rep.get("/app/reports/resolutions.csv", params={"rep": people.owner.id})
    assert sum(int(row[1]) for row in list(csv.reader(io.StringIO(mine.text)))[1:]) == 3

    refused = await rep.get("/app/reports", params={"rep": people.specialist.id})
    assert refused.status_code == 403
    assert "only leads see another rep's figures" in text_of(refused.text)
    csv_refused = await rep.get("/app/reports/channels.csv", params={"rep": people.specialist.id})
    assert csv_refused.status_code == 403

    bad = await rep.get("/app/reports", params={"since": "last monday"})
    assert bad.status_code == 422
    assert "From: give a date like 2026-12-07" in text_of(bad.text)

    anonymous = await browser(client).get("/app/reports", headers=PAGE)
    assert anonymous.status_code in (303, 307)
