"""The report's tables and their charts as server-rendered SVG: no script, no library.

Every chart is drawn from a table shown beside it (and downloadable as CSV),
so a screen reader, a phone and a spreadsheet all read the same figures. Pure
functions: figures in, markup out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup, escape

from throughline.reports.schemas import Figures, WeeklyFigures

Cell = str | int | float | None
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40
COLOURS = ("#1f6feb", "#b35900")  # told apart by the legend and the table too, not colour alone


@dataclass(frozen=True)
class Table:
    name: str  # the CSV's file name and the anchor on the page
    title: str
    description: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: Literal["bar", "line"]
    series: tuple[int, ...]  # the columns drawn; column 0 labels the x axis


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def report_tables(weekly: WeeklyFigures, total: Figures) -> list[Table]:
    weeks = [(f"{w.week_start:%Y-%m-%d}", w.figures) for w in weekly.weeks]
    return [
        Table(
            "resolutions",
            "Confirmed resolutions per week",
            "Cases the customer confirmed fixed, by the week they were resolved.",
            ("Week from", "Confirmed resolutions", "Resolved", "Reopened"),
            tuple((w, f.confirmed_resolutions, f.resolved, f.reopened) for w, f in weeks),
            "bar",
            (1,),
        ),
        Table(
            "time-to-resolution",
            "Time to confirmed resolution per week (hours)",
            "Median and 90th percentile from opened to confirmed fixed, in hours.",
            ("Week from", "Median hours", "90th percentile hours", "Confirmed resolutions"),
            tuple(
                (
                    w,
                    f.time_to_confirmed_resolution_hours.median,
                    f.time_to_confirmed_resolution_hours.p90,
                    f.time_to_confirmed_resolution_hours.count,
                )
                for w, f in weeks
            ),
            "line",
            (1, 2),
        ),
        Table(
            "reopen-rate",
            "Reopen rate per week (%)",
            "Of the cases resolved in the week, the share that came back.",
            ("Week from", "Reopen rate %", "Reopened", "Resolved"),
            tuple((w, _pct(f.reopen_rate), f.reopened, f.resolved) for w, f in weeks),
            "line",
            (1,),
        ),
        Table(
            "channels",
            "Cases per channel",
            "Cases opened in the range, by the channel the customer used.",
            ("Channel", "Cases"),
            tuple(total.cases_per_channel.items()),
            "bar",
            (1,),
        ),
        Table(
            "satisfaction",
            "Customer satisfaction per week (1 to 5)",
            "Mean rating customers gave after confirming a fix, with the number of ratings.",
            ("Week from", "Mean rating", "Ratings", "Rated 4 or 5 %"),
            tuple(
                (
                    w,
                    f.satisfaction.mean,
                    f.satisfaction.responses,
                    _pct(f.satisfaction.share_4_or_5),
                )
                for w, f in weeks
            ),
            "bar",
            (1,),
        ),
    ]


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return out.getvalue()


def _number(value: Cell) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _fmt(value: float) -> str:
    return f"{value:g}"


def svg(table: Table) -> Markup:
    """The table's chart: one ``rect.bar`` per row (bar) or one ``circle.point`` per known
    value (line); empty values are drawn as gaps, never as zeros."""
    labels = [str(row[0]) for row in table.rows]
    columns: Sequence[list[float | None]] = [
        [_number(row[i]) for row in table.rows] for i in table.series
    ]
    known = [v for column in columns for v in column if v is not None]
    top = max(known, default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    ident = f"chart-{table.name}"

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts = [
        f'<svg class="chart" id="{ident}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{ident}-title">{escape(table.title)}</title>',
        f'<desc id="{ident}-desc">{escape(table.description)} The table below holds every '
        "value.</desc>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        'stroke="#555"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="12">'
        f"{escape(_fmt(top))}</text>",
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="12">0</text>',
    ]
    step = max(1, len(labels) // 8)  # at most about eight axis labels, readable on a phone
    for index, label in enumerate(labels):
        if index % step == 0:
            x = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="12">{escape(label[5:] if len(label) == 10 else label)}</text>'
            )
    for number, column in enumerate(columns):
        colour = COLOURS[number % len(COLOURS)]
        name = table.headers[table.series[number]]
        if table.chart == "bar":
            width = slot * 0.7 / len(columns)
            for index, value in enumerate(column):
                height = 0.0 if value is None else value / top * plot_h
                x = LEFT + slot * index + slot * 0.15 + width * number
                parts.append(
                    f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
                    f'width="{width:.1f}" height="{height:.1f}" fill="{colour}">'
                    f"<title>{escape(labels[index])}: {escape(name)} "
                    f"{'none' if value is None else escape(_fmt(value))}</title></rect>"
                )
            continue
        points = [
            (LEFT + slot * (index + 0.5), y(value), index, value)
            for index, value in enumerate(column)
            if value is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            dashes = ' stroke-dasharray="6 4"' if number else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dashes}/>'
            )
        for px, py, index, value in points:
            parts.append(
                f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}">'
                f"<title>{escape(labels[index])}: {escape(name)} {escape(_fmt(value))}</title>"
                "</circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
