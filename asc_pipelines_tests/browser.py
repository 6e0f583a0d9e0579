"""Headless Chromium for tests: Debian's package driven by playwright (no browser download).

``make test`` installs Chromium first (scripts/ensure-chromium). A missing browser fails the test
that needs it, with the way to install it; nothing is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = os.environ.get("ASC_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home, and this machine's closed
# network refuses it, many times a start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the duration of the block."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. `make test` installs Debian's package "
            "(scripts/ensure-chromium); or run `apt-get install chromium` as root, or set "
            "ASC_CHROMIUM to a Chromium binary."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def render(browser: Browser, page_path: Path, screenshot: Path | None = None) -> dict:
    """Open ``page_path`` in a fresh page; return its text, images and every problem seen."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        images = page.evaluate(
            "Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete,"
            " width: i.naturalWidth}))"
        )
        text = page.inner_text("body")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return {"text": text, "images": images, "problems": problems, "requests": requests}


def table_fit(browser: Browser, page_path: Path, heading: str, width: int) -> dict[str, int]:
    """Open ``page_path`` at ``width`` px and measure the table in the section headed ``heading``:
    its full width (``scrollWidth``), the width its box has on screen, the page's, and its rows."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        return page.evaluate(
            """heading => {
                const section = [...document.querySelectorAll('section')]
                    .find(s => s.querySelector('h2')?.textContent === heading);
                const table = section.querySelector('table');
                return {
                    table: table.scrollWidth,
                    container: table.parentElement.clientWidth,
                    page: document.documentElement.scrollWidth,
                    rows: [...table.rows].filter(row => row.querySelector('td')).length,
                };
            }""",
            heading,
        )
    finally:
        page.close()
