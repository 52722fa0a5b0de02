"""Errors a service's rules raise, and how HTTP answers them.

Rules raise these with a message a person can act on; the handlers installed by the
service factory turn them into `{"detail": message}` with the right status, so routes
stay free of try/except.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import database_unavailable


class DomainError(Exception):
    """A request the rules refuse; `status_code` says how HTTP answers it."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    status_code = status.HTTP_404_NOT_FOUND


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a wrong lifecycle step)."""

    status_code = status.HTTP_409_CONFLICT


class Unprocessable(DomainError):
    """The request is well-formed but its content is not acceptable."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT


class TooManyRequests(DomainError):
    """Slow down; `retry_after` seconds until trying again makes sense."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ErrorBody(BaseModel):
    """How every refusal is answered: a message a person can act on."""

    detail: str


class InvalidField(BaseModel):
    """One field a request got wrong (the input itself is never echoed)."""

    loc: list[str | int]
    msg: str
    type: str


class UnprocessableBody(BaseModel):
    """A 422: the fields that failed validation, or a rule's message."""

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


UNREADABLE_BODY = (
    "the request body cannot be read: send JSON in UTF-8, or the form the operation documents"
)


def install_error_handlers(app: FastAPI) -> None:
    """Answer DomainErrors with their status, validation errors without echoing input, and
    a database that does not answer with 503 and Retry-After."""

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(TimeoutError)
    async def database_not_answering(_request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            raise exc  # a fault of the request's own: the server error it is
        return JSONResponse(
            {"detail": "the database is not answering; try again in a moment"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers a body it cannot decode (not UTF-8, a broken form) with a
        # 400 no operation documents; no route of ours raises a 400, so every 400 is
        # that one, and it is invalid input like any other: a 422.
        if exc.status_code == status.HTTP_400_BAD_REQUEST:
            return JSONResponse(
                {"detail": UNREADABLE_BODY}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI echoes the rejected input by default; it may be a national ID number.
        errors: list[dict[str, Any]] = [
            {key: value for key, value in error.items() if key not in {"input", "ctx", "url"}}
            for error in exc.errors()
        ]
        return JSONResponse(
            {"detail": jsonable_encoder(errors)},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
