// An agent as MCP clients run one: the official TypeScript SDK client on the
// stdio server `roundtable mcp` (or any command that ends in it, such as one
// run inside a network namespace).
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'

/**
 * Starts `command args...` and connects the SDK client to it. Resolves with
 * {client, transport, stderr(), tool(name, args, opts), close()}; `tool`
 * resolves with the tool result.
 */
export async function startAgent ({ command, args, env = {}, name = 'test-agent' }) {
  const transport = new StdioClientTransport({ command, args, env: { ...process.env, ...env }, stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', d => { stderr += d })
  const client = new Client({ name, version: '1.0.0' })
  await client.connect(transport)
  return {
    client,
    transport,
    stderr: () => stderr,
    tool: (tool, args, opts) => client.callTool({ name: tool, arguments: args }, undefined, opts),
    close: () => client.close()
  }
}
