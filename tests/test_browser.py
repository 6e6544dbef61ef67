"""The built QMP manual (QEMU 10.2), as a real browser shows it.

Headless Chromium (Debian's ``chromium`` package) loads the pages from disk;
the tests read the DOM it ends up with (``--dump-dom``, after the page's
scripts ran).  A screenshot of the SHUTDOWN event is kept with the test
output (``--screenshot`` of a URL with a ``#fragment`` gives a blank image,
so the shot is of a copy of the page that holds only that definition).
"""

from __future__ import annotations

import html
import os
import pathlib
import re
import shutil
import subprocess
import urllib.parse

import pytest
from conftest import ROOT
from support.sphinx_projects import corpus_build, inventory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.path.exists(p)), None)
ARTIFACTS = ROOT / "build" / "test-artifacts"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}"]


@pytest.fixture(scope="module")
def manual(shared_dir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    build = corpus_build("10.2", "html", shared_dir, tmp_path_factory.getbasetemp() / "sphinx-corpora")
    assert build.returncode == 0
    return build.outdir


def dump_dom(chromium: list[str], url: str, budget_ms: int = 0) -> str:
    args = [*chromium, "--dump-dom"]
    if budget_ms:
        args.append(f"--virtual-time-budget={budget_ms}")
    proc = subprocess.run([*args, url], capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<html" in proc.stdout
    return proc.stdout


def element(dom: str, anchor: str) -> str:
    """The definition (<dl>...</dl>) whose signature has id ``anchor``."""
    start = dom.index(f'id="{anchor}"')
    start = dom.rindex("<dl", 0, start)
    depth = 0
    for m in re.finditer(r"<(/?)dl\b", dom[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return dom[start:start + m.end()]
    raise AssertionError("unbalanced <dl>")


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def where(manual: pathlib.Path, name: str, role: str) -> tuple[pathlib.Path, str]:
    for entry, entry_role, uri, _ in inventory(manual / "objects.inv"):
        if entry == name and entry_role == role:
            path, _, anchor = uri.partition("#")
            return manual / path, anchor
    raise AssertionError(f"{name} is not in objects.inv")


def test_shutdown_shows_its_members_and_example(chromium: list[str], manual: pathlib.Path) -> None:
    page, anchor = where(manual, "QMP:SHUTDOWN", "qapi:event")
    dom = dump_dom(chromium, page.as_uri())
    shutdown = element(dom, anchor)
    text = text_of(shutdown)
    assert text.startswith("Event SHUTDOWN (since 0.12)")
    assert "Members: guest : bool" in text.replace(": bool", " : bool") or "guest: bool" in text
    assert "reason: ShutdownCause" in text
    assert 'id="qmp-event-SHUTDOWN.guest"' in shutdown and 'id="qmp-event-SHUTDOWN.reason"' in shutdown
    example = shutdown[shutdown.index("qapi-example"):]
    assert '"event": "SHUTDOWN"' in text_of(example) and '"guest": true' in text_of(example)
    assert '<span class="gp">&lt;-</span>' in example       # highlighted by the QMP lexer


def test_a_type_link_leads_to_its_definition(chromium: list[str], manual: pathlib.Path) -> None:
    page, anchor = where(manual, "QMP:SHUTDOWN", "qapi:event")
    shutdown = element(dump_dom(chromium, page.as_uri()), anchor)
    row = shutdown[shutdown.index(f'id="{anchor}.reason"'):]
    m = re.search(r'<a class="reference internal" href="([^"]+)"[^>]*><code[^>]*>(?:<span[^>]*>)?ShutdownCause',
                  row)
    assert m is not None, row[:800]
    target = urllib.parse.urljoin(page.as_uri(), html.unescape(m.group(1)))
    url, _, fragment = target.partition("#")
    assert fragment == "qmp-type-ShutdownCause"
    dom = dump_dom(chromium, url)
    definition = element(dom, fragment)
    assert text_of(definition).startswith("Enum ShutdownCause")
    assert 'id="qmp-type-ShutdownCause.guest-shutdown"' in definition


def test_sphinx_search_finds_events_by_name(chromium: list[str], manual: pathlib.Path) -> None:
    # the index itself
    text = (manual / "searchindex.js").read_text()
    assert re.search(r'"SHUTDOWN"', text) and "qmp-event-SHUTDOWN" in text
    # and the search page, run by the browser
    url = (manual / "search.html").as_uri() + "?q=SHUTDOWN"
    dom = dump_dom(chromium, url, budget_ms=15000)
    results = dom[dom.index('id="search-results"'):]
    items = re.findall(r'<li class="kind-object"><a href="([^"]+)"[^>]*>(.*?)</a>(.*?)</li>', results)
    event = [(href, text_of(label), text_of(rest)) for href, label, rest in items
             if href.endswith("#qmp-event-SHUTDOWN")]
    assert event, results[:3000]
    assert event[0][1] == "SHUTDOWN" and event[0][2].startswith("(QMP event")
    # it is the best match
    assert items[0][0].endswith("#qmp-event-SHUTDOWN")


def test_screenshot_of_the_shutdown_event(chromium: list[str], manual: pathlib.Path,
                                          tmp_path: pathlib.Path) -> None:
    page, anchor = where(manual, "QMP:SHUTDOWN", "qapi:event")
    # A copy of the page beside it (so its CSS still loads) that keeps only
    # this definition.
    scoped = page.with_name(f"_screenshot-{page.name}")
    keep = (
        "<script>for (const dl of Array.from(document.querySelectorAll('dl.qapi'))) {"
        f" if (!dl.querySelector('dt[id=\"{anchor}\"]')) dl.remove(); }}</script>"
    )
    scoped.write_text(page.read_text().replace("</body>", keep + "</body>"))
    shot = tmp_path / "sphinx-SHUTDOWN.png"
    try:
        proc = subprocess.run([*chromium, "--window-size=1100,1400", f"--screenshot={shot}", scoped.as_uri()],
                              capture_output=True, text=True, check=False, timeout=120)
    finally:
        scoped.unlink()
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000    # not a blank page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / shot.name)
