import { useState } from 'react'
import { COLORS, saveIdentity, type Identity } from '../identity'
import { Avatar, Dialog } from './ui'

/** First visit (and "change name"): a display name and a colour, kept in localStorage. */
export const IdentityDialog = ({
  open,
  initialName,
  initialColor,
  onSaved,
  onClose,
}: {
  open: boolean
  initialName: string
  initialColor: string
  onSaved: (me: Identity) => void
  onClose?: () => void
}) => {
  const [name, setName] = useState(initialName)
  const [color, setColor] = useState(initialColor)
  const valid = name.trim().length > 0
  return (
    <Dialog open={open} title={onClose ? 'Your name' : 'Welcome to Roundtable'} onClose={onClose}>
      <form
        className="stack"
        onSubmit={e => {
          e.preventDefault()
          if (valid) onSaved(saveIdentity(name, color))
        }}
      >
        <p className="muted">Reviewers and the agent see this name next to your comments and decisions.</p>
        <label className="field">
          <span>Display name</span>
          <input
            autoFocus
            name="name"
            value={name}
            maxLength={60}
            placeholder="e.g. Ada Lovelace"
            onChange={e => setName(e.target.value)}
            data-testid="identity-name"
          />
        </label>
        <fieldset className="field">
          <legend>Colour</legend>
          <div className="swatches" role="radiogroup">
            {COLORS.map(c => (
              <button
                type="button"
                key={c}
                role="radio"
                aria-checked={c === color}
                aria-label={`Colour ${c}`}
                className={`swatch${c === color ? ' selected' : ''}`}
                style={{ background: c }}
                onClick={() => setColor(c)}
              />
            ))}
          </div>
        </fieldset>
        <div className="row between">
          <span className="row gap-s">
            <Avatar name={name || '?'} color={color} />
            <span className="muted">{name.trim() || 'Your name'}</span>
          </span>
          <span className="row gap-s">
            {onClose && (
              <button type="button" className="btn" onClick={onClose}>
                Cancel
              </button>
            )}
            <button type="submit" className="btn primary" disabled={!valid} data-testid="identity-save">
              Continue
            </button>
          </span>
        </div>
      </form>
    </Dialog>
  )
}
