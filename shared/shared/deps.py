"""FastAPI dependencies shared by the services' routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A database session for one request."""
    async with request.app.state.runtime.db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
