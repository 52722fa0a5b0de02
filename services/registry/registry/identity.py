"""Keeping national ID numbers: encrypted at rest, found by a keyed hash.

Encryption uses Fernet keys (AES-128-CBC with HMAC-SHA256) through MultiFernet: the
first key encrypts, every listed key decrypts, so a key is rotated by putting a new
one first and re-encrypting (`python -m registry.cli rotate-national-id-key`). The
lookup hash is HMAC-SHA256 under its own key, so the database alone cannot be searched
by guessing numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet


class NationalIdVault:
    """Encrypts, decrypts and hashes national ID numbers."""

    def __init__(self, encryption_keys: list[str], hash_key: str) -> None:
        if not encryption_keys or not hash_key:
            raise ValueError("national ID encryption and hash keys are not configured")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in encryption_keys])
        self._hash_key = hash_key.encode()

    def encrypt(self, number: str) -> str:
        """The number encrypted with the current key."""
        return self._fernet.encrypt(number.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The number from a ciphertext made with any configured key."""
        return self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """The ciphertext re-encrypted under the current key."""
        return self._fernet.rotate(token.encode()).decode()

    def lookup_hash(self, number: str) -> str:
        """The keyed hash that finds a person's record without decrypting anything."""
        return hmac.new(self._hash_key, number.encode(), hashlib.sha256).hexdigest()


def generate_keys(directory: Path, *, if_missing: bool = True) -> tuple[Path, Path]:
    """Write a Fernet key file and a hash key file (mode 0600) for the embedded default."""
    keys_path = directory / "national-id.keys"
    hash_path = directory / "national-id-hash.key"
    if if_missing and keys_path.exists() and hash_path.exists():
        return keys_path, hash_path
    directory.mkdir(parents=True, exist_ok=True)
    for path, value in (
        (keys_path, Fernet.generate_key().decode()),
        (hash_path, Fernet.generate_key().decode()),
    ):
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(value + "\n")
    return keys_path, hash_path
