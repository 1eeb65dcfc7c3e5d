// The MCP surface: StemeDB's tools, the reference memory server's tools and the subject
// resource over the official SDK (docs/mcp.md). The CLI connects it to stdio (`stemedb mcp`),
// the HTTP server to Streamable HTTP at /mcp (`stemedb serve`), one server for every request.
export { createMcpServer, subjectResourceTemplate } from './create-mcp-server.js';
export { mcpSourceDefault, mcpWriteScope, type McpContext } from './context.js';
export { toolErrorHintByCode, type McpToolErrorCode } from './tool-result.js';
export { CallTracker } from './call-tracker.js';
export { SharedServerTransport } from './shared-transport.js';
