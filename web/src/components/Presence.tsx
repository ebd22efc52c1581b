import type { Reviewer } from '../collab/presence'
import { Avatar } from './ui'

const MAX_SHOWN = 4

/** Avatars of everyone on the plan and "N reviewers online". */
export const Presence = ({ reviewers }: { reviewers: Reviewer[] }) => {
  const n = reviewers.length
  const shown = reviewers.slice(0, MAX_SHOWN)
  return (
    <div className="presence" data-testid="presence" data-online={n}>
      <div className="avatar-stack">
        {shown.map(r => (
          <Avatar key={r.id} name={r.name} label={r.self ? `${r.name} (you)` : r.name} color={r.color} ring />
        ))}
        {n > MAX_SHOWN && <span className="avatar more">+{n - MAX_SHOWN}</span>}
      </div>
      <span className="presence-count" data-testid="online-count">
        {n} reviewer{n === 1 ? '' : 's'} online
      </span>
    </div>
  )
}
