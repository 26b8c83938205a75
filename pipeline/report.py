"""A single static HTML page with the headline figures, inline SVG charts and the incident list."""
from __future__ import annotations

import html
import io
import os
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .errors import StorageError

OSLO = ZoneInfo("Europe/Oslo")
_BUCKETS = [(60, "< 1 h"), (240, "1–4 h"), (720, "4–12 h"), (1440, "12–24 h"), (4320, "1–3 days"),
            (None, "> 3 days")]
_PALETTE = ["#1f6f8b", "#e07a1f", "#4f9d48", "#b8434b", "#7a5aa6", "#8a6d3b", "#6b6b6b"]

_INCIDENTS_SQL = """
SELECT i.id, i.title, i.start_time, i.start_date, i.end_time, i.end_date, i.duration_minutes, i.status,
       i.system_types, i.trusts, i.regions, i.n_reports, i.first_published,
       (SELECT list(struct_pack(url := a.url, title := a.title) ORDER BY a.published, a.url)
        FROM incident_reports r JOIN articles a ON a.id = r.article_id WHERE r.incident_id = i.id) AS sources
FROM incidents i ORDER BY coalesce(i.start_date, i.first_published) DESC NULLS LAST, i.id
"""


def report_data(con: Any) -> dict[str, Any]:
    """Everything the report shows, read from a (read-only) connection."""
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    n, with_duration, median, p90, longest, first, last, ongoing = one("""
        SELECT count(*), count(duration_minutes), median(duration_minutes), quantile_cont(duration_minutes, 0.9),
               max(duration_minutes), min(coalesce(start_date, first_published)),
               max(coalesce(start_date, first_published)), count(*) FILTER (WHERE status = 'ongoing')
        FROM incidents""")
    names = dict(con.execute("SELECT id, name FROM trusts").fetchall())
    cols = ["id", "title", "start_time", "start_date", "end_time", "end_date", "duration_minutes", "status",
            "system_types", "trusts", "regions", "n_reports", "first_published", "sources"]
    last_run = one("""SELECT finished_at, status FROM runs WHERE finished_at IS NOT NULL
                      ORDER BY finished_at DESC LIMIT 1""")
    return {
        "incidents": n, "with_duration": with_duration, "median": median, "p90": p90, "longest": longest,
        "first": first, "last": last, "ongoing": ongoing,
        "articles": one("SELECT count(*) FROM articles")[0],
        "outage_articles": one("SELECT count(*) FROM articles WHERE is_outage")[0],
        "sites": one("SELECT count(DISTINCT site_id) FROM pages WHERE kind = 'article'")[0],
        "last_run": last_run, "names": names,
        "events": con.execute("""
            SELECT coalesce(start_date, first_published), coalesce(r, 'unknown') FROM (
              SELECT start_date, first_published, unnest(CASE WHEN len(regions) = 0 THEN [NULL] ELSE regions END) r
              FROM incidents) WHERE coalesce(start_date, first_published) IS NOT NULL ORDER BY ALL""").fetchall(),
        "types": con.execute("""
            SELECT t, count(DISTINCT id) FROM (SELECT id, unnest(CASE WHEN len(system_types) = 0 THEN ['unknown']
            ELSE system_types END) t FROM incidents) GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall(),
        "durations": [r[0] for r in con.execute(
            "SELECT duration_minutes FROM incidents WHERE duration_minutes IS NOT NULL ORDER BY 1").fetchall()],
        "rows": [dict(zip(cols, r)) for r in con.execute(_INCIDENTS_SQL).fetchall()],
    }


def _svg(fig: Any, label: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "outage-report", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" ', 1)


def _figure(height: float = 2.8) -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # no pyplot: no global figure state, no GUI backend

    fig = Figure(figsize=(6.5, height), dpi=100)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)
    return fig, ax


def _period(d: date, grain: str) -> str:
    return {"month": f"{d:%Y-%m}", "quarter": f"{d.year} Q{(d.month - 1) // 3 + 1}", "year": str(d.year)}[grain]


def chart_per_period(events: list[tuple[date, str]], names: dict[str, str]) -> str:
    """Stacked bars of incidents per month, quarter or year (by span) and region."""
    if not events:
        return ""
    first, last = events[0][0], max(e[0] for e in events)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    grain = "month" if months <= 36 else "quarter" if months <= 72 else "year"
    periods: list[str] = []
    d = date(first.year, first.month, 1)
    while d <= last:
        if _period(d, grain) not in periods:
            periods.append(_period(d, grain))
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, region in events:
        counts[region][_period(day, grain)] += 1
    fig, ax = _figure()
    bottom = [0] * len(periods)
    for i, region in enumerate(sorted(counts)):
        values = [counts[region][p] for p in periods]
        ax.bar(range(len(periods)), values, bottom=bottom, color=_PALETTE[i % len(_PALETTE)], width=0.8,
               label=names.get(region, region))
        bottom = [b + v for b, v in zip(bottom, values)]
    step = max(1, len(periods) // 12)
    ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45 if grain != "year" else 0, ha="right"
                  if grain != "year" else "center")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"Incidents per {grain} and region", fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(fig, f"Incidents per {grain} and region")


def chart_bars(pairs: list[tuple[str, int]], label: str, horizontal: bool = True) -> str:
    """A simple bar chart of (category, count) pairs."""
    if not pairs:
        return ""
    fig, ax = _figure(max(1.6, 0.28 * len(pairs) + 0.6) if horizontal else 2.6)
    cats, values = [p[0] for p in pairs], [p[1] for p in pairs]
    if horizontal:
        ax.barh(range(len(cats)), values, color=_PALETTE[0])
        ax.set_yticks(range(len(cats)), cats)
        ax.invert_yaxis()
        ax.xaxis.get_major_locator().set_params(integer=True)
    else:
        ax.bar(range(len(cats)), values, color=_PALETTE[1])
        ax.set_xticks(range(len(cats)), cats)
        ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(label, fontsize=10, loc="left")
    return _svg(fig, label)


def duration_buckets(minutes: list[int]) -> list[tuple[str, int]]:
    """Counts of durations in the buckets < 1 h, 1–4 h, 4–12 h, 12–24 h, 1–3 days, > 3 days."""
    counts = dict.fromkeys((label for _, label in _BUCKETS), 0)
    for m in minutes:
        label = next(lab for limit, lab in _BUCKETS if limit is None or m < limit)
        counts[label] += 1
    return list(counts.items())


def human_duration(minutes: float | None) -> str:
    """45 min, 3 h 20 min, 2 d 4 h."""
    if minutes is None:
        return "–"
    m = int(round(minutes))
    if m < 60:
        return f"{m} min"
    if m < 2880:
        return f"{m // 60} h" + (f" {m % 60} min" if m % 60 else "")
    return f"{m // 1440} d" + (f" {m % 1440 // 60} h" if m % 1440 // 60 else "")


def _when(t: datetime | None, d: date | None) -> str:
    if t is not None:
        return t.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")
    return d.isoformat() if d else ""


def _link(url: str | None, text: str) -> str:
    if not url or not url.startswith(("https://", "http://")):  # never a javascript: or data: URL from a page
        return html.escape(text)
    return f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer">{html.escape(text)}</a>'


def _row(r: dict[str, Any], names: dict[str, str]) -> str:
    e = html.escape
    start = _when(r["start_time"], r["start_date"]) or f"reported {r['first_published'] or '?'}"
    trusts = ", ".join(names.get(t, t) for t in r["trusts"] or []) or "–"
    sources = " ".join(_link(s["url"], f"[{i}]") for i, s in enumerate(r["sources"] or [], 1))
    title = _link((r["sources"] or [{}])[0].get("url"), r["title"] or "(untitled)")
    return (f'<tr><td class="nowrap">{e(start)}</td><td>{title}</td>'
            f'<td class="num">{e(human_duration(r["duration_minutes"]))}</td><td>{e(r["status"] or "")}</td>'
            f'<td>{e(", ".join(r["system_types"] or []) or "–")}</td><td>{e(trusts)}</td>'
            f'<td class="nowrap">{sources}</td></tr>')


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1d2327}h1{font-size:1.6rem;margin-bottom:.2rem}.sub{color:#5b646b;margin-top:0}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem;margin:1.5rem 0}
.figure{border:1px solid #d5dadd;border-radius:.4rem;padding:.7rem .9rem}.figure b{display:block;font-size:1.3rem}
.figure span{color:#5b646b;font-size:.85rem}.charts{display:grid;grid-template-columns:repeat(auto-fit,
minmax(30rem,1fr));gap:1rem}svg{max-width:100%;height:auto}table{border-collapse:collapse;width:100%;
font-size:.88rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e6e8;vertical-align:top}
th{background:#f3f5f6}.num{text-align:right}.nowrap{white-space:nowrap}a{color:#1f5f8b}
footer{color:#5b646b;font-size:.8rem;margin-top:2rem}"""


def render_report(data: dict[str, Any], title: str, generated: datetime | None = None) -> str:
    """The report page as one self-contained HTML document (no scripts, no external resources)."""
    e = html.escape
    names = data["names"]
    generated = generated or datetime.now(timezone.utc)
    period = f"{data['first']} to {data['last']}" if data["first"] else "no incidents yet"
    figures = [
        (data["incidents"], "incidents"), (data["outage_articles"], "outage reports"),
        (human_duration(data["median"]), f"median duration ({data['with_duration']} with known duration)"),
        (human_duration(data["p90"]), "90th percentile duration"), (human_duration(data["longest"]), "longest"),
        (data["ongoing"], "reported ongoing"), (data["sites"], "news sites crawled"),
        (data["articles"], "articles read"),
    ]
    boxes = "".join(f'<div class="figure"><b>{e(str(v))}</b><span>{e(label)}</span></div>' for v, label in figures)
    charts = [chart_per_period(data["events"], names), chart_bars(data["types"], "Incidents by system type"),
              chart_bars(duration_buckets(data["durations"]), "Incidents by duration", horizontal=False)]
    chart_html = "".join(f"<figure>{c}</figure>" for c in charts if c) or "<p>No incidents to chart yet.</p>"
    rows = "\n".join(_row(r, names) for r in data["rows"])
    run = data["last_run"]
    run_text = f"last run {_when(run[0], None)} ({run[1]})" if run else "no finished run"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{e(title)}</title><style>{_CSS}</style></head>
<body><main>
<h1>{e(title)}</h1>
<p class="sub">Incidents from {e(period)}, extracted from the news pages of the Norwegian health trusts;
{e(run_text)}.</p>
<section class="figures" aria-label="Headline figures">{boxes}</section>
<section class="charts">{chart_html}</section>
<h2>Incidents ({data['incidents']})</h2>
<table><thead><tr><th>start</th><th>incident</th><th class="num">duration</th><th>status</th><th>systems</th>
<th>affected trusts</th><th>sources</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<footer>Generated {e(generated.astimezone(OSLO).strftime('%Y-%m-%d %H:%M'))} (Europe/Oslo) by the
hospital-outage-tracker. Times are Europe/Oslo; a date without a time means only the day is known.
Durations need both a start and an end (or a stated duration).</footer>
</main></body></html>
"""


def write_report(db: str | Path, out: str | Path, title: str = "IT outages at Norwegian hospitals") -> dict[str, Any]:
    """Write the report of database `db` to `out` atomically; returns its headline figures."""
    from .store import connect

    out = Path(out)
    with connect(db, read_only=True) as con:
        data = report_data(con)
    page = render_report(data, title).encode("utf-8")
    temp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(page)
        os.replace(temp, out)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {out} ({exc.strerror}): free disk space or check permissions") from None
    return {"out": str(out), "bytes": len(page), "incidents": data["incidents"], "articles": data["articles"]}
