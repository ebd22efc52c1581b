import { useEffect, useState } from 'react'
import { loadConfig, type RuntimeConfig } from './api/config'
import { ErrorBoundary } from './components/ErrorBoundary'
import { IdentityDialog } from './components/IdentityDialog'
import { PlanList, ReviewSiteHome } from './components/PlanList'
import { PlanPage } from './components/PlanPage'
import { SnapshotPage } from './components/SnapshotPage'
import { Avatar } from './components/ui'
import { loadIdentity, type Identity } from './identity'
import { navigate, useRoute, type Route } from './router'
import { setThemeChoice, useTheme, type ThemeChoice } from './theme'

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' }
const THEME_ICON: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' }

const routeKey = (r: Route) => (r.kind === 'plan' ? `plan:${r.planId}` : r.kind === 'snapshot' ? `snap:${r.data}` : r.kind)

export const App = () => {
  const route = useRoute()
  const { theme, choice } = useTheme()
  const [config, setConfig] = useState<RuntimeConfig | null>(null)
  const [identity, setIdentity] = useState(loadIdentity)
  const [editingName, setEditingName] = useState(false)

  useEffect(() => {
    void loadConfig().then(setConfig)
  }, [])

  const me: Identity | null = identity.name ? { id: identity.id, name: identity.name, color: identity.color } : null

  return (
    <div className="app">
      <nav className="topbar">
        <a
          className="brand"
          href="/"
          onClick={e => {
            e.preventDefault()
            navigate('/')
          }}
        >
          <span className="brand-mark" aria-hidden />
          Roundtable
        </a>
        <div className="row gap-s">
          <button
            className="btn icon ghost"
            onClick={() => setThemeChoice(NEXT_THEME[choice])}
            title={`Theme: ${choice} (click to change)`}
            aria-label={`Theme: ${choice}`}
          >
            {THEME_ICON[choice]}
          </button>
          {me && (
            <button className="me-chip" onClick={() => setEditingName(true)} title="Change your name or colour" data-testid="me">
              <Avatar name={me.name} color={me.color} size={24} />
              <span className="me-name">{me.name}</span>
            </button>
          )}
        </div>
      </nav>
      <ErrorBoundary resetKey={routeKey(route)}>
        {route.kind === 'snapshot' ? (
          <SnapshotPage data={route.data} theme={theme} />
        ) : !config ? (
          <div className="plan-skeleton" aria-busy />
        ) : route.kind === 'list' ? (
          config.documents ? <PlanList config={config} /> : <ReviewSiteHome />
        ) : route.kind === 'plan' ? (
          me ? (
            <PlanPage key={route.planId} planId={route.planId} config={config} me={me} theme={theme} />
          ) : (
            <div className="plan-skeleton" aria-busy />
          )
        ) : (
          <main className="center-card">
            <h1>Nothing here</h1>
            <p className="muted">
              <code>{route.path}</code> is not a page of Roundtable.
            </p>
            <a className="btn" href="/">
              All plans
            </a>
          </main>
        )}
      </ErrorBoundary>
      <IdentityDialog
        key={`${identity.name}:${editingName}`}
        open={(route.kind === 'plan' && !me) || editingName}
        initialName={identity.name ?? ''}
        initialColor={identity.color}
        onSaved={saved => {
          setIdentity(saved)
          setEditingName(false)
        }}
        onClose={me ? () => setEditingName(false) : undefined}
      />
    </div>
  )
}
