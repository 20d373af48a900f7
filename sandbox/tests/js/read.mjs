// Reads QUERY's rows with the @tursodatabase/serverless client and prints
// them as one JSON array per line (integers as strings, so 64-bit values
// survive; blobs as hex). Run by Rust tests with DATABASE_URL,
// DATABASE_TOKEN and QUERY.
import { connect } from "@tursodatabase/serverless";

const conn = connect({ url: process.env.DATABASE_URL, authToken: process.env.DATABASE_TOKEN });
const query = await conn.prepare(process.env.QUERY);
query.safeIntegers(true);
for (const row of await query.all()) {
  const shown = Object.values(row).map((v) =>
    typeof v === "bigint" ? v.toString()
      : v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? Buffer.from(v).toString("hex")
      : v,
  );
  console.log(JSON.stringify(shown));
}
