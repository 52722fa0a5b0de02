"""`linli-simulate`: play a district's half-year against a running Linli, then report."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from simulator.client import DEFAULT_URLS, SERVICES, ApiError, Caller, Platform
from simulator.report import gather, render
from simulator.scenario import District, Outcome, Scale
from simulator.webhooks import Receiver

app = typer.Typer(add_completion=False, help=__doc__)


def simulate(
    platform: Platform,
    admin: Caller,
    seed: int,
    scale: Scale,
    *,
    webhook: bool = True,
    console: Console | None = None,
) -> tuple[Outcome, Receiver | None]:
    """Play the scenario, showing progress on `console` when given."""
    receiver = Receiver() if webhook else None
    district = District(platform, admin, seed, scale, receiver)
    if console is None:
        return district.run(), receiver
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks = {name: progress.add_task(name, total=units) for name, units, _ in district.steps()}
        district.progress = lambda step, advance: progress.advance(tasks[step], advance)
        return district.run(), receiver


@app.command()
def main(
    seed: Annotated[int, typer.Option(help="the same seed plays the same district")] = 1,
    scale: Annotated[
        str, typer.Option(help="small (2 communities), community (1 of 1,510), district (20)")
    ] = "small",
    communities: Annotated[int | None, typer.Option(help="override the scale's")] = None,
    volunteers: Annotated[int | None, typer.Option(help="per community; override")] = None,
    backfill_days: Annotated[
        int | None,
        typer.Option(help="the activities service's backfill window, when not its default 90"),
    ] = None,
    username: Annotated[
        str, typer.Option(envvar="LINLI_ADMIN_USERNAME", help="a district admin")
    ] = "admin",
    password: Annotated[
        str | None, typer.Option(envvar="LINLI_ADMIN_PASSWORD", help="asked for when not given")
    ] = None,
    webhook: Annotated[bool, typer.Option(help="subscribe a local webhook receiver")] = True,
    report: Annotated[bool, typer.Option(help="print the district report at the end")] = True,
) -> None:
    """Drive the four services' HTTP APIs as a district's people would.

    Service URLs come from LINLI_REGISTRY_URL, LINLI_ACTIVITIES_URL, ... (default: the
    ports `make run` uses)."""
    console = Console()
    try:
        chosen = Scale.named(scale)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if communities is not None or volunteers is not None or backfill_days is not None:
        chosen = Scale(
            **{
                **chosen.__dict__,
                "communities": communities or chosen.communities,
                "volunteers": volunteers or chosen.volunteers,
                "backfill_days": backfill_days or chosen.backfill_days,
            }
        )
    urls = {
        name: os.environ.get(f"LINLI_{name.upper()}_URL", DEFAULT_URLS[name]) for name in SERVICES
    }
    platform = Platform(urls)
    down = [name for name, ok in platform.ready().items() if not ok]
    if down:
        console.print(f"[red]Not answering: {', '.join(down)}. Start the system with `make run`.")
        raise typer.Exit(1)
    secret = password or typer.prompt(f"password of district admin {username}", hide_input=True)
    try:
        admin = platform.login(username, secret)
    except ApiError as exc:
        console.print(f"[red]Cannot sign in as {username}: {exc.detail}")
        raise typer.Exit(1) from exc
    console.print(
        f"Simulating seed {seed}: {chosen.communities} communities x {chosen.volunteers} "
        f"volunteers ({chosen.applicants} applying online each)"
    )
    receiver = None
    try:
        outcome, receiver = simulate(
            platform, admin, seed, chosen, webhook=webhook, console=console
        )
        if report:
            render(gather(platform, admin, outcome, receiver), outcome, console)
        if outcome.webhook_id:
            # The receiver goes away with this process: stop deliveries to it.
            platform.post("notifications", f"/webhooks/{outcome.webhook_id}/disable", admin)
    except RuntimeError as exc:
        first_step = str(exc).startswith("district set up")
        if first_step and isinstance(exc.__cause__, ApiError) and exc.__cause__.status == 409:
            console.print(
                f"[red]{exc}\nSeed {seed} has already run against this system: pick another (--seed)."
            )
        else:
            console.print(f"[red]{exc}")
        raise typer.Exit(1) from exc
    finally:
        if receiver is not None:
            receiver.close()
        platform.close()


if __name__ == "__main__":
    app()
