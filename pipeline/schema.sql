-- Schema of the outage tracker database, as numbered migrations.
-- A file is migrated by applying every block whose number is above the
-- version recorded in schema_migrations; a file with a higher version than
-- the last block here was written by newer code and is refused.
-- Conventions: ids are deterministic hashes; columns the pipeline sets itself
-- with the wall clock end in _at (they are bookkeeping, not data).

-- migration: 1
CREATE TABLE sites (
    id VARCHAR PRIMARY KEY,          -- trust id of data/gazetteer/trusts.csv
    name VARCHAR NOT NULL,
    base_url VARCHAR NOT NULL,
    region_id VARCHAR,
    lang VARCHAR
);

CREATE TABLE trusts (
    id VARCHAR PRIMARY KEY,          -- from data/gazetteer/trusts.csv
    name VARCHAR NOT NULL,
    kind VARCHAR,
    region_id VARCHAR
);

CREATE TABLE pages (
    id VARCHAR PRIMARY KEY,          -- hash of the canonical URL
    url VARCHAR NOT NULL,
    site_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,           -- article | listing
    http_status INTEGER,
    content_hash VARCHAR,            -- sha1 of the raw HTML
    html VARCHAR,                    -- raw HTML, kept for reprocessing without a re-crawl
    etag VARCHAR,
    last_modified VARCHAR,
    gone BOOLEAN NOT NULL DEFAULT false,   -- 404/410 recorded, not retried every run
    fetched_at TIMESTAMPTZ,
    changed_at TIMESTAMPTZ,
    next_check_at TIMESTAMPTZ
);

CREATE TABLE articles (
    id VARCHAR PRIMARY KEY,          -- hash of the canonical URL
    page_id VARCHAR,
    page_hash VARCHAR,               -- content_hash of the page it was made from
    url VARCHAR,
    site_id VARCHAR,
    title VARCHAR,
    text VARCHAR,
    published DATE,
    updated DATE,
    lang VARCHAR,
    is_outage BOOLEAN,
    outage_score DOUBLE,
    status VARCHAR,                  -- ongoing | resolved | unknown
    start_time TIMESTAMPTZ,          -- null when only the day is known
    start_date DATE,
    start_precision VARCHAR,         -- minute | approximate | part-of-day | day
    end_time TIMESTAMPTZ,
    end_date DATE,
    end_precision VARCHAR,
    duration_minutes INTEGER,
    systems VARCHAR[],               -- system ids (products)
    system_types VARCHAR[],
    trusts VARCHAR[],                -- affected trust ids
    signals VARCHAR[],               -- impact/vocabulary signals seen
    facts_json VARCHAR,              -- the full `extract` contract object
    code_version VARCHAR,
    processed_at TIMESTAMPTZ
);

CREATE TABLE mentions (
    id VARCHAR PRIMARY KEY,          -- hash of article id + span + label
    article_id VARCHAR NOT NULL,
    label VARCHAR NOT NULL,          -- TRUST | SYSTEM | TIME | CONTACT | PER | ORG | ...
    text VARCHAR,
    start_char INTEGER,
    end_char INTEGER,
    kb_id VARCHAR,
    value VARCHAR,
    role VARCHAR,
    evidence VARCHAR,
    confidence DOUBLE
);

CREATE TABLE contacts (
    id VARCHAR PRIMARY KEY,
    article_id VARCHAR NOT NULL,
    name VARCHAR,
    role VARCHAR,
    org VARCHAR,
    org_id VARCHAR,
    email VARCHAR,
    phone VARCHAR,
    evidence VARCHAR,
    confidence DOUBLE
);

CREATE TABLE incidents (
    id VARCHAR PRIMARY KEY,          -- hash of its first report's article id
    title VARCHAR,
    start_time TIMESTAMPTZ,
    start_date DATE,
    start_precision VARCHAR,
    end_time TIMESTAMPTZ,
    end_date DATE,
    end_precision VARCHAR,
    duration_minutes INTEGER,
    status VARCHAR,
    systems VARCHAR[],
    system_types VARCHAR[],
    trusts VARCHAR[],
    regions VARCHAR[],
    signals VARCHAR[],
    n_reports INTEGER,
    first_published DATE,
    confidence DOUBLE
);

CREATE TABLE incident_reports (
    incident_id VARCHAR NOT NULL,
    article_id VARCHAR NOT NULL,
    PRIMARY KEY (incident_id, article_id)
);

