"""Headless Chromium for the tests (Debian's, driven by Playwright): pages opened from disk with
every non-file request blocked and recorded, and screenshots in tests/artifacts/ (git-ignored).
The ``browser`` fixture itself is in conftest.py; tests that use it carry the ``browser`` mark."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
#: A bound on waiting for a page, so that a broken page fails instead of hanging (not a target).
READY_TIMEOUT_MS = 120_000
HOSTILE_LABELS = {
    "en": "<img src=x onerror=\"window.__xss='label'\">",
    "ja": "</script><script>window.__xss='ja'</script>",
}


@dataclass
class Opened:
    """A page opened from disk, with what it tried to do."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def evaluate(self, script: str, argument: Any = None) -> Any:
        return self.page.evaluate(script, argument)

    def problems(self) -> dict[str, list[str]]:
        """Everything that must stay empty: requests, console errors and warnings, uncaught
        exceptions, dialogs, Content-Security-Policy violations."""
        violations = self.evaluate("() => window.__cspViolations || []")
        return {"requests": self.requests, "errors": self.errors, "dialogs": self.dialogs, "csp": violations}


def block_requests(context: Any, *, allowed: tuple[str, ...], blocked: list[str]) -> list[str]:
    """Let a Playwright ``context`` load only URLs starting with one of ``allowed``; abort every
    other request and record its URL in ``blocked`` (returned)."""

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(allowed):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    return blocked


@contextmanager
def opened(browser: Any, path: Path, *, ready: bool = True) -> Iterator[Opened]:
    """Open ``path`` in a fresh context that blocks and records every request but file://
    ones, and wait until the page says it is ready (or, for other pages, has loaded)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
    page = context.new_page()
    record = Opened(page)
    block_requests(context, allowed=("file://",), blocked=record.requests)
    page.on(
        "console",
        lambda message: (
            record.errors.append(f"{message.type}: {message.text}") if message.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda error: record.errors.append(f"uncaught: {error}"))
    page.on("dialog", lambda dialog: (record.dialogs.append(dialog.message), dialog.dismiss()))
    # CSP violations are reported to the page, not the network; keep them (init scripts run
    # outside the page's policy)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (event) => "
        "(window.__cspViolations = window.__cspViolations || []).push("
        "event.violatedDirective + ' ' + event.blockedURI));"
    )
    try:
        page.goto(path.resolve().as_uri())
        if ready:
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)
        yield record
    finally:
        context.close()


def screenshot(record: Opened, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"viz-{name}.png"
    record.page.screenshot(path=str(target))
    return target


def kg_in(folder: Path, *arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `kg` in ``folder``, as a user in that folder would."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *arguments], capture_output=True, text=True, env=env, cwd=folder, timeout=300
    )
