import type { HubPresence, Reviewer } from '../collab/presence'
import { Avatar } from './ui'

const MAX_SHOWN = 4

export const HUB_TOOLTIP =
  'The author’s hub is connected: the plan and your comments reach the agent even with no author browser open'

/**
 * Avatars of everyone on the plan and "N reviewers online"; then each hub
 * connected as a peer, as a chip of its own (a hub is not a reviewer).
 */
export const Presence = ({ reviewers, hubs = [] }: { reviewers: Reviewer[]; hubs?: HubPresence[] }) => {
  const n = reviewers.length
  const shown = reviewers.slice(0, MAX_SHOWN)
  return (
    <div className="presence" data-testid="presence" data-online={n} data-hubs={hubs.length}>
      <div className="avatar-stack">
        {shown.map(r => (
          <Avatar key={r.id} name={r.name} label={r.self ? `${r.name} (you)` : r.name} color={r.color} ring />
        ))}
        {n > MAX_SHOWN && <span className="avatar more">+{n - MAX_SHOWN}</span>}
      </div>
      <span className="presence-count" data-testid="online-count">
        {n} reviewer{n === 1 ? '' : 's'} online
      </span>
      {hubs.map(hub => (
        <span
          key={hub.name}
          className="chip hub-chip"
          role="img"
          title={HUB_TOOLTIP}
          aria-label={`${hub.name}’s hub is connected: the plan and your comments reach the agent even with no author browser open`}
          data-testid="hub-chip"
          data-hub-name={hub.name}
        >
          <span aria-hidden>⇄</span>
          <span className="hub-chip-name">{hub.name}’s hub</span>
        </span>
      ))}
    </div>
  )
}
