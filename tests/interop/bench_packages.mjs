// The npm packages the benchmarks in bench/ use, resolved from this folder's
// node_modules (ES module resolution has no NODE_PATH; bench/ imports this).
export { ServerBlockNoteEditor } from '@blocknote/server-util'
export * as Y from 'yjs'
export { Client } from '@modelcontextprotocol/sdk/client/index.js'
export { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
