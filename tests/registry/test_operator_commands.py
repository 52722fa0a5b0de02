"""The registry's operator commands: bootstrap the first admin, rotate the national ID key."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlmodel import select

from registry.identity import NationalIdVault
from registry.models import Volunteer
from shared.auth import generate_keypair
from shared.db import Database
from tests.registry.conftest import national_id


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_first_district_admin_is_bootstrapped_and_can_log_in(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        "LINLI_ADMIN_PASSWORD": "a long passphrase",
    }
    created = run_cli("bootstrap-admin", "--username", "district", env=env)
    assert created.returncode == 0, created.stderr
    assert "district admin district created" in created.stdout
    again = run_cli("bootstrap-admin", "--username", "district", env=env)
    assert again.returncode == 1
    assert "taken" in again.stderr

    private_pem, public_pem = generate_keypair()
    (tmp_path / "private.pem").write_text(private_pem)

    async def login() -> int:
        import httpx

        from registry.app import create_app
        from registry.settings import Settings

        settings = Settings(
            database_url=env["DATABASE_URL"],
            jwt_public_key=public_pem,
            jwt_private_key_file=tmp_path / "private.pem",
            redis_url="redis://127.0.0.1:1/0",  # not needed to log in
        )
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
            response = await client.post(
                "/auth/login", json={"username": "district", "password": "a long passphrase"}
            )
            me = await client.get(
                "/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
            )
            assert me.json()["role"] == "district_admin"
            return response.status_code

    assert asyncio.run(login()) == 200


def test_rotating_the_key_re_encrypts_every_national_id(tmp_path: Path) -> None:
    old_key, new_key, hash_key = (Fernet.generate_key().decode() for _ in range(3))
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    number = national_id(42)

    async def seed() -> str:
        from registry.app import DEFINITION
        from shared.migrations import upgrade_to_head

        await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, url)
        db = Database(url)
        async with db.session() as session:
            from datetime import UTC, datetime

            from registry.models import Category, Community, VolunteerStatus

            session.add(Community(id="c1", name="兴华社区", created_at=datetime.now(UTC)))
            cipher = NationalIdVault([old_key], hash_key).encrypt(number)
            session.add(
                Volunteer(
                    id="v1",
                    community_id="c1",
                    status=VolunteerStatus.REGISTERED,
                    name="张三",
                    category=Category.RESIDENT,
                    national_id_cipher=cipher,
                    applied_at=datetime.now(UTC),
                    updated_at=datetime.now(UTC),
                )
            )
            await session.commit()
        await db.dispose()
        return cipher

    async def stored() -> str:
        db = Database(url)
        async with db.session() as session:
            volunteer = (await session.exec(select(Volunteer))).one()
        await db.dispose()
        assert volunteer.national_id_cipher is not None
        return volunteer.national_id_cipher

    before = asyncio.run(seed())
    rotated = run_cli(
        "rotate-national-id-key",
        env={
            "DATABASE_URL": url,
            "NATIONAL_ID_KEYS": f"{new_key},{old_key}",
            "NATIONAL_ID_HASH_KEY": hash_key,
        },
    )
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 1" in rotated.stdout
    after = asyncio.run(stored())
    assert after != before
    # Readable with the new key alone: the old key can now be retired.
    assert NationalIdVault([new_key], hash_key).decrypt(after) == number
