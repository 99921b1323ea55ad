#!/bin/sh
# For bench/report_bench.py: a copy of the status benchmark's database whose events carry what the
# application writes (cycle, choice, deadlines), so that /report's event-derived figures (rulings, medians,
# objections and their answers) are exercised. Run it under the benchmark lock:
#   flock /tmp/bench.lock bench/report_realistic_db.sh [SOURCE.db [COPY.db]]
set -e
SRC=${1:-/tmp/council-bench/status-1000000-0008.db}
DST=${2:-/tmp/council-bench/report-realistic-1000000-0008.db}
date -u; uptime
rm -f $DST
sqlite3 $SRC ".backup $DST"
date -u
sqlite3 $DST <<'SQL'
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
CREATE TEMP TABLE iso AS SELECT id,
  replace(substr(review_deadline, 1, 19), ' ', 'T') || '+00:00' AS review,
  replace(substr(reconsideration_deadline, 1, 19), ' ', 'T') || '+00:00' AS recon
  FROM resolutions;
CREATE UNIQUE INDEX temp.iso_id ON iso(id);
UPDATE events SET payload = json_set(payload, '$.cycle', 1,
  '$.review_deadline', (SELECT review FROM iso WHERE iso.id = events.resolution_id))
  WHERE kind = 'submitted';
UPDATE events SET payload = json_set(payload, '$.cycle', 1,
  '$.choice', CASE json_extract(payload, '$.status') WHEN 'objected' THEN 'conflict' ELSE 'no_conflict' END,
  '$.reconsideration_deadline', CASE json_extract(payload, '$.status') WHEN 'objected'
    THEN (SELECT recon FROM iso WHERE iso.id = events.resolution_id) END)
  WHERE kind = 'ruled';
UPDATE events SET payload = json_set(payload, '$.cycle', 1) WHERE kind IN ('revoked', 'insisted');
SELECT kind, count(*) FROM events WHERE json_extract(payload, '$.cycle') = 1 GROUP BY kind;
SQL
date -u; uptime
