// Small shared pieces: status badge, avatar, dialog, times.
import { useEffect, useRef, type ReactNode } from 'react'
import { STATUS_LABEL, type PlanStatus } from '../collab/plan'
import { initials } from '../identity'

export const StatusBadge = ({ status }: { status: PlanStatus }) => (
  <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
    {STATUS_LABEL[status]}
  </span>
)

export const Avatar = ({
  name,
  color,
  size = 28,
  ring,
  label,
}: {
  name: string
  color: string
  size?: number
  ring?: boolean
  /** Tooltip and accessible name, when more than the name. */
  label?: string
}) => (
  <span
    className={`avatar${ring ? ' ring' : ''}`}
    style={{ background: color, width: size, height: size, fontSize: size * 0.42 }}
    title={label ?? name}
    aria-label={label ?? name}
  >
    {initials(name)}
  </span>
)

export const Dialog = ({
  open,
  title,
  onClose,
  children,
  labelledBy,
}: {
  open: boolean
  title: string
  onClose?: () => void
  children: ReactNode
  labelledBy?: string
}) => {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  const id = labelledBy ?? `dlg-${title.replace(/\W+/g, '-').toLowerCase()}`
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={id}
      onCancel={e => {
        e.preventDefault()
        onClose?.()
      }}
    >
      {open && (
        <>
          <h2 id={id}>{title}</h2>
          {children}
        </>
      )}
    </dialog>
  )
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
export const relativeTime = (ms: number | null, now = Date.now()): string => {
  if (!ms) return ''
  const s = Math.round((ms - now) / 1000)
  const abs = Math.abs(s)
  if (abs < 45) return 'just now'
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute')
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour')
  if (abs < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day')
  return new Date(ms).toLocaleDateString()
}

export const fullTime = (ms: number | null): string => (ms ? new Date(ms).toLocaleString() : '')
