"""The portal in a real headless Chromium: `pcf serve` on the tiny release, browsed like a visitor.

The portal must work offline with no CDN (SPEC §6): the page may request nothing but the local
server. Skips when the `playwright` package or a Chromium binary is missing (set CHROMIUM to a
binary to choose one; `.ci/run` installs Debian's `chromium`). Never runs `playwright install`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from orchestration.runner import EXIT_OK
from tests.conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START_TIMEOUT_S = 60


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


# Decided at collection, before the session's tiny run is paid for.
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the `playwright` python package is not installed: browser test skipped",
    exc_type=ImportError,
)
CHROMIUM = find_chromium()
if CHROMIUM is None:
    pytest.skip(
        "no Chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chromium): "
        "browser test skipped",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pcf_command() -> list[str]:
    script = Path(sys.executable).with_name("pcf")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "orchestration.cli"]


@pytest.fixture(scope="module")
def portal(tiny_release, tmp_path_factory):
    """`pcf serve --home <tiny home> --port P` running: (base url, home, release id)."""
    home, outcome = tiny_release
    assert outcome.exit_code == EXIT_OK and outcome.published, outcome.errors or outcome.failed_checks
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            pcf_command() + ["serve", "--home", str(home.root), "--port", str(port)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(base, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`pcf serve` did not come up on {base}:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base, home, outcome.release_id
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_portal_shows_the_release_and_serves_checksummed_downloads(browser, portal, tmp_path):
    base, home, release_id = portal
    folder = home.publish / "releases" / release_id
    context = browser.new_context(accept_downloads=True)
    requests: list[str] = []
    failures: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    context.on("requestfailed", lambda request: failures.append(f"{request.url}: {request.failure}"))
    context.on("response", lambda r: r.status >= 400 and failures.append(f"{r.url}: HTTP {r.status}"))
    page = context.new_page()
    try:
        # the portal home names the current release and links to its page
        response = page.goto(base, wait_until="networkidle")
        assert response is not None and response.ok
        body = page.inner_text("body")
        assert release_id in body and "Current release" in body
        page.screenshot(path=str(tmp_path / "portal.png"), full_page=True)

        page.locator(f'h2 a[href="releases/{release_id}/index.html"]').click()
        page.wait_for_load_state("networkidle")
        assert page.url == f"{base}releases/{release_id}/index.html"
        assert release_id in page.inner_text("body")
        page.screenshot(path=str(tmp_path / "release.png"), full_page=True)

        # the CSV download link on the release page, fetched by the browser as a download
        link = page.locator('a[href="product_footprints.csv"]').first
        assert link.get_attribute("download") is not None
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.url == f"{base}releases/{release_id}/product_footprints.csv"
        downloaded = Path(download.path()).read_bytes()

        sums_response = page.request.get(f"{base}releases/{release_id}/SHA256SUMS")
        assert sums_response.ok
        sums = dict(reversed(line.split("  ", 1)) for line in sums_response.text().splitlines())
        assert hashlib.sha256(downloaded).hexdigest() == sums["product_footprints.csv"]
        assert downloaded == (folder / "product_footprints.csv").read_bytes()
        assert downloaded.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheets
    finally:
        context.close()

    for name in ("portal.png", "release.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG"), name
    assert requests, "no request was recorded"
    outside = [url for url in requests if urlsplit(url).scheme not in {"data", "blob"}
               and urlsplit(url).hostname not in LOCAL_HOSTS]
    assert outside == [], "the portal requested hosts other than the local server (a CDN?)"
    assert failures == []
