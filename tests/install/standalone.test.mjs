// A clone stands on its own: nothing tracked refers to a folder beside the
// repository, or to the issue tracker's numbers, which a user cannot see.
import { test } from 'node:test'
import { spawnSync } from 'node:child_process'
import { assert, repoRoot, run } from './harness.mjs'

const tracked = () => run('git', ['-C', repoRoot, 'ls-files', '-z']).split('\0').filter(Boolean)
  .filter(f => !f.endsWith('package-lock.json') && !/\.(png|bin|gz|jpg|ico|woff2?)$/.test(f))

const grep = pattern => {
  // git grep exits 1 when nothing matches.
  const r = spawnSync('git', ['-C', repoRoot, 'grep', '-n', '-I', '-E', pattern, '--', ...tracked()], { encoding: 'utf8', maxBuffer: 64 << 20 })
  assert.ok(r.status === 0 || r.status === 1, r.stderr)
  return r.stdout.split('\n').filter(Boolean)
}

test('no tracked file refers to a "shared" folder beside the checkout', () => {
  assert.deepEqual(grep('\\.\\./shared'), [])
})

test('no tracked file cites an issue by number', () => {
  assert.deepEqual(grep('\\b[Ii]ssues? #?[0-9]+\\b').filter(line => !/plannotator|github\.com\//.test(line)), [])
})
