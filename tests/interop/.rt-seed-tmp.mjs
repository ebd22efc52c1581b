// temporary dev seeding (not committed)
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { ServerBlockNoteEditor } from '@blocknote/server-util'
const port = process.argv[2], id = process.argv[3], n = Number(process.argv[4] || 0)
let md = `# Plan: add caching\n\nWe will add a **cache** layer in front of the database.\n\n## Steps\n\n- Add a \`Cache\` interface\n- Implement LRU\n  - with TTL\n- Wire it in\n\n1. First\n2. Second\n\n\`\`\`ts\nexport interface Cache { get(k: string): string | undefined }\n\`\`\`\n\n> Note: invalidate on write.\n\n- [ ] write tests\n- [x] design\n`
for (let i = 0; i < n; i++) md += `\nParagraph ${i}: some text that explains step ${i} of the plan in a sentence or two.\n`
const editor = ServerBlockNoteEditor.create()
const blocks = await editor.tryParseMarkdownToBlocks(md)
const doc = new Y.Doc()
editor.blocksToYXmlFragment(blocks, doc.getXmlFragment('document'))
const now = Date.now()
doc.transact(() => {
  const m = doc.getMap('metadata')
  for (const [k, v] of Object.entries({ id, title: 'Add a caching layer', status: 'pending_review', repo: 'acme/api', pr: 42, createdAt: now, updatedAt: now, revision: 1 })) m.set(k, v)
  const c = doc.getArray('content'); c.push(blocks)
})
const p = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, id, doc, { WebSocketPolyfill: WebSocket })
await new Promise(r => p.on('sync', s => s && r()))
const idx = new Y.Doc(); const p2 = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, 'plan-index', idx, { WebSocketPolyfill: WebSocket })
await new Promise(r => p2.on('sync', s => s && r()))
idx.getMap('plans').set(id, { id, title: 'Add a caching layer', status: 'pending_review', createdAt: now, updatedAt: now })
await new Promise(r => setTimeout(r, 500)); p.destroy(); p2.destroy(); process.exit(0)
