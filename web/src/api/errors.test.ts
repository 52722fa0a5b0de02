import { describe, expect, it } from 'vitest'

import { ApiError, toApiError, unwrap, UNREADABLE_ANSWER } from './errors'

describe('toApiError', () => {
  it('keeps the code and the detail of a refusal', () => {
    const error = toApiError(404, { code: 'volunteer_not_found', detail: '未找到该志愿者' }, 'x')
    expect(error).toBeInstanceOf(ApiError)
    expect([error.status, error.code, error.detail]).toEqual([404, 'volunteer_not_found', '未找到该志愿者'])
  })

  it('says the messages of a validation error and keeps its fields', () => {
    const body = {
      code: 'invalid_input',
      detail: [
        { loc: ['body', 'username'], msg: '必填', type: 'missing' },
        { loc: ['body', 'password'], msg: '太短', type: 'string_too_short' },
      ],
    }
    const error = toApiError(422, body, 'x')
    expect(error.code).toBe('invalid_input')
    expect(error.detail).toBe('必填; 太短')
    expect(error.fieldErrors.map((field) => field.loc[1])).toEqual(['username', 'password'])
  })

  it('falls back to the given text when the body says nothing readable', () => {
    for (const body of [undefined, 'Bad Gateway', { message: 'nginx' }, { code: 3 }]) {
      const error = toApiError(502, body, '服务暂时没有回应')
      expect(error.status).toBe(502)
      expect(error.code).toBe(UNREADABLE_ANSWER)
      expect(error.detail).toBe('服务暂时没有回应')
    }
  })
})

describe('unwrap', () => {
  it('gives the data of a success', () => {
    expect(unwrap({ data: { id: 'v1' }, response: new Response(null, { status: 200 }) }, 'x')).toEqual({
      id: 'v1',
    })
  })

  it('throws the refusal of a failure', () => {
    const result = {
      error: { code: 'login_failed', detail: 'wrong username or password' },
      response: new Response(null, { status: 401 }),
    }
    expect(() => unwrap(result, 'x')).toThrowError(
      expect.objectContaining({ status: 401, code: 'login_failed', detail: 'wrong username or password' }),
    )
  })
})
