"""`guestlist sandbox ...`: serve the local org, reset it, play an invitee or a person confirming a new email
address, list what the org mailed, set what no real API exposes (the invitation settings, the daily API
allowance, Experience Cloud sites)."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from reconciler.sandbox.store import SeedLanguage, SeedName, Store

sandbox_app = typer.Typer(
    name="sandbox",
    help="A local Salesforce org over HTTPS, backed by SQLite (simple-salesforce, jsforce and sf can use it).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT_DB = Path(".guestlist/sandbox.sqlite3")  # the sandbox modules load only when a command runs
DbOption = Annotated[Path, typer.Option("--db", help="The sandbox database (created and seeded when missing).")]
EmptyOption = Annotated[bool, typer.Option("--empty", help="Seed a bare org instead of the demo org.")]
LanguageOption = Annotated[str, typer.Option(
    "--language", help="The org's language: en, or de (German labels, time zone and locale).")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _existing(db: Path) -> Path:
    if not db.is_file():
        raise _fail(f"no sandbox database at {db} (run `guestlist sandbox serve` or `guestlist sandbox reset`)")
    return db


def _open(db: Path, seed: SeedName = "demo", language: SeedLanguage = "en") -> Store:
    """The store at `db` (created and seeded in `language` when missing); a clear error when it cannot be opened."""
    from reconciler.sandbox.errors import NotASandboxDatabase
    from reconciler.sandbox.store import Store

    try:
        return Store(db, seed="empty" if seed == "empty" else "demo", language=language)
    except NotASandboxDatabase as exc:
        raise _fail(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise _fail(f"{db} is not a sandbox database ({exc})") from None
    except OSError as exc:
        raise _fail(f"cannot open the sandbox database {db}: {exc.strerror or exc}") from None


@contextmanager
def _opened(db: Path, about: str | None = None) -> Iterator[Store]:
    """The existing store at `db`, closed afterwards. With `about`, an ApiError inside ends the command with one line,
    "error: <about><message> (<code>)"; without, it propagates."""
    from reconciler.sandbox.errors import ApiError

    store = _open(_existing(db))
    try:
        yield store
    except ApiError as exc:
        if about is None:
            raise
        raise _fail(f"{about}{exc.message} ({exc.code})") from None
    finally:
        store.close()


@sandbox_app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: a free one).")] = 0,
    empty: EmptyOption = False,
    latency_ms: Annotated[int, typer.Option("--latency-ms", min=0, help="Delay every request.")] = 0,
    fault: Annotated[list[str] | None, typer.Option(
        "--fault", help="Inject a fault, KIND[:key=value,...], e.g. 503:method=POST,path=/composite,nth=2 "
                        "(kinds: latency, 500, 503, drop-before-commit, drop-after-commit, lock-row, "
                        "limit-exceeded, concurrent-limit, expired-session; keys: method, path, nth, times, p, ms, "
                        "record).")] = None,
    fault_seed: Annotated[int, typer.Option("--fault-seed", help="Seed of the faults' random draws.")] = 0,
    soap_login: Annotated[bool, typer.Option(
        "--soap-login", help="Allow SOAP API login(), which new orgs have disabled (for older clients).")] = False,
    password_flow: Annotated[bool, typer.Option(
        "--password-flow", help="Allow the OAuth username-password flow, which new orgs block.")] = False,
) -> None:
    """Serve the sandbox org until interrupted. The first line on stdout is a JSON object with instance_url,
    access_token, ca_file and username. Like a new real org it refuses password logins unless allowed."""
    from reconciler.sandbox.auth import LoginPolicy
    from reconciler.sandbox.errors import NotASandboxDatabase
    from reconciler.sandbox.faults import FaultPlan, FaultSpecError
    from reconciler.sandbox.runner import start_sandbox

    try:
        plan = FaultPlan.from_specs(fault or [], seed=fault_seed, latency_ms=latency_ms)
    except FaultSpecError as exc:
        raise _fail(str(exc)) from None
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    try:
        sandbox = start_sandbox(db, port=port, seed="empty" if empty else "demo", faults=plan,
                                logins=LoginPolicy(soap_login=soap_login, password_flow=password_flow))
    except NotASandboxDatabase as exc:
        raise _fail(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise _fail(f"{db} is not a sandbox database ({exc})") from None
    except OSError as exc:
        raise _fail(f"cannot serve the sandbox on 127.0.0.1:{port} from {db}: {exc.strerror or exc}") from None
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        typer.echo(sandbox.info.to_json())
        sys.stdout.flush()
        typer.echo(f"sandbox org serving at {sandbox.info.instance_url} (Ctrl-C to stop)", err=True)
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
    typer.echo("sandbox org stopped", err=True)


@sandbox_app.command()
def reset(db: DbOption = DEFAULT_DB, empty: EmptyOption = False, language: LanguageOption = "en") -> None:
    """Replace the org's data with a fresh demo org (or a bare one with --empty), set up in English or German."""
    seed: SeedName = "empty" if empty else "demo"
    if language not in ("en", "de"):
        raise _fail(f"--language {language}: the sandbox sets up orgs in en (English) or de (German)")
    chosen: SeedLanguage = "de" if language == "de" else "en"
    existed = db.is_file()
    store = _open(db, seed, chosen)
    try:
        if existed:
            store.reset(seed, chosen)
    finally:
        store.close()
    typer.echo(f"{db}: {'a bare' if empty else 'the demo'} org" + (" (German)" if chosen == "de" else ""))


