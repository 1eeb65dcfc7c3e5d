// Keeps the layering arrows pointing down (docs/architecture.md). Run by `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */
const shared = '^src/(errors|limits|blake3|hex)\\.ts$|^src/fs/';
module.exports = {
  forbidden: [
    { name: 'wal-is-bytes-only', severity: 'error', comment: 'the WAL knows bytes and LSNs only',
      from: { path: '^src/wal/' }, to: { path: '^src/', pathNot: `^src/wal/|${shared}` } },
    { name: 'records-stand-alone', severity: 'error', comment: 'records know what a record is, nothing else',
      from: { path: '^src/records/' }, to: { path: '^src/', pathNot: `^src/records/|${shared}` } },
    { name: 'storage-stands-alone', severity: 'error', comment: 'storage knows keys, values and scans only',
      from: { path: '^src/storage/' }, to: { path: '^src/', pathNot: `^src/storage/|${shared}` } },
    { name: 'layout-owns-the-kv-formats', severity: 'error',
      comment: 'the KV layout knows records and the storage seam; ingest and db build on it',
      from: { path: '^src/layout/' }, to: { path: '^src/', pathNot: `^src/(layout|records|storage|beliefs)/|${shared}` } },
    { name: 'beliefs-are-rules-over-records', severity: 'error', comment: 'the rules of what is believed know records only',
      from: { path: '^src/beliefs/' }, to: { path: '^src/', pathNot: `^src/(beliefs|records)/|${shared}` } },
    { name: 'shared-pieces-sit-below-everything', severity: 'error',
      from: { path: shared }, to: { path: '^src/', pathNot: shared } },
    { name: 'ingest-below-db', severity: 'error',
      from: { path: '^src/ingest/' }, to: { path: '^src/(db|cli|server|mcp|index)' } },
    { name: 'db-below-surfaces', severity: 'error',
      from: { path: '^src/db/' }, to: { path: '^src/(cli|server|mcp)/' } },
    { name: 'surfaces-use-the-public-api', severity: 'error', comment: 'cli and server use src/index.ts only (and the MCP surface, which they serve)',
      from: { path: '^(src/cli|src/server)/' }, to: { path: '^src/', pathNot: '^src/(index\\.ts|limits\\.ts|cli/|server/|sample/|mcp/)' } },
    { name: 'mcp-uses-the-public-api', severity: 'error',
      comment: 'the MCP surface uses src/index.ts, the limits, and the input schemas it shares with the HTTP routes',
      from: { path: '^src/mcp/' }, to: { path: '^src/', pathNot: '^src/(index\\.ts|limits\\.ts|mcp/|server/schemas/)' } },
    { name: 'benches-use-module-surfaces', severity: 'error',
      comment: 'a benchmark uses the public API, or measures one layer alone through its index.ts',
      from: { path: '^bench/' }, to: { path: '^src/', pathNot: '^src/(index|limits|wal/index|records/index|storage/index|layout/index|sample/cities|server/index)\\.ts$' } },
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
