"""What an operator checks in the morning: the last runs, failing sites and how fresh the data is."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .dbfile import lock_holder

OSLO = ZoneInfo("Europe/Oslo")
# Fetch outcomes that are not failures (the same split as RunStats.as_dict).
OK_OUTCOMES = ("ok", "not-modified", "duplicate", "not-due", "gone")

_RUN_COLUMNS = ["id", "command", "status", "started_at", "finished_at", "pages_fetched", "pages_not_modified",
                "pages_failed", "articles", "outage_articles", "incidents", "error", "code_version"]

_SITES_SQL = f"""
WITH fetches AS (
    SELECT f.*, r.started_at AS run_started_at, f.outcome NOT IN {OK_OUTCOMES!r} AS failed
    FROM run_fetches f JOIN runs r ON r.id = f.run_id
), last_run AS (
    SELECT site_id, arg_max(run_id, run_started_at) AS run_id FROM fetches GROUP BY site_id
), recent AS (
    SELECT id FROM runs ORDER BY started_at DESC, id LIMIT ?
)
SELECT s.id, s.name, s.region_id,
       (SELECT count(*) FROM pages p WHERE p.site_id = s.id AND p.kind = 'article' AND NOT p.gone),
       (SELECT count(*) FROM articles a WHERE a.site_id = s.id),
       (SELECT max(published) FROM articles a WHERE a.site_id = s.id),
       (SELECT max(fetched_at) FROM fetches f WHERE f.site_id = s.id AND NOT f.failed),
       (SELECT count(*) FROM fetches f JOIN last_run l ON l.site_id = f.site_id AND l.run_id = f.run_id
        WHERE f.site_id = s.id AND f.failed),
       (SELECT count(*) FROM fetches f WHERE f.site_id = s.id AND f.failed AND f.run_id IN (SELECT id FROM recent)),
       (SELECT arg_max(f.outcome || ': ' || coalesce(f.error, f.url), f.fetched_at) FROM fetches f
        WHERE f.site_id = s.id AND f.failed)
FROM sites s ORDER BY s.id
"""
_SITE_KEYS = ["site_id", "name", "region_id", "pages", "articles", "latest_published", "last_ok_fetch_at",
              "failed_last_run", "failed_recent_runs", "last_failure"]


def database_status(con: Any, db: str | Path, runs: int = 10, now: datetime | None = None) -> dict[str, Any]:
    """Last `runs` runs, per-site failures and freshness of a database (a read-only connection)."""
    now = now or datetime.now(timezone.utc)
    rows = con.execute(f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs ORDER BY started_at DESC, id LIMIT ?",
                       [runs]).fetchall()
    holder = lock_holder(Path(db))
    last_runs = []
    for row in rows:
        run = dict(zip(_RUN_COLUMNS, row))
        if run["status"] == "running" and holder is None:
            run["status"] = "interrupted"  # no live writer holds the lock: the run was killed
        end = run["finished_at"] or (now if run["status"] == "running" else None)
        run["seconds"] = round((end - run["started_at"]).total_seconds(), 1) if end and run["started_at"] else None
        last_runs.append(run)
    sites = [dict(zip(_SITE_KEYS, r)) for r in con.execute(_SITES_SQL, [runs]).fetchall()]
    for site in sites:
        site["hours_since_fetch"] = _hours(now, site["last_ok_fetch_at"])
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    last_fetch = one("SELECT max(fetched_at) FROM run_fetches WHERE outcome IN " + repr(OK_OUTCOMES))
    return {
        "db": str(db),
        "schema_version": one("SELECT max(version) FROM schema_migrations"),
        "writer_pid": holder,
        "articles": one("SELECT count(*) FROM articles"),
        "incidents": one("SELECT count(*) FROM incidents"),
        "latest_published": one("SELECT max(published) FROM articles"),
        "last_ok_fetch_at": last_fetch,
        "hours_since_fetch": _hours(now, last_fetch),
        "runs": last_runs,
        "sites": sites,
        "sites_failing": sorted(s["site_id"] for s in sites if s["failed_last_run"]),
    }


def _hours(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds() / 3600, 1)


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _took(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _num(value: Any) -> str:
    return "-" if value is None else str(value)


def format_status(status: dict[str, Any]) -> str:
    """The status as aligned text for a terminal."""
    age = status["hours_since_fetch"]
    lines = [
        f"database {status['db']}: schema {status['schema_version']}, {status['articles']} articles, "
        f"{status['incidents']} incidents, latest article {_when(status['latest_published'])}, "
        f"last successful fetch {_when(status['last_ok_fetch_at'])}"
        + ("" if age is None else f" ({age:.1f} h ago)")
        + (f"; a run is writing now (pid {status['writer_pid']})" if status["writer_pid"] else ""),
        "",
        "last runs (times Europe/Oslo):",
        f"  {'started':16}  {'command':8} {'status':11} {'took':>7} {'fetched':>7} {'failed':>6} "
        f"{'articles':>8} {'incidents':>9}  run",
    ]
    for r in status["runs"]:
        lines.append(
            f"  {_when(r['started_at']):16}  {r['command'] or '-':8} {r['status'] or '-':11} {_took(r['seconds']):>7} "
            f"{_num(r['pages_fetched']):>7} {_num(r['pages_failed']):>6} {_num(r['articles']):>8} "
            f"{_num(r['incidents']):>9}  {r['id']}" + (f"  error: {r['error']}" if r["error"] else ""))
    if not status["runs"]:
        lines.append("  (no runs yet)")
    lines += ["", "sites:", f"  {'site':28} {'articles':>8}  {'latest article':14}  {'last ok fetch':16}  "
              f"{'failed (last run / recent runs)':31}  last failure"]
    for s in status["sites"]:
        failed = f"{s['failed_last_run']} / {s['failed_recent_runs']}"
        lines.append(f"  {s['site_id']:28} {s['articles']:>8}  {_when(s['latest_published']):14}  "
                     f"{_when(s['last_ok_fetch_at']):16}  {failed:31}  {s['last_failure'] or '-'}")
    failing = status["sites_failing"]
    lines += ["", f"sites failing in their last run: {', '.join(failing)}" if failing
              else "no site failed in its last run"]
    return "\n".join(lines)
