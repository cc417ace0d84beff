// Busy and error state of a form's submit, shared by every form: `run` marks the form busy, clears
// the last error and keeps the new one; the server's field errors (422 validation_failed, naming
// each bad field) are offered per input, and an input's errors clear as soon as it is changed —
// once every named field is fixed, the summary goes too. Nothing here knows a form's fields.
import { computed, ref, watch, type WatchSource } from 'vue'
import { ApiError } from '../api/client'

export interface SubmitOptions {
  /** A prefix the server may put before this form's field names ("fields." for a request's form);
   *  errors are matched with and without it. */
  prefix?: string
}

export function useSubmit(opts: SubmitOptions = {}) {
  const prefix = opts.prefix ?? ''
  const busy = ref(false)
  const raw = ref<unknown>(null)
  const fixed = ref(new Set<string>())

  /** The error as it should be shown: field errors of inputs changed since are left out. */
  const error = computed<unknown>(() => {
    const e = raw.value
    if (!(e instanceof ApiError) || fixed.value.size === 0) return e
    const errors = (e.problem.errors ?? []).filter((x) => !fixed.value.has(x.field))
    if (errors.length === 0 && e.code === 'validation_failed') return null
    return new ApiError(e.status, { ...e.problem, errors })
  })

  /** The codes the server gave for one input ([] when none, or once it was changed). */
  function errorsFor(field: string): string[] {
    const e = error.value
    if (!(e instanceof ApiError)) return []
    const name = prefix + field
    return (e.problem.errors ?? []).filter((x) => x.field === name || x.field === field).map((x) => x.code)
  }

  function invalid(field: string): boolean {
    return errorsFor(field).length > 0
  }

  /** An input was changed: its errors are no longer shown. */
  function fieldChanged(field: string): void {
    if (fixed.value.has(field)) return
    const next = new Set(fixed.value)
    next.add(field)
    next.add(prefix + field)
    fixed.value = next
  }

  function setError(e: unknown): void {
    raw.value = e
    fixed.value = new Set()
  }

  function reset(): void {
    setError(null)
  }

  /**
   * Runs a submit: busy while it lasts (a second call meanwhile is ignored), the error kept on
   * failure. Answers what `fn` answered, or undefined when it failed.
   */
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (busy.value) return undefined
    busy.value = true
    setError(null)
    try {
      return await fn()
    } catch (e) {
      setError(e)
      return undefined
    } finally {
      busy.value = false
    }
  }

  /**
   * Clears a field's errors whenever its value changes (values: the form's reactive object). A
   * nested object's keys are fields of their own (an asset's levels: confidentiality, …).
   */
  function clearOnChange(values: WatchSource<Record<string, unknown>>): void {
    let last: Record<string, string> = {}
    watch(
      values,
      (now) => {
        const next: Record<string, string> = {}
        for (const [k, v] of Object.entries(now)) {
          if (v && typeof v === 'object' && !Array.isArray(v)) for (const [sk, sv] of Object.entries(v)) next[sk] = JSON.stringify(sv) ?? ''
          else next[k] = JSON.stringify(v) ?? ''
        }
        for (const k of Object.keys(next)) if (next[k] !== last[k]) fieldChanged(k)
        last = next
      },
      { deep: true, immediate: true },
    )
  }

  return { busy, error, errorsFor, invalid, fieldChanged, setError, reset, run, clearOnChange }
}
