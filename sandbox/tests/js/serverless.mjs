// The @tursodatabase/serverless client (the one the platform's migration
// guide uses) against the sandbox's data endpoint. Run by the Rust test
// `sql::npm_serverless_client_basics` with DATABASE_URL and DATABASE_TOKEN.
import assert from "node:assert/strict";
import { connect } from "@tursodatabase/serverless";

const conn = connect({ url: process.env.DATABASE_URL, authToken: process.env.DATABASE_TOKEN });

await conn.batch([
  "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL, big INTEGER, data BLOB, note TEXT)",
]);
const insert = await conn.prepare("INSERT INTO t (name, score, big, data, note) VALUES (?, ?, ?, ?, ?)");
await insert.run(["alice", 1.25, 9007199254740993n, new Uint8Array([0, 1, 255]), null]);

const select = await conn.prepare("SELECT id, name, score, big, data, note FROM t");
select.safeIntegers(true);
const row = await select.get();
assert.equal(row.id, 1n);
assert.equal(row.name, "alice");
assert.equal(row.score, 1.25);
assert.equal(row.big, 9007199254740993n, "64-bit integers survive as BigInt");
assert.deepEqual([...new Uint8Array(row.data)], [0, 1, 255]);
assert.equal(row.note, null);

await assert.rejects(
  conn.run("INSERT INTO t (name) VALUES (?)", "alice"),
  (e) => /UNIQUE|constraint/i.test(String(e?.message ?? e)),
  "a constraint error is reported",
);

// An interactive transaction rolled back.
await conn.exec("BEGIN");
await conn.run("INSERT INTO t (name) VALUES (?)", "bob");
const inside = await conn.get("SELECT count(*) AS n FROM t");
assert.equal(Number(inside.n), 2);
await conn.exec("ROLLBACK");
const after = await conn.get("SELECT count(*) AS n FROM t");
assert.equal(Number(after.n), 1, "the rollback undid the insert");

const all = await conn.all("SELECT name FROM t ORDER BY id");
assert.deepEqual(all.map((r) => r.name), ["alice"]);
await conn.close();
console.log("serverless client: ok");
