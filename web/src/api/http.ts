// The one fetch every service client goes through: it adds the bearer token and the
// language, and when an access token has expired under the user it refreshes once and
// sends the request again, so nobody is thrown back to the login screen mid-task.

export interface Session {
  /** The access token to send, or null when nobody is logged in. */
  accessToken(): string | null
  /** The language the services should answer in (an Accept-Language value). */
  language(): string
  /**
   * Get a new access token with the refresh token. True when one was got; false when
   * the session is over (the refresh token was refused), and the user must log in again.
   */
  refresh(): Promise<boolean>
}

// Answers of these paths are about tokens themselves: a 401 there is the answer.
const TOKEN_PATHS = ['/auth/login', '/auth/refresh', '/auth/logout']

function isTokenPath(request: Request): boolean {
  const path = new URL(request.url, 'http://localhost').pathname
  return TOKEN_PATHS.some((suffix) => path.endsWith(suffix))
}

function withHeaders(request: Request, session: Session): Request {
  const sent = new Request(request)
  sent.headers.set('Accept-Language', session.language())
  const token = session.accessToken()
  if (token && !isTokenPath(request)) sent.headers.set('Authorization', `Bearer ${token}`)
  return sent
}

export function sessionFetch(
  session: Session,
  send: (request: Request) => Promise<Response> = (request) => globalThis.fetch(request),
): (request: Request) => Promise<Response> {
  return async (request: Request) => {
    // A request's body is read once; keep a copy for the second attempt.
    const retry = request.clone()
    const response = await send(withHeaders(request, session))
    if (response.status !== 401 || isTokenPath(request) || session.accessToken() === null) {
      return response
    }
    if (!(await session.refresh())) return response
    return send(withHeaders(retry, session))
  }
}
