// Access control in a real browser: a hub with a token secret; the agent
// creates a plan with its bearer token; a reviewer opens create_plan's share
// link (the token in its fragment) and sees the plan live, and the Share
// button passes the same plan-bound token on. The same page without the token
// shows nothing of the plan. A plan:read link shows it with no review buttons.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { useHarness, hubBinary } from '../interop/hub_harness.mjs'
import { mcpPost } from '../interop/mcp_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, waitText, hubFlags } from './browser.mjs'

const h = useHarness()
const secretFile = path.join(h.tmpDir('roundtable-secret-'), 'token-secret')
fs.writeFileSync(secretFile, crypto.randomBytes(48).toString('base64') + '\n', { mode: 0o600 })
const issue = (...args) => execFileSync(hubBinary, ['token', 'issue', '--secret-file', secretFile, ...args]).toString().trim()

let hub, browser, planId, shareUrl

before(async () => {
  hub = await h.startHub({ flags: hubFlags(['--token-secret-file', secretFile]) })
  const headers = { authorization: `Bearer ${issue('--scope', 'plan:create')}` }
  const init = await mcpPost(hub, {
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e-agent', version: '1' } }
  }, { version: null, headers })
  assert.equal(init.status, 200, init.text)
  const session = init.headers.get('mcp-session-id')
  const created = await mcpPost(hub, {
    jsonrpc: '2.0', id: 1, method: 'tools/call',
    params: { name: 'create_plan', arguments: { title: 'Guarded plan', content: '# Guarded plan\n\nOnly invited reviewers read this.\n' } }
  }, { session, headers })
  ;({ planId, shareUrl } = created.messages[0].result.structuredContent)
  browser = await launch(h)
})

test('the share link\'s token opens the plan, and the Share button passes it on', async () => {
  assert.match(shareUrl, /#k=[A-Za-z0-9_-]+&access_token=[\w-]+\.[\w-]+\.[\w-]+$/)
  const r = await newReviewer(browser, { name: 'Invited' })
  await r.page.goto(shareUrl)
  await answerIdentity(r, 1)
  await waitEditor(r.page)
  await waitText(r.page.getByTestId('plan-title'), 'Guarded plan')
  assert.match(await r.page.locator('.bn-editor').textContent(), /Only invited reviewers read this/)
  const token = new URLSearchParams(new URL(shareUrl).hash.slice(1)).get('access_token')
  assert.match(await r.page.getByTestId('share').getAttribute('data-link'), new RegExp(`&access_token=${token.replace(/\./g, '\\.')}$`))
  assert.equal(await r.page.getByTestId('approve').count(), 1)
})

test('without the token the page shows nothing of the plan; a plan:read link shows it without review buttons', async () => {
  const stranger = await newReviewer(browser, { name: 'Stranger' })
  await stranger.page.goto(`${hub.httpUrl}/plan/${planId}`)
  await answerIdentity(stranger, 2)
  await new Promise(resolve => setTimeout(resolve, 1500))
  assert.doesNotMatch(await stranger.page.locator('body').textContent(), /Only invited reviewers|Guarded plan/)

  const read = issue('--scope', 'plan:read', '--plan', planId, '--expires', '1h')
  const reader = await newReviewer(browser, { name: 'Reader' })
  await reader.page.goto(`${hub.httpUrl}/plan/${planId}#access_token=${read}`)
  await answerIdentity(reader, 3)
  await waitEditor(reader.page)
  await waitText(reader.page.getByTestId('plan-title'), 'Guarded plan')
  assert.equal(await reader.page.getByTestId('approve').count(), 0)
  assert.equal(await reader.page.locator('.bn-editor [contenteditable="true"]').count(), 0)
})
