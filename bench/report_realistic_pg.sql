-- For bench/report_bench.py on PostgreSQL: what bench/report_realistic_db.sh does to a SQLite copy, on a
-- copy of the status benchmark's PostgreSQL database (createdb -T bench COPY): the events get the payloads
-- the application writes (cycle, choice, deadlines). Run it under the benchmark lock:
--   flock /tmp/bench.lock psql -h 127.0.0.1 -U postgres -d COPY -f bench/report_realistic_pg.sql
\timing on
SET work_mem = '256MB';
CREATE TEMP TABLE iso AS SELECT id,
  to_char(review_deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00' AS review,
  to_char(reconsideration_deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00' AS recon
  FROM resolutions;
ALTER TABLE iso ADD PRIMARY KEY (id);
UPDATE events e SET payload = (e.payload::jsonb
  || jsonb_build_object('cycle', 1, 'review_deadline', iso.review))::json
  FROM iso WHERE e.kind = 'submitted' AND iso.id = e.resolution_id;
UPDATE events e SET payload = (e.payload::jsonb || jsonb_build_object('cycle', 1,
  'choice', CASE e.payload ->> 'status' WHEN 'objected' THEN 'conflict' ELSE 'no_conflict' END,
  'reconsideration_deadline', CASE e.payload ->> 'status' WHEN 'objected' THEN iso.recon END))::json
  FROM iso WHERE e.kind = 'ruled' AND iso.id = e.resolution_id;
UPDATE events SET payload = (payload::jsonb || '{"cycle": 1}'::jsonb)::json WHERE kind IN ('revoked', 'insisted');
VACUUM ANALYZE events;
SELECT kind, count(*) FROM events WHERE payload ->> 'cycle' = '1' GROUP BY kind ORDER BY kind;