CREATE TABLE runs (
    id VARCHAR PRIMARY KEY,
    command VARCHAR,
    status VARCHAR,                  -- running | ok | partial | failed
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    pages_fetched INTEGER,
    pages_not_modified INTEGER,
    pages_failed INTEGER,
    articles INTEGER,
    outage_articles INTEGER,
    incidents INTEGER,
    summary_json VARCHAR,
    error VARCHAR,
    code_version VARCHAR
);

CREATE TABLE run_fetches (
    run_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    site_id VARCHAR,
    kind VARCHAR,
    outcome VARCHAR,
    http_status INTEGER,
    bytes INTEGER,
    error VARCHAR,
    fetched_at TIMESTAMPTZ
);

-- An incident is counted in the month it started, or was first reported when the start is unknown.
CREATE VIEW incidents_by_month AS
SELECT date_trunc('month', coalesce(i.start_date, i.first_published))::DATE AS month,
       r.region_id,
       count(DISTINCT i.id) AS incidents
FROM incidents i, unnest(i.regions) AS r(region_id)
WHERE coalesce(i.start_date, i.first_published) IS NOT NULL
GROUP BY ALL;

CREATE VIEW incident_durations AS
SELECT i.id, i.title, i.start_time, i.end_time, i.duration_minutes, i.system_types, i.trusts, i.regions
FROM incidents i
WHERE i.duration_minutes IS NOT NULL;

-- migration: 2
-- Incidents as first-class data: where each value came from, impact signals, conflicts between
-- reports, the status lifecycle, crawl coverage, and the analyst views. The views are table
-- macros called with no arguments; pipeline.api calls the same macros with its filters as
-- query parameters (region, trust, system, system_type, since, until, is_planned).
ALTER TABLE incidents ADD COLUMN duration_precision VARCHAR;  -- minute | approximate | unknown
ALTER TABLE incidents ADD COLUMN start_source VARCHAR;        -- article id the start came from
ALTER TABLE incidents ADD COLUMN end_source VARCHAR;          -- article id the end came from
ALTER TABLE incidents ADD COLUMN duration_source VARCHAR;     -- article stating the duration; NULL when end - start
ALTER TABLE incidents ADD COLUMN last_reported DATE;          -- latest publication/update of a report
ALTER TABLE incidents ADD COLUMN impacts VARCHAR[];           -- cancelled/postponed appointments/operations, paper_fallback
ALTER TABLE incidents ADD COLUMN readiness VARCHAR;           -- highest readiness level reported: grønn | gul | rød
ALTER TABLE incidents ADD COLUMN planned BOOLEAN;             -- reported as planned downtime or maintenance
ALTER TABLE incidents ADD COLUMN reported_by VARCHAR[];       -- site ids of the reports

ALTER TABLE incident_reports ADD COLUMN official BOOLEAN;     -- on the site of an affected trust (or its RHF / IT provider)
ALTER TABLE incident_reports ADD COLUMN impacts VARCHAR[];    -- impact signals found in this report's text

-- Values of a field (start, end) on which an incident's reports disagree: one row per report.
CREATE TABLE incident_conflicts (
    incident_id VARCHAR NOT NULL,
    field VARCHAR NOT NULL,          -- start | end
    article_id VARCHAR NOT NULL,
    value_time TIMESTAMPTZ,          -- null when the report gives only the day
    value_date DATE,
    precision VARCHAR,               -- minute | approximate | part-of-day | day
    official BOOLEAN,
    published DATE,
    chosen BOOLEAN NOT NULL,
    reason VARCHAR,                  -- why the value was chosen, or why it lost
    PRIMARY KEY (incident_id, field, article_id)
);

-- Lifecycle: when an incident was first reported ongoing, and first reported resolved.
CREATE TABLE incident_status_changes (
    incident_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,         -- ongoing | resolved
    reported_time TIMESTAMPTZ,       -- in-text update time ("Oppdatert ... kl. 13.00"), when there is one
    reported_date DATE,
    precision VARCHAR,               -- minute (update time) | day (publication date)
    article_id VARCHAR NOT NULL,
    PRIMARY KEY (incident_id, status)
);

-- Base of every view: incidents matching the filters, with the date and moment they are counted
-- on (start, else first report).
CREATE MACRO incidents_where(region := NULL, trust := NULL, system := NULL, system_type := NULL,
                             since := NULL, until := NULL, is_planned := NULL) AS TABLE
