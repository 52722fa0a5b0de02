// One typed client per service, each at its same-origin prefix (/api/<service>), which
// the gateway (or nginx, or the Vite dev server) forwards to the service.
import createClient, { type Client } from 'openapi-fetch'

import type { paths as ActivitiesPaths } from './generated/activities'
import type { paths as EvaluationPaths } from './generated/evaluation'
import type { paths as NotificationsPaths } from './generated/notifications'
import type { paths as RegistryPaths } from './generated/registry'
import { sessionFetch, type Session } from './http'

export { ApiError, unwrap } from './errors'

let session: Session = {
  accessToken: () => null,
  language: () => 'zh-CN',
  refresh: async () => false,
}

/** Tell the clients where the tokens and the language are (the auth store does, once). */
export function useSession(current: Session): void {
  session = current
}

// Indirection so that the clients, made once, always ask the current session.
const fetchThroughSession = sessionFetch({
  accessToken: () => session.accessToken(),
  language: () => session.language(),
  refresh: () => session.refresh(),
})

function serviceClient<Paths extends object>(service: string): Client<Paths> {
  // Absolute, on this page's origin: a Request made outside a page (a test) needs a host.
  const origin = globalThis.location?.origin ?? 'http://localhost'
  return createClient<Paths>({ baseUrl: `${origin}/api/${service}`, fetch: fetchThroughSession })
}

export const registry = serviceClient<RegistryPaths>('registry')
export const activities = serviceClient<ActivitiesPaths>('activities')
export const evaluation = serviceClient<EvaluationPaths>('evaluation')
export const notifications = serviceClient<NotificationsPaths>('notifications')
