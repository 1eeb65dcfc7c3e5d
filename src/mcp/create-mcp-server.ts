// Builds one MCP server (the SDK's McpServer) over an open StemeDB: the native tools, the
// reference memory server's tools, and the stemedb://subjects/{subject} resource. It does not
// own the database or a transport: the caller connects it (stdio.ts, http.ts) and closes both.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpContext } from './context.js';
import { registerMemoryTools } from './memory-tools.js';
import { registerNativeTools } from './native-tools.js';
import { packageVersion } from './version.js';

export const subjectResourceTemplate = 'stemedb://subjects/{subject}';

export function createMcpServer(context: McpContext): McpServer {
  const server = new McpServer(
    { name: 'stemedb', version: packageVersion() },
    {
      instructions: 'StemeDB is a durable memory of claims with provenance. assert records a claim (subject, predicate, object) by a source; vote supports or opposes one; retract takes back your own; beliefs tells what is believed about a subject, ranked, with consensus and whether it is contested. The memory-server tools (create_entities, add_observations, search_nodes…) work on the same store.',
    },
  );
  registerNativeTools(server, context);
  registerMemoryTools(server, context);
  server.registerResource(
    'subject-beliefs',
    new ResourceTemplate(subjectResourceTemplate, { list: undefined }),
    { description: 'What is believed about a subject (the beliefs tool\'s answer), as JSON', mimeType: 'application/json' },
    (uri, variables) => {
      const raw = variables.subject;
      const subject = decodeURIComponent(Array.isArray(raw) ? raw.join('/') : (raw ?? ''));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(context.db.beliefs(subject)) }] };
    },
  );
  return server;
}
