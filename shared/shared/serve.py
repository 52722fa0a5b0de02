"""Run a service under uvicorn with its settings (`python -m <service>`)."""

from __future__ import annotations

import uvicorn

from shared.settings import ServiceSettings


def serve(factory_path: str, settings: ServiceSettings) -> None:
    """Serve the app built by `factory_path` (e.g. `registry.app:create_app`)."""
    uvicorn.run(
        factory_path,
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,  # the app configures JSON logging itself
        proxy_headers=True,
        timeout_graceful_shutdown=15,
    )
