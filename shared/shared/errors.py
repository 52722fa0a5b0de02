"""Errors a service's rules raise, and how HTTP answers them.

Rules raise these with a `Message` (shared.messages): a stable code and a text a person
can act on. The handlers installed by the service factory answer them as
`{"code": ..., "detail": text}` in the caller's language with the right status, so
routes stay free of try/except; FastAPI's own refusals (validation, unknown routes) are
answered the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import messages
from shared.db import database_unavailable
from shared.messages import Language, Message, negotiate


class DomainError(Exception):
    """A request the rules refuse; `status_code` says how HTTP answers it.

    `message` is what the person is told (in their language, when answered) and its
    code; `params` fill the message's text.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    headers: dict[str, str] | None = None

    def __init__(self, message: Message, **params: Any) -> None:
        super().__init__(message.render(Language.EN, params))  # for logs and tracebacks
        self.message = message
        self.params = params

    @property
    def code(self) -> str:
        """The stable machine code of the refusal."""
        return self.message.code


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    status_code = status.HTTP_404_NOT_FOUND


class Unauthorized(DomainError):
    """No valid access token: log in (again)."""

    status_code = status.HTTP_401_UNAUTHORIZED

    def __init__(self, message: Message, *, error: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.headers = {
            "WWW-Authenticate": f'Bearer error="{error}"' if error else "Bearer",
        }


class Forbidden(DomainError):
    """The caller is known, but their role (or relation to the thing) may not do this."""

    status_code = status.HTTP_403_FORBIDDEN


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a wrong lifecycle step)."""

    status_code = status.HTTP_409_CONFLICT


class Unprocessable(DomainError):
    """The request is well-formed but its content is not acceptable."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT


class TooManyRequests(DomainError):
    """Slow down; `retry_after` seconds until trying again makes sense."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: Message, retry_after: int, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class Unavailable(DomainError):
    """Something the service needs is not there (a key not configured, a peer down)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


def language_of(request: Request) -> Language:
    """The language to answer this request in (see `shared.messages.negotiate`)."""
    principal = getattr(request.state, "principal", None)
    return negotiate(request.headers.get("accept-language"), getattr(principal, "language", None))


def error_response(
    request: Request,
    status_code: int,
    message: Message,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The answer to a refused request: its code and its text in the caller's language."""
    language = language_of(request)
    return JSONResponse(
        {"code": message.code, "detail": message.render(language, params)},
        status_code=status_code,
        # The text depends on Accept-Language: a cache must not hand it to another reader.
        headers={"Content-Language": language.value, "Vary": "Accept-Language", **(headers or {})},
    )


class ErrorBody(BaseModel):
    """How every refusal is answered: a stable code, and a message a person can act on
    in their language (`Accept-Language`, else the account's, else Chinese)."""

    code: str = Field(description="stable machine code; never changes for the same refusal")
    detail: str = Field(description="what to do about it, in the caller's language")


class InvalidField(BaseModel):
    """One field a request got wrong (the input itself is never echoed)."""

    loc: list[str | int]
    msg: str = Field(description="what is wrong with it, in the caller's language")
    type: str = Field(description="stable machine code of what is wrong")


class UnprocessableBody(BaseModel):
    """A 422: the fields that failed validation, or a rule's message."""

    code: str = Field(description="`invalid_input` for fields, else the rule's code")
    detail: str | list[InvalidField] = Field(
        description="the invalid fields, or a message when a rule refuses the content"
    )


def _error(description: str, model: type[BaseModel] = ErrorBody) -> dict[str, Any]:
    return {"model": model, "description": description}


# Documented on every operation, so that clients (and schemathesis) know every answer
# a request may get: the auth check, the tenant scoping and the rules run everywhere.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: _error("no valid access token"),
    status.HTTP_403_FORBIDDEN: _error("the caller's role may not do this"),
    status.HTTP_404_NOT_FOUND: _error("not found, or in a community the caller may not see"),
    status.HTTP_409_CONFLICT: _error("clashes with the current state"),
    status.HTTP_413_CONTENT_TOO_LARGE: _error("the request body is too large"),
    status.HTTP_422_UNPROCESSABLE_CONTENT: _error("invalid input", UnprocessableBody),
    status.HTTP_429_TOO_MANY_REQUESTS: _error("too many attempts; see Retry-After"),
    status.HTTP_503_SERVICE_UNAVAILABLE: _error("the database is not answering; see Retry-After"),
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer DomainErrors with their status and code, validation errors without echoing
    input, and a database that does not answer with 503 and Retry-After; every text in
    the caller's language."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return error_response(request, exc.status_code, exc.message, exc.params, exc.headers)

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(TimeoutError)
    async def database_not_answering(request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            raise exc  # a fault of the request's own: the server error it is
        return error_response(
            request,
            status.HTTP_503_SERVICE_UNAVAILABLE,
            messages.DATABASE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Only the framework raises these (our routes raise DomainErrors): a path no route
        # has, a method the path does not take, and a body it cannot decode (not UTF-8, a
        # broken form), a 400 no operation documents and invalid input like any other: 422.
        if exc.status_code == status.HTTP_400_BAD_REQUEST:
            return error_response(
                request, status.HTTP_422_UNPROCESSABLE_CONTENT, messages.UNREADABLE_BODY
            )
        if exc.status_code == status.HTTP_413_CONTENT_TOO_LARGE and isinstance(exc.detail, dict):
            # shared.http.RequestTooLarge: the body passed the limit while a route read it.
            return error_response(request, exc.status_code, messages.BODY_TOO_LARGE, exc.detail)
        framework = {
            status.HTTP_404_NOT_FOUND: messages.ROUTE_NOT_FOUND,
            status.HTTP_405_METHOD_NOT_ALLOWED: messages.METHOD_NOT_ALLOWED,
        }.get(exc.status_code)
        if framework is not None:  # our routes raise DomainErrors, never HTTPException
            return error_response(request, exc.status_code, framework, headers=exc.headers)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI echoes the rejected input by default; it may be a national ID number.
        language = language_of(request)
        errors = [_invalid_field(error, language) for error in exc.errors()]
        return JSONResponse(
            {"code": messages.INVALID_INPUT.code, "detail": jsonable_encoder(errors)},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            headers={"Content-Language": language.value, "Vary": "Accept-Language"},
        )


def _invalid_field(error: Mapping[str, Any], language: Language) -> dict[str, Any]:
    """One failed field, told in `language`: our own message when a validator raised one
    by its code, else the text for pydantic's error type, else pydantic's own."""
    kind = str(error.get("type", ""))
    message = messages.message_of(kind) or messages.FIELD_MESSAGES.get(kind)
    text = str(error.get("msg", ""))
    if message is not None:
        context = {key: _readable(value) for key, value in (error.get("ctx") or {}).items()}
        try:
            text = message.render(language, context)
        except (KeyError, IndexError):  # pydantic gave no value for a parameter
            text = message.render(language) if "{" not in message.zh else text
    return {"loc": list(error.get("loc", ())), "msg": text, "type": kind}


def _readable(value: Any) -> Any:
    # pydantic quotes an enum's choices as "'a', 'b' or 'c'"; that reads well in both.
    return value if isinstance(value, (int, float, str)) else str(value)
