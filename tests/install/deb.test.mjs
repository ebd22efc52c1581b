// The Debian package: built by CPack from the Release build, its Depends
// computed by dpkg-shlibdeps, each a package Debian has; unpacked into a
// temporary root (as dpkg would install it), its binary runs and serves the
// packaged web app.
import { test } from 'node:test'
import fs from 'node:fs'
import path from 'node:path'
import { assert, buildDir, builtVersion, run, serve, tempDir } from './harness.mjs'

let deb, version
const packaged = () => {
  if (deb) return deb
  const out = tempDir('roundtable-cpack-')
  run('cpack', ['-G', 'DEB', '--config', path.join(buildDir, 'CPackConfig.cmake'), '-B', out])
  version = builtVersion()
  const arch = run('dpkg', ['--print-architecture']).trim()
  deb = path.join(out, `roundtable_${version}_${arch}.deb`)
  assert.ok(fs.existsSync(deb), `cpack made ${path.basename(deb)} (made: ${fs.readdirSync(out).join(', ')})`)
  return deb
}

test('the package is roundtable_<version>_<arch>.deb; its Depends name packages that apt can install', () => {
  const pkg = packaged()
  const field = name => run('dpkg-deb', ['--field', pkg, name]).trim()
  assert.equal(field('Package'), 'roundtable')
  assert.equal(field('Version'), version)
  const depends = field('Depends')
  const names = depends.split(',').map(d => d.trim().split(/[\s(|]/)[0]).filter(Boolean)
  // What the binary links dynamically, as Debian 12 names the libraries.
  for (const lib of ['libc6', 'libstdc++6', 'libsqlite3-0', 'libpq5', 'libssl3', 'gstreamer1.0-plugins-bad', 'gstreamer1.0-nice']) {
    assert.ok(names.includes(lib), `Depends has ${lib}: ${depends}`)
  }
  assert.ok(names.some(n => n.startsWith('libcmark-gfm')), `Depends has cmark-gfm: ${depends}`)
  for (const name of names) run('apt-cache', ['show', '--no-all-versions', name])
  // apt resolves the whole package, as `apt install ./roundtable_….deb` would.
  run('apt-get', ['install', '--simulate', '--no-install-recommends', pkg])
})

test('unpacked (dpkg -x), roundtable --version runs and roundtable serve serves the packaged web app', async () => {
  const pkg = packaged()
  const root = tempDir('roundtable-root-')
  run('dpkg', ['-x', pkg, root])
  const binary = path.join(root, 'usr/bin/roundtable')
  const index = path.join(root, 'usr/share/roundtable/web/index.html')
  assert.ok(fs.existsSync(index), 'usr/share/roundtable/web/index.html is in the package')
  assert.equal(run(binary, ['--version']).trim(), `roundtable ${version}`)

  const hub = await serve(binary)
  const page = await fetch(`${hub.url}/plan/some-plan`)
  assert.equal(page.status, 200)
  assert.equal(await page.text(), fs.readFileSync(index, 'utf8'), 'the web app comes from usr/share/roundtable/web')
  const config = await (await fetch(`${hub.url}/config.json`)).json()
  assert.equal(config.documents, true)
  assert.deepEqual(await hub.stop(), { code: 0, signal: null })
})