SELECT i.*,
       coalesce(i.start_date, i.first_published) AS event_date,
       coalesce(i.start_time, timezone('Europe/Oslo', coalesce(i.start_date, i.first_published)::TIMESTAMP)) AS event_time
FROM incidents i
WHERE (region IS NULL OR list_contains(i.regions, region))
  AND (trust IS NULL OR list_contains(i.trusts, trust))
  AND (system IS NULL OR list_contains(i.systems, system))
  AND (system_type IS NULL OR list_contains(i.system_types, system_type))
  AND (since IS NULL OR coalesce(i.start_date, i.first_published) >= CAST(since AS DATE))
  AND (until IS NULL OR coalesce(i.start_date, i.first_published) <= CAST(until AS DATE))
  AND (is_planned IS NULL OR i.planned = CAST(is_planned AS BOOLEAN));

-- One row per incident and value of each dimension ('all', region, trust, system, system_type);
-- an incident naming no value of a dimension counts as 'unknown' there.
CREATE MACRO incident_dimensions_where(region := NULL, trust := NULL, system := NULL, system_type := NULL,
                                       since := NULL, until := NULL, is_planned := NULL) AS TABLE
WITH f AS (SELECT * FROM incidents_where(region := region, trust := trust, system := system, system_type := system_type,
                                         since := since, until := until, is_planned := is_planned))
SELECT id, event_date, event_time, 'all' AS dimension, 'all' AS value FROM f
UNION ALL
SELECT id, event_date, event_time, 'region', unnest(CASE WHEN coalesce(len(regions), 0) = 0 THEN ['unknown'] ELSE regions END) FROM f
UNION ALL
SELECT id, event_date, event_time, 'trust', unnest(CASE WHEN coalesce(len(trusts), 0) = 0 THEN ['unknown'] ELSE trusts END) FROM f
UNION ALL
SELECT id, event_date, event_time, 'system', unnest(CASE WHEN coalesce(len(systems), 0) = 0 THEN ['unknown'] ELSE systems END) FROM f
UNION ALL
SELECT id, event_date, event_time, 'system_type',
       unnest(CASE WHEN coalesce(len(system_types), 0) = 0 THEN ['unknown'] ELSE system_types END) FROM f;

-- Incidents per month, quarter and year, by dimension value.
CREATE MACRO incident_counts_where(region := NULL, trust := NULL, system := NULL, system_type := NULL,
                                   since := NULL, until := NULL, is_planned := NULL) AS TABLE
SELECT g.grain, date_trunc(g.grain, d.event_date)::DATE AS period, d.dimension, d.value,
       count(DISTINCT d.id) AS incidents
FROM incident_dimensions_where(region := region, trust := trust, system := system, system_type := system_type,
                               since := since, until := until, is_planned := is_planned) d,
     (VALUES ('month'), ('quarter'), ('year')) AS g(grain)
WHERE d.event_date IS NOT NULL
GROUP BY ALL;

-- Incidents with a known duration (end - start of clock times, else a duration the text states).
CREATE MACRO incident_durations_where(region := NULL, trust := NULL, system := NULL, system_type := NULL,
                                      since := NULL, until := NULL, is_planned := NULL) AS TABLE
SELECT id, title, event_date, start_time, start_date, start_precision, end_time, end_date, end_precision,
       duration_minutes, duration_precision, start_source, end_source, duration_source, planned,
       systems, system_types, trusts, regions
FROM incidents_where(region := region, trust := trust, system := system, system_type := system_type,
                     since := since, until := until, is_planned := is_planned)
WHERE duration_minutes IS NOT NULL;

-- Duration distribution per dimension value: quartiles, p90 and max, not only the mean.
CREATE MACRO duration_stats_where(region := NULL, trust := NULL, system := NULL, system_type := NULL,
                                  since := NULL, until := NULL, is_planned := NULL) AS TABLE
SELECT d.dimension, d.value, count(*) AS incidents,
       quantile_cont(i.duration_minutes, 0.25) AS p25, median(i.duration_minutes) AS median,
       quantile_cont(i.duration_minutes, 0.75) AS p75, quantile_cont(i.duration_minutes, 0.9) AS p90,
       max(i.duration_minutes) AS max, avg(i.duration_minutes) AS mean
FROM incident_dimensions_where(region := region, trust := trust, system := system, system_type := system_type,
                               since := since, until := until, is_planned := is_planned) d
JOIN incidents i ON i.id = d.id
WHERE i.duration_minutes IS NOT NULL
GROUP BY ALL;