@sandbox_app.command()
def accept(
    email: Annotated[str, typer.Argument(help="The invited email address.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """The invitee accepts their pending invitation: a user is made and joins the inviting group."""
    from reconciler.sandbox.admin import accept_invitation

    with _opened(db, f"{email}: ") as store:
        user_id = accept_invitation(store, email)
        with store.session() as session:
            username = session.retrieve("User", user_id, ["Username"])["Username"]
    _print({"user_id": user_id, "username": username})


@sandbox_app.command("confirm-email")
def confirm_email(
    username: Annotated[str, typer.Argument(help="The user whose email change awaits confirmation.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """The person clicks the confirmation link: their pending new address becomes User.Email (a real org keeps the
    old address until then). Prints {"user_id", "username", "email"} as JSON."""
    from reconciler.sandbox.admin import confirm_email as confirm

    with _opened(db, f"{username}: ") as store:
        confirmed = confirm(store, username)
    _print(confirmed)


@sandbox_app.command()
def outbox(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print {\"mails\": [...]} as JSON.")] = False,
) -> None:
    """List everything the org mailed, oldest first: invitations, password-reset (welcome) mails, email-change
    confirmations (to the new address) and notices (to the old one), and what the standard actions sent:
    emailSimple mails and chatterPost posts (to the user's username)."""
    from reconciler.sandbox.admin import outbox as read_outbox

    with _opened(db) as store:
        mails = read_outbox(store)
    if as_json:
        _print({"mails": mails})
        return
    if not mails:
        typer.echo("no mail sent")
    for mail in mails:
        about = f"  ({mail['about']})" if mail["about"] else ""
        typer.echo(f"{mail['seq']:>4}  {mail['time']}  {mail['kind']:<26} {mail['to']}{about}")


@sandbox_app.command()
def settings(
    db: DbOption = DEFAULT_DB,
    allow_invitations: Annotated[bool | None, typer.Option(
        "--allow-invitations/--no-allow-invitations", help="Chatter's \"Allow Invitations\" (coworkers).")] = None,
    domains: Annotated[str | None, typer.Option(
        "--domains", help="Company email domains, comma-separated (an empty string clears them).")] = None,
) -> None:
    """Show, or change, the invitation settings no real API exposes; prints them (after the change) as JSON."""
    from reconciler.sandbox.admin import invitation_settings

    domain_list = None if domains is None else [d.strip() for d in domains.split(",") if d.strip()]
    with _opened(db, "") as store:
        current = invitation_settings(store, allow_invitations, domain_list)
    _print(current)


@sandbox_app.command()
def limits(
    db: DbOption = DEFAULT_DB,
    daily_api_requests: Annotated[int | None, typer.Option(
        "--daily-api-requests", min=0, help="The daily API allowance (DailyApiRequests Max; default an Enterprise "
                                            "org's for its licences, 113000 for the seeds).")] = None,
    reset_usage: Annotated[bool, typer.Option("--reset-usage", help="Start a new day: no request used yet.")] = False,
    busy: Annotated[int | None, typer.Option(
        "--busy", min=0, help="Refuse the next N API requests at the concurrent-request limit (REQUEST_LIMIT_EXCEEDED "
                              "ConcurrentRequests), as an org running many long requests does; 0 clears.")] = None,
) -> None:
    """Show, or change, the daily API allowance and its usage, and the concurrent-request refusals pending; prints
    them (after the change) as JSON. A running sandbox on the same database sees the change at once."""
    from reconciler.sandbox.admin import api_limits

    with _opened(db) as store:
        current = api_limits(store, daily_api_requests, reset_usage, busy)
    _print(current)


@sandbox_app.command("auth-url")
def auth_url(
    instance_url: Annotated[str, typer.Option(
        "--instance-url", help="Where the sandbox is served (the instance_url `sandbox serve` prints).")],
    db: DbOption = DEFAULT_DB,
    username: Annotated[str | None, typer.Option(
        "--username", help="The user to log in as (default: the connected administrator).")] = None,
    client_id: Annotated[str, typer.Option(
        "--client-id", help="guestlist-sandbox (the sandbox's connected app, with its secret) or PlatformCLI "
                            "(the Salesforce CLI's, no secret).")] = "guestlist-sandbox",
) -> None:
    """Print an SFDX auth URL (force://clientId:secret:refreshToken@host) holding a new refresh token for a user,
    for `guestlist plan --auth-url-file` or `sf org login sfdx-url`. It is a credential: keep it secret."""
    from urllib.parse import urlsplit

    from reconciler.sandbox.routes.oauth import CONSUMER_KEY, CONSUMER_SECRET, REFRESH_CLIENTS

    parts = urlsplit(instance_url.strip())
    if parts.scheme != "https" or not parts.netloc or parts.path.strip("/"):
        raise _fail(f"--instance-url {instance_url!r} is not a URL like https://127.0.0.1:8443")
    if client_id not in REFRESH_CLIENTS:
        raise _fail(f"--client-id {client_id!r} is not one of {', '.join(REFRESH_CLIENTS)}")
    with _opened(db) as store, store.session() as session:
        wanted = username or session.retrieve("User", session.meta("admin_user_id") or "", ["Username"])["Username"]
        found = session.query("SELECT Id FROM User WHERE Username = '" + wanted.replace("\\", "\\\\")
                              .replace("'", "\\'") + "' AND IsActive = true")
        if not found.records:
            raise _fail(f"--username {wanted!r}: no active user has that username")
        token = session.issue_refresh_token(str(found.records[0]["Id"]), client_id)
    secret = CONSUMER_SECRET if client_id == CONSUMER_KEY else ""
    typer.echo(f"force://{client_id}:{secret}:{token}@{parts.netloc}")


site_app = typer.Typer(
    name="site",
    help="Experience Cloud sites (Network records) of the sandbox org; a new org has none.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sandbox_app.add_typer(site_app, name="site")


@site_app.command("add")
def site_add(
    name: Annotated[str, typer.Argument(help="The site's name.")],
    db: DbOption = DEFAULT_DB,
    status: Annotated[str | None, typer.Option(
        "--status", help="Network.Status: UnderConstruction (the default), Live or DownForMaintenance.")] = None,
) -> None:
    """Add a site (Salesforce's API can't create one); prints the new Network id."""
    from reconciler.sandbox.admin import add_site

    with _opened(db, f"site {name!r}: ") as store:
        site_id = add_site(store, name, status)
    typer.echo(site_id)


@site_app.command("list")
def site_list(db: DbOption = DEFAULT_DB) -> None:
    """List the sites as JSON: {"sites": [{"id", "name", "status"}, ...]}, by name."""
    from reconciler.sandbox.admin import list_sites

    with _opened(db) as store:
        found = list_sites(store)
    _print({"sites": found})


def _print(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data))
