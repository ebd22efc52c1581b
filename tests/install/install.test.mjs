// `cmake --install` as the README's first command runs it: the binary and the
// web app land under a prefix, and the installed `roundtable serve` serves
// that web app with no --web-dir.
import { test } from 'node:test'
import fs from 'node:fs'
import path from 'node:path'
import { assert, buildDir, builtVersion, run, serve, tempDir } from './harness.mjs'

test('cmake --install puts bin/roundtable and share/roundtable/web under the prefix; the installed hub serves that web app', async () => {
  const prefix = tempDir('roundtable-prefix-')
  run('cmake', ['--install', buildDir, '--prefix', prefix])
  const binary = path.join(prefix, 'bin/roundtable')
  const index = path.join(prefix, 'share/roundtable/web/index.html')
  assert.ok(fs.existsSync(binary), 'bin/roundtable installed')
  assert.ok(fs.existsSync(index), 'share/roundtable/web/index.html installed')
  assert.equal(run(binary, ['--version']).trim(), `roundtable ${builtVersion()}`)

  // A stale file from an earlier install is gone after the next one.
  const stale = path.join(prefix, 'share/roundtable/web/assets/stale-0000.js')
  fs.writeFileSync(stale, '')
  run('cmake', ['--install', buildDir, '--prefix', prefix])
  assert.ok(!fs.existsSync(stale), 'an install replaces the web app whole')

  const hub = await serve(binary)
  const page = await fetch(`${hub.url}/`)
  assert.equal(page.status, 200)
  assert.equal(await page.text(), fs.readFileSync(index, 'utf8'), 'GET / is the installed index.html')
  assert.equal((await fetch(`${hub.url}/healthz`)).status, 200)
  assert.deepEqual(await hub.stop(), { code: 0, signal: null })
})
