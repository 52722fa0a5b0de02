"""Crypto-shredding: personal data in events, sealed under a key that erasure destroys.

A stream entry cannot be changed once appended, and deleting or re-appending one
breaks what the kit guarantees (docs/decisions/0011-erasure-across-services.md). So
the one piece of personal data that travels in events (a volunteer's name, decision
0005) travels sealed, under a key of that person's own: Fernet (AES-128-CBC with an
HMAC-SHA256 tag), the key one field of a Redis hash beside the streams it unlocks.

Erasure deletes the field. From then on every copy of the sealed value, wherever it
went (stream entries, dead letters, outbox rows, consumers' tables, webhook bodies,
backups), opens to nothing, while the entries themselves stay as they were: same
ids, same order, same pending lists, and a rebuild from the streams still gives the
state the live consumers built, since both end with the name forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.errors import Unavailable
from shared.messages import Message

#: The hash of subject keys, under the deployment's stream namespace.
KEYS_HASH = "registry.subject-keys"


class KeyStoreUnavailable(Unavailable):
    """Redis, which holds the keys, did not answer: nothing was sealed, opened or shredded."""


KEY_STORE_UNAVAILABLE = Message(
    "key_store_unavailable",
    "密钥库（Redis）暂时无法响应，本次未做任何更改，请稍后再试（{fault}）",
    "the key store (Redis) is not answering, so nothing was changed; try again in a moment ({fault})",
)


def _unavailable(exc: RedisError) -> KeyStoreUnavailable:
    return KeyStoreUnavailable(KEY_STORE_UNAVAILABLE, fault=type(exc).__name__)


class SubjectKeys:
    """The per-subject keys: made on first seal, read to open, deleted to shred."""

    def __init__(self, redis: Redis, namespace: str = "") -> None:
        self.redis = redis
        self.hash = namespace + KEYS_HASH

    async def seal(self, values: Mapping[str, str]) -> dict[str, str]:
        """Each subject's value sealed under its key (made if it has none), by subject.

        A subject shredded meanwhile has no key and is left out: nothing of it is sealed.
        """
        if not values:
            return {}
        subjects = list(values)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for subject in subjects:
                    # HSETNX: a subject keeps its first key; concurrent sealers agree.
                    pipe.hsetnx(self.hash, subject, Fernet.generate_key())
                pipe.hmget(self.hash, subjects)
                *_, keys = await pipe.execute()
        except RedisError as exc:
            raise _unavailable(exc) from exc
        return {
            subject: Fernet(key).encrypt(values[subject].encode()).decode()
            for subject, key in zip(subjects, keys, strict=True)
            if key is not None
        }

    async def open(self, sealed: Mapping[str, str]) -> dict[str, str]:
        """The values that still open, by subject; a shredded subject is left out."""
        if not sealed:
            return {}
        subjects = list(sealed)
        try:
            keys = await self.redis.hmget(self.hash, subjects)
        except RedisError as exc:
            raise _unavailable(exc) from exc
        opened: dict[str, str] = {}
        for subject, key in zip(subjects, keys, strict=True):
            if key is None:
                continue
            try:
                opened[subject] = Fernet(key).decrypt(sealed[subject].encode()).decode()
            except InvalidToken:
                continue  # sealed under a key that was shredded and made anew
        return opened

    async def shred(self, subject: str) -> None:
        """Destroy the subject's key: whatever was sealed under it can never be opened."""
        try:
            await self.redis.hdel(self.hash, subject)
        except RedisError as exc:
            raise _unavailable(exc) from exc
