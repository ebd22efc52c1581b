// A state object that changes by patches, in the shape React's
// useSyncExternalStore wants (a stable getter and subscribe).

type Listener = () => void

export class StateStore<T extends object> {
  private state: T
  private listeners = new Set<Listener>()

  constructor(initial: T) {
    this.state = initial
  }

  get = (): T => this.state

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /**
   * Applies `patch`. A patch that changes no field keeps the same object and
   * notifies nobody: the health checks patch every second, and each new
   * object would re-render every component that shows the state.
   */
  patch(patch: Partial<T>): void {
    const next = { ...this.state, ...patch }
    if ((Object.keys(patch) as (keyof T)[]).every(k => next[k] === this.state[k])) return
    this.state = next
    this.listeners.forEach(fn => fn())
  }

  /** Forgets every listener (the owner is gone). */
  close(): void {
    this.listeners.clear()
  }
}
