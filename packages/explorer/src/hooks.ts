// Loading chain data into a page: one async load per set of inputs, with its state.
import { useEffect, useState } from 'preact/hooks'

export type Loaded<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'missing' } | { state: 'failed'; message: string }

/** Runs `load` whenever `inputs` change; undefined from `load` means "not found". */
export function useLoad<T>(load: () => Promise<T | undefined>, inputs: unknown[]): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' })
  useEffect(() => {
    let current = true
    setLoaded({ state: 'loading' })
    load().then(
      (value) => current && setLoaded(value === undefined ? { state: 'missing' } : { state: 'ready', value }),
      (error: unknown) => current && setLoaded({ state: 'failed', message: error instanceof Error ? error.message : String(error) }),
    )
    return () => {
      current = false
    }
  }, inputs)
  return loaded
}
