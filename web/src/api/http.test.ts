import { describe, expect, it } from 'vitest'

import { sessionFetch, type Session } from './http'

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

/** A session whose access token is `token` until a refresh gives `renewed`. */
function fakeSession(token: string | null, renewed: string | null) {
  const state = { token, refreshes: 0 }
  const session: Session = {
    accessToken: () => state.token,
    language: () => 'en',
    refresh: async () => {
      state.refreshes += 1
      if (renewed === null) return false
      state.token = renewed
      return true
    },
  }
  return { session, state }
}

/** A server that accepts only `valid` as the bearer token, and records what it saw. */
function server(valid: string) {
  const seen: { authorization: string | null; language: string | null; body: string }[] = []
  const send = async (request: Request): Promise<Response> => {
    seen.push({
      authorization: request.headers.get('Authorization'),
      language: request.headers.get('Accept-Language'),
      body: await request.text(),
    })
    return request.headers.get('Authorization') === `Bearer ${valid}`
      ? json(200, { ok: true })
      : json(401, { code: 'token_expired', detail: 'log in again' })
  }
  return { send, seen }
}

describe('sessionFetch', () => {
  it('sends the bearer token and the language', async () => {
    const { session } = fakeSession('good', null)
    const api = server('good')
    const response = await sessionFetch(session, api.send)(new Request('http://x/api/registry/me'))
    expect(response.status).toBe(200)
    expect(api.seen).toEqual([{ authorization: 'Bearer good', language: 'en', body: '' }])
  })

  it('refreshes once on a 401 and sends the request again, body and all', async () => {
    const { session, state } = fakeSession('stale', 'fresh')
    const api = server('fresh')
    const request = new Request('http://x/api/registry/volunteers/v1', {
      method: 'PATCH',
      body: '{"phone":"123"}',
    })
    const response = await sessionFetch(session, api.send)(request)
    expect(response.status).toBe(200)
    expect(state.refreshes).toBe(1)
    expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(api.seen[1]?.body).toBe('{"phone":"123"}')
  })

  it('gives the 401 back when the refresh is refused, without trying again', async () => {
    const { session, state } = fakeSession('stale', null)
    const api = server('fresh')
    const response = await sessionFetch(session, api.send)(new Request('http://x/api/registry/me'))
    expect(response.status).toBe(401)
    expect(state.refreshes).toBe(1)
    expect(api.seen).toHaveLength(1)
  })

  it('never refreshes for the token endpoints themselves', async () => {
    const { session, state } = fakeSession('stale', 'fresh')
    const api = server('fresh')
    const login = new Request('http://x/api/registry/auth/login', { method: 'POST', body: '{}' })
    const response = await sessionFetch(session, api.send)(login)
    expect(response.status).toBe(401)
    expect(state.refreshes).toBe(0)
    expect(api.seen[0]?.authorization).toBeNull()
  })

  it('does not refresh when nobody is logged in', async () => {
    const { session, state } = fakeSession(null, 'fresh')
    const api = server('fresh')
    const response = await sessionFetch(session, api.send)(new Request('http://x/api/registry/me'))
    expect(response.status).toBe(401)
    expect(state.refreshes).toBe(0)
  })
})