-- Time since the previous incident of the same dimension value (trust, system, ...).
CREATE MACRO incident_intervals_where(region := NULL, trust := NULL, system := NULL, system_type := NULL,
                                      since := NULL, until := NULL, is_planned := NULL) AS TABLE
SELECT dimension, value, id AS incident_id, event_time,
       lag(id) OVER w AS previous_incident_id, lag(event_time) OVER w AS previous_event_time,
       date_diff('minute', lag(event_time) OVER w, event_time) / 1440.0 AS days_since_previous
FROM incident_dimensions_where(region := region, trust := trust, system := system, system_type := system_type,
                               since := since, until := until, is_planned := is_planned)
WHERE event_time IS NOT NULL AND value <> 'unknown'
WINDOW w AS (PARTITION BY dimension, value ORDER BY event_time, id);

-- Pairs of incidents whose time windows overlap. A window runs from the start (else first report)
-- to the end; without an end, to the end of the start day (windows_known is then false).
CREATE MACRO concurrent_incidents_where(region := NULL, trust := NULL, system := NULL, system_type := NULL,
                                        since := NULL, until := NULL, is_planned := NULL) AS TABLE
WITH w AS (
    SELECT *, coalesce(end_time, timezone('Europe/Oslo', (coalesce(end_date, event_date) + 1)::TIMESTAMP)) AS window_end
    FROM incidents_where(region := region, trust := trust, system := system, system_type := system_type,
                         since := since, until := until, is_planned := is_planned)
    WHERE event_time IS NOT NULL
)
SELECT a.id AS incident_id, b.id AS other_incident_id, a.title, b.title AS other_title,
       greatest(a.event_time, b.event_time) AS overlap_start, least(a.window_end, b.window_end) AS overlap_end,
       date_diff('minute', greatest(a.event_time, b.event_time), least(a.window_end, b.window_end)) AS overlap_minutes,
       (a.start_date IS NOT NULL AND coalesce(a.end_time::DATE, a.end_date) IS NOT NULL
        AND b.start_date IS NOT NULL AND coalesce(b.end_time::DATE, b.end_date) IS NOT NULL) AS windows_known,
       list_sort(list_intersect(a.regions, b.regions)) AS shared_regions,
       list_sort(list_intersect(a.trusts, b.trusts)) AS shared_trusts,
       list_sort(list_intersect(a.system_types, b.system_types)) AS shared_system_types
FROM w a JOIN w b ON a.id < b.id AND a.event_time < b.window_end AND b.event_time < a.window_end;

CREATE VIEW incident_counts AS SELECT * FROM incident_counts_where();
DROP VIEW incident_durations;
CREATE VIEW incident_durations AS SELECT * FROM incident_durations_where();
CREATE VIEW duration_stats AS SELECT * FROM duration_stats_where();
CREATE VIEW incident_intervals AS SELECT * FROM incident_intervals_where();
CREATE VIEW concurrent_incidents AS SELECT * FROM concurrent_incidents_where();

-- Which trusts' news sites were crawled, over which period: a trust whose site was never crawled
-- has unknown outages, not zero. Periods are the publication dates of the stored articles.
CREATE VIEW coverage AS
WITH site_pages AS (
    SELECT site_id, count(*) AS article_pages, min(fetched_at) AS first_fetched_at, max(fetched_at) AS last_fetched_at
    FROM pages WHERE kind = 'article' GROUP BY site_id
), site_articles AS (
    SELECT site_id, count(*) AS articles, count(*) FILTER (WHERE is_outage) AS outage_articles,
           min(published) AS first_published, max(published) AS last_published
    FROM articles GROUP BY site_id
), affected AS (
    SELECT t AS trust_id, count(DISTINCT id) AS incidents FROM incidents, unnest(trusts) AS u(t) GROUP BY t
)
SELECT t.id AS trust_id, t.name AS trust_name, t.kind, t.region_id, s.base_url AS site_url,
       coalesce(p.article_pages, 0) > 0 AS crawled,
       coalesce(p.article_pages, 0) AS article_pages, coalesce(a.articles, 0) AS articles,
       coalesce(a.outage_articles, 0) AS outage_articles, a.first_published, a.last_published,
       p.first_fetched_at, p.last_fetched_at, coalesce(f.incidents, 0) AS incidents
FROM trusts t
LEFT JOIN sites s ON s.id = t.id
LEFT JOIN site_pages p ON p.site_id = t.id
LEFT JOIN site_articles a ON a.site_id = t.id
LEFT JOIN affected f ON f.trust_id = t.id;
