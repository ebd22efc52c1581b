// The large plan of the remote-review tests (p2p_remote.test.mjs, the network
// test bed's hub_only.test.mjs): about 1,000,000 bytes of markdown, the most
// create_plan takes (1 MiB), in 240 sections of varied prose; as a plan
// document about 2.1 MB, far above a data channel's 256 KiB message limit.
export const BIG_PLAN_TITLE = 'Re-shard the orders database'
export const BIG_PLAN_LAST = 'Last block of the two-megabyte plan: ship it behind the flag.'
export const BIG_PLAN_SECTIONS = 240

export const bigPlan = () => {
  const words = ['cache', 'shard', 'replica', 'latency', 'budget', 'rollout', 'schema', 'index', 'queue', 'retry',
    'backfill', 'tenant', 'quota', 'migration', 'snapshot', 'checksum', 'partition', 'leader', 'follower', 'epoch']
  let seed = 7
  const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed }
  const sentence = () => {
    const n = 8 + (next() % 10)
    const w = Array.from({ length: n }, () => words[next() % words.length])
    return w[0][0].toUpperCase() + w.join(' ').slice(1) + '.'
  }
  const out = [`# ${BIG_PLAN_TITLE}`, '']
  for (let i = 1; i <= BIG_PLAN_SECTIONS; i++) {
    out.push(`## Step ${i}`, '')
    let para = ''
    while (para.length < 3900) para += sentence() + ' '
    out.push(para.trim(), '')
  }
  out.push(BIG_PLAN_LAST, '')
  return out.join('\n')
}
