// The version an MCP server reports in its initialize answer: the package's own.
import fs from 'node:fs';

/** The package version (the compiled file sits at dist/src/mcp/version.js). */
export function packageVersion(): string {
  try {
    const text = fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
