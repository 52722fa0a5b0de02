// Every refusal of the services is `{code, detail}`; a validation error's detail is a list
// of `{loc, msg, type}`. The screens only ever see an ApiError, whatever came back.

export interface FieldError {
  loc: (string | number)[]
  msg: string
  type: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  /** The text to show, already in the caller's language (the service chose it). */
  readonly detail: string
  readonly fieldErrors: FieldError[]

  constructor(status: number, code: string, detail: string, fieldErrors: FieldError[] = []) {
    super(detail)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
    this.fieldErrors = fieldErrors
  }
}

/** Codes of refusals the app makes up itself, when no answer (or no readable one) came. */
export const NETWORK_ERROR = 'network_error'
export const UNREADABLE_ANSWER = 'unreadable_answer'

function isFieldError(value: unknown): value is FieldError {
  return (
    typeof value === 'object' &&
    value !== null &&
    'msg' in value &&
    typeof (value as { msg: unknown }).msg === 'string'
  )
}

/** The ApiError for an answer's status and parsed body (undefined when it had none). */
export function toApiError(status: number, body: unknown, fallbackDetail: string): ApiError {
  if (typeof body === 'object' && body !== null && 'code' in body) {
    const { code, detail } = body as { code: unknown; detail: unknown }
    const codeText = typeof code === 'string' ? code : UNREADABLE_ANSWER
    if (typeof detail === 'string') return new ApiError(status, codeText, detail)
    if (Array.isArray(detail)) {
      const fieldErrors = detail.filter(isFieldError)
      const text = fieldErrors.map((error) => error.msg).join('; ') || fallbackDetail
      return new ApiError(status, codeText, text, fieldErrors)
    }
  }
  return new ApiError(status, UNREADABLE_ANSWER, fallbackDetail)
}

interface FetchResult<T> {
  data?: T
  error?: unknown
  response: Response
}

/**
 * The data of an openapi-fetch result, or its refusal thrown as an ApiError.
 * `fallbackDetail` is said when the body tells nothing (a proxy's bare 502, say).
 */
export function unwrap<T>(result: FetchResult<T>, fallbackDetail: string): T {
  const { data, error, response } = result
  if (!response.ok || error !== undefined) {
    throw toApiError(response.status, error, fallbackDetail)
  }
  return data as T
}
