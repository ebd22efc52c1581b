import { Component, type ErrorInfo, type ReactNode } from 'react'

type Props = { children: ReactNode; resetKey?: string }
type State = { error: Error | null; lastKey?: string }

/** Errors never leave a blank page: a message, a retry and a reload. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, lastKey: this.props.resetKey }

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error }
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    // Navigating elsewhere clears the error.
    return props.resetKey !== state.lastKey ? { error: null, lastKey: props.resetKey } : null
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('roundtable: view crashed', error, info.componentStack)
  }

  override render() {
    const { error } = this.state
    if (!error) return this.props.children
    return (
      <div className="center-card" role="alert" data-testid="error-boundary">
        <h1>Something went wrong</h1>
        <p className="muted">This view hit an error it could not recover from. Your comments are saved as you write them.</p>
        <pre className="error-detail">{error.message}</pre>
        <div className="row gap">
          <button className="btn primary" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <button className="btn" onClick={() => window.location.reload()}>
            Reload page
          </button>
        </div>
      </div>
    )
  }
}
