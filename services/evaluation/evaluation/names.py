"""Volunteers' names where they are printed, opened from their seal at that moment.

Evaluation keeps the name as it travelled: sealed under the volunteer's own key
(shared.events.shredding), which the registry shreds on erasure. Opening it only when
a certificate or the honour roll prints it means no plain copy waits here to be
forgotten, and a rebuild from the streams stores exactly what the live consumer did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request

from evaluation.models import KnownVolunteer
from shared.events.shredding import SubjectKeys


async def get_subject_keys(request: Request) -> SubjectKeys:
    """The key store beside this deployment's streams."""
    runtime = request.app.state.runtime
    return SubjectKeys(runtime.redis, runtime.settings.stream_namespace)


SubjectKeysDep = Annotated[SubjectKeys, Depends(get_subject_keys)]


async def names_of(keys: SubjectKeys, volunteers: Iterable[KnownVolunteer]) -> dict[str, str]:
    """The printable name of each volunteer who still has one, by volunteer id."""
    chosen = [v for v in volunteers if v.status != "erased"]
    # A name in plain came in an event published before names were sealed.
    plain = {v.id: v.display_name for v in chosen if v.display_name is not None}
    sealed = {
        v.id: v.sealed_name for v in chosen if v.sealed_name is not None and v.id not in plain
    }
    return plain | await keys.open(sealed)
