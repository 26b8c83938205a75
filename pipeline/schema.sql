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
