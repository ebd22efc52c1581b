// `/plan?d=...`: a plan from the URL alone (metadata and blocks, lz-string
// compressed JSON), read-only, with no hub and no shared document.
import type { PartialBlock } from '@blocknote/core'
import { decompressFromEncodedURIComponent } from 'lz-string'
import { useMemo } from 'react'
import { parseMeta, type PlanMeta } from '../collab/plan'
import { ErrorBoundary } from './ErrorBoundary'
import { ReadOnlyPlan } from './ReadOnlyPlan'
import { StatusBadge, fullTime } from './ui'

type Snapshot = { meta: PlanMeta; blocks: PartialBlock[] }

/** Decodes a snapshot, or says in words why it cannot. */
export const decodeSnapshot = (data: string): Snapshot | { error: string } => {
  if (data.length === 0) return { error: 'The link has no plan data after "?d=".' }
  let json: string | null
  try {
    json = decompressFromEncodedURIComponent(data)
  } catch {
    json = null
  }
  if (!json) return { error: 'The plan data in this link is damaged (it does not decompress). The link may have been cut off when it was copied.' }
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    return { error: 'The plan data in this link is damaged (it is not valid JSON).' }
  }
  if (typeof raw !== 'object' || raw === null) return { error: 'The plan data in this link is not a plan.' }
  const r = raw as { v?: unknown; metadata?: unknown; blocks?: unknown }
  if (r.v !== 1) return { error: `This snapshot has format version ${JSON.stringify(r.v)}; this app reads version 1.` }
  if (!Array.isArray(r.blocks) || !r.blocks.every(b => typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string'))
    return { error: 'The plan data in this link has no readable blocks.' }
  const metaRaw = typeof r.metadata === 'object' && r.metadata !== null ? (r.metadata as Record<string, unknown>) : {}
  return { meta: parseMeta(metaRaw, ''), blocks: r.blocks as PartialBlock[] }
}

export const SnapshotPage = ({ data, theme }: { data: string; theme: 'light' | 'dark' }) => {
  const snap = useMemo(() => decodeSnapshot(data), [data])
  if ('error' in snap) {
    return (
      <main className="center-card" role="alert" data-testid="snapshot-error">
        <h1>This plan link can't be opened</h1>
        <p className="muted">{snap.error}</p>
        <p className="muted">Ask the sender for the link again, or open the live plan from the plan list.</p>
        <a className="btn" href="/">
          All plans
        </a>
      </main>
    )
  }
  const { meta } = snap
  return (
    <main className="page plan-page">
      <div className="notice info" data-testid="snapshot-notice">
        Snapshot: a read-only copy of the plan carried in the link itself. Comments and review happen on the live plan.
        {meta.id && (
          <>
            {' '}
            <a href={`/plan/${encodeURIComponent(meta.id)}`}>Open the live plan</a>
          </>
        )}
      </div>
      <header className="plan-header">
        <div className="plan-title-row">
          <h1 className="plan-title" data-testid="plan-title">
            {meta.title}
          </h1>
          <StatusBadge status={meta.status} />
        </div>
        <div className="plan-meta muted">
          {meta.repo && <span className="chip">{meta.repo}</span>}
          {meta.pr !== null && <span className="chip">PR #{meta.pr}</span>}
          {meta.revision !== null && <span className="chip">Revision {meta.revision}</span>}
          {meta.updatedAt && <span>As of {fullTime(meta.updatedAt)}</span>}
        </div>
      </header>
      <ErrorBoundary>
        <ReadOnlyPlan blocks={snap.blocks} theme={theme} />
      </ErrorBoundary>
    </main>
  )
}
