// Opens a run's request parts in DuckDB and checks the column names and
// types that docs/results.md promises. Usage: node check.mjs RUN_DIR
// Prints one JSON line with the checked facts; exits 1 on any mismatch.
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
if (!dir) { console.error('usage: node check.mjs RUN_DIR'); process.exit(2); }
const glob = `${dir}/requests/*.parquet`.replaceAll("'", "''");

const want = {
  run_id: 'VARCHAR', target: 'VARCHAR', target_kind: 'VARCHAR', model: 'VARCHAR', warmup: 'BOOLEAN',
  request_index: 'BIGINT', session_id: 'VARCHAR', turn: 'INTEGER',
  started_at: 'TIMESTAMP WITH TIME ZONE',
  scheduled_ns: 'BIGINT', sent_ns: 'BIGINT', headers_ns: 'BIGINT', first_event_ns: 'BIGINT', first_token_ns: 'BIGINT',
  first_output_ns: 'BIGINT', last_token_ns: 'BIGINT', done_ns: 'BIGINT', schedule_lag_ns: 'BIGINT',
  ttft_ns: 'BIGINT', tpot_ns: 'BIGINT', e2e_ns: 'BIGINT', chunk_gaps_ns: 'BIGINT[]', chunk_tokens: 'INTEGER[]',
  input_tokens: 'BIGINT', output_tokens: 'BIGINT', cached_input_tokens: 'BIGINT', reasoning_tokens: 'BIGINT',
  cache_write_input_tokens: 'BIGINT', coalesced: 'BOOLEAN', coalesced_chunks: 'INTEGER',
  output_tokens_source: 'VARCHAR', status: 'VARCHAR', error_class: 'VARCHAR', http_status: 'INTEGER',
  finish_reason: 'VARCHAR', cost_usd: 'DOUBLE',
};

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const cols = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}')`)).getRowObjects();
const got = Object.fromEntries(cols.map(o => [o.column_name, o.column_type]));
const problems = [];
for (const [k, v] of Object.entries(want)) {
  if (got[k] !== v) problems.push(`${k}: got ${got[k] ?? 'missing'}, want ${v}`);
}
const row = (await c.runAndReadAll(
  `SELECT count(*)::BIGINT AS n,
          count(*) FILTER (WHERE status = 'ok')::BIGINT AS ok,
          count(*) FILTER (WHERE status <> 'ok' AND first_token_ns IS NULL)::BIGINT AS null_first_token,
          count(*) FILTER (WHERE status = 'ok' AND first_event_ns IS NOT NULL AND first_event_ns <= first_token_ns)::BIGINT AS first_event_ok,
          max(len(chunk_gaps_ns))::BIGINT AS max_gaps,
          min(epoch_ms(started_at))::BIGINT AS first_ms
   FROM read_parquet('${glob}')`)).getRowObjects()[0];
const out = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
out.problems = problems;
console.log(JSON.stringify(out));
process.exit(problems.length ? 1 : 0);
