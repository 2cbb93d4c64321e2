// Runs SQL statements in order on one in-memory DuckDB connection and
// prints their results, for tests that check the SQL shipped in the docs
// and the example notebook against real runs. Usage: node query.mjs FILE,
// FILE a JSON array of SQL strings. Prints one JSON array with an entry per
// statement, {"columns": [...], "rows": [[...], ...]}, values in DuckDB's
// JSON form (BIGINT and DECIMAL as strings, DOUBLE as numbers). On an
// error prints {"index": I, "error": "..."} and exits 1.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) { console.error('usage: node query.mjs FILE'); process.exit(2); }
const statements = JSON.parse(readFileSync(file, 'utf8'));

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const out = [];
for (const [index, sql] of statements.entries()) {
  try {
    const r = await c.runAndReadAll(sql);
    out.push({ columns: r.columnNames(), rows: r.getRowsJson() });
  } catch (e) {
    console.log(JSON.stringify({ index, error: String(e?.message ?? e) }));
    process.exit(1);
  }
}
console.log(JSON.stringify(out));
