import { describe, expect, it } from 'vitest'
import { nextTick, reactive } from 'vue'
import { ApiError } from '../api/client'
import { useSubmit } from './useSubmit'

const invalidForm = () =>
  new ApiError(422, {
    type: '/problems/validation_failed',
    status: 422,
    errors: [
      { field: 'device', code: 'required' },
      { field: 'units', code: 'out_of_range' },
    ],
  })

describe('useSubmit', () => {
  it('is busy while the submit runs and answers what it answered', async () => {
    const s = useSubmit()
    let release: (v: string) => void = () => {}
    const p = s.run(() => new Promise<string>((r) => (release = r)))
    expect(s.busy.value).toBe(true)
    expect(await s.run(async () => 'second')).toBeUndefined()
    release('done')
    expect(await p).toBe('done')
    expect(s.busy.value).toBe(false)
    expect(s.error.value).toBeNull()
  })

  it('keeps the error of a failed submit and names each bad field', async () => {
    const s = useSubmit()
    expect(await s.run(() => Promise.reject(invalidForm()))).toBeUndefined()
    expect(s.busy.value).toBe(false)
    expect(s.errorsFor('device')).toEqual(['required'])
    expect(s.invalid('units')).toBe(true)
    expect(s.invalid('kind')).toBe(false)
  })

  it('clears a field error as that field is changed, and the summary once all are fixed', async () => {
    const s = useSubmit()
    const form = reactive({ device: '', units: '20' })
    s.clearOnChange(() => form)
    await s.run(() => Promise.reject(invalidForm()))
    form.device = 'PC-1'
    await nextTick()
    expect(s.invalid('device')).toBe(false)
    expect(s.invalid('units')).toBe(true)
    expect((s.error.value as ApiError).problem.errors).toEqual([{ field: 'units', code: 'out_of_range' }])
    form.units = '2'
    await nextTick()
    expect(s.error.value).toBeNull()
  })

  it('treats the keys of a nested object as fields, and a changed list as a change', async () => {
    const s = useSubmit()
    const form = reactive({ levels: { confidentiality: '', integrity: '1' } as Record<string, string>, handling: [] as string[] })
    s.clearOnChange(() => form)
    await s.run(() =>
      Promise.reject(
        new ApiError(422, {
          type: '/problems/validation_failed',
          errors: [
            { field: 'confidentiality', code: 'required' },
            { field: 'integrity', code: 'out_of_range' },
            { field: 'handling', code: 'too_long' },
          ],
        }),
      ),
    )
    form.levels.confidentiality = '2'
    await nextTick()
    expect(s.invalid('confidentiality')).toBe(false)
    expect(s.invalid('integrity')).toBe(true)
    form.handling.push('持出禁止')
    await nextTick()
    expect(s.invalid('handling')).toBe(false)
  })

  it('keeps an error that names no field until the next submit', async () => {
    const s = useSubmit()
    await s.run(() => Promise.reject(new ApiError(409, { type: '/problems/conflict', status: 409 })))
    s.fieldChanged('device')
    expect((s.error.value as ApiError).code).toBe('conflict')
    await s.run(async () => 1)
    expect(s.error.value).toBeNull()
  })

  it('reads field names under a prefix (a transition form names "fields.x")', async () => {
    const s = useSubmit({ prefix: 'fields.' })
    await s.run(() => Promise.reject(new ApiError(422, { type: '/problems/validation_failed', errors: [{ field: 'fields.due_on', code: 'required' }] })))
    expect(s.errorsFor('due_on')).toEqual(['required'])
    s.fieldChanged('due_on')
    expect(s.error.value).toBeNull()
  })
})
