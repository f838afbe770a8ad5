"""What every page of the journey must pass: axe-core, the Nu Html Checker, layout, focus.

``check_page(page, name)`` runs them all on the page shown now; the single
checks are here for tests that need only one. Each check records its figures
in ``REPORT``, which ``conftest.py`` prints at the end of the run. A page opened
in another language than English (``new_page(language="de")``) must be served in
it (``<html lang>``) and is reported as ``de-<name>``.

axe-core is put into the page with ``page.evaluate(source)``: Playwright
evaluates through the DevTools protocol, which the portal's Content Security
Policy (``script-src 'self' 'nonce-…'``) does not govern, whereas a
``<script>`` added with ``add_script_tag`` would be refused. The context is not
created with ``bypass_csp``, so a page that breaks its own CSP still fails
(see ``console_errors``).
"""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import weakref
from collections import Counter
from pathlib import Path

from playwright.sync_api import Page, Response

BASE_DIR = Path(__file__).resolve().parents[2]
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOT_DIR = BASE_DIR / "docs" / "screenshots"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

IMPACTS = ("critical", "serious", "moderate", "minor")
FAILING_IMPACTS = ("critical", "serious")

# One row per checked page, printed by conftest.pytest_terminal_summary.
REPORT: dict[str, dict] = {}


def _row(name: str) -> dict:
    return REPORT.setdefault(name, {"axe": None, "vnu_errors": None, "vnu_warnings": None})


# --- What the browser saw ------------------------------------------------------

_documents: "weakref.WeakKeyDictionary[Page, Response]" = weakref.WeakKeyDictionary()
_console_errors: "weakref.WeakKeyDictionary[Page, list[str]]" = weakref.WeakKeyDictionary()
_languages: "weakref.WeakKeyDictionary[Page, str]" = weakref.WeakKeyDictionary()


def watch(page: Page, *, language: str = "en") -> None:
    """Remember the language the browser asks for, the last document the page loaded
    and every error it logged."""
    errors: list[str] = []
    _console_errors[page] = errors
    _languages[page] = language

    def on_response(response: Response) -> None:
        if response.request.resource_type == "document" and response.frame == page.main_frame:
            _documents[page] = response

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({page.url})")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error} ({page.url})"))


def language(page: Page) -> str:
    """The language the page's browser asks for ("en", "de", "fr")."""
    return _languages.get(page, "en")


def document_html(page: Page) -> str:
    """The HTML the server sent for the page shown now (not the DOM as scripts left it)."""
    response = _documents.get(page)
    assert response is not None, "no document loaded yet"
    return response.text()


def console_errors(page: Page) -> list[str]:
    """Errors logged so far (CSP violations, failed scripts, 404s of assets), then forgotten."""
    errors = _console_errors.get(page, [])
    found = list(errors)
    errors.clear()
    return found


# --- axe-core -------------------------------------------------------------------


def check_accessibility(page: Page, name: str) -> dict[str, int]:
    """Run axe-core on the page; fail on any violation of impact serious or critical."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + "  " + n.failureSummary),
            }));
        }"""
    )
    counts = Counter(v["impact"] for v in violations)
    by_impact = {impact: counts.get(impact, 0) for impact in IMPACTS}
    _row(name)["axe"] = by_impact
    _row(name)["axe_rules"] = sorted(f"{v['id']} ({v['impact']})" for v in violations)
    print(f"axe {name}: {by_impact}")
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe on {name}:\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for v in failing
    )
    return by_impact


# --- The Nu Html Checker -------------------------------------------------------------


class HtmlValidator:
    """One Nu Html Checker (vnu.jar) web service for the whole run.

    The JVM takes seconds to start, so it is started once, in the background
    while the browser and the portal start, and every page is posted to it.
    """

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        if self.process is not None:
            return
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/?out=json"
        self.process = subprocess.Popen(
            [
                "java",
                "-Xss1m",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def validate(self, html: str) -> list[dict]:
        self.start()
        deadline = time.monotonic() + 90
        while True:
            request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1)
                self.url,
                data=html.encode("utf-8"),
                headers={"Content-Type": "text/html; charset=utf-8"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return json.load(response)["messages"]
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


html_validator = HtmlValidator()


def check_html(html: str, name: str) -> list[dict]:
    """Validate the HTML with the Nu Html Checker; fail on any error."""
    messages = html_validator.validate(html)
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    warnings = [m for m in messages if m.get("subType") == "warning"]
    _row(name).update(vnu_errors=len(errors), vnu_warnings=len(warnings))
    print(f"vnu {name}: {len(errors)} errors, {len(warnings)} warnings")
    for warning in warnings:
        print(f"  vnu warning: {warning['message']}")
    assert not errors, f"Nu Html Checker on {name}:\n" + "\n".join(
        f"- line {m.get('lastLine')}: {m['message']}  [{m.get('extract', '').strip()}]"
        for m in errors
    )
    return messages


# --- Layout and focus -------------------------------------------------------------------

_LAYOUT_JS = """() => {
    const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, '
        + '[role="button"], [tabindex]:not([tabindex="-1"])';
    const shown = el => {
        const style = getComputedStyle(el);
        return style.visibility !== 'hidden' && style.display !== 'none'
            && el.getClientRects().length > 0;
    };
    const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + ' "' + (el.innerText || el.value || el.name || el.getAttribute('aria-label') || '')
            .trim().slice(0, 40) + '"';
    // What a scrolling or clipping ancestor hides is not on the screen.
    const clip = el => {
        let box = {left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity};
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
            const b = a.getBoundingClientRect();
            box = {left: Math.max(box.left, b.left), top: Math.max(box.top, b.top),
                   right: Math.min(box.right, b.right), bottom: Math.min(box.bottom, b.bottom)};
        }
        return box;
    };
    // One rectangle per line box: a link that wraps does not "cover" its neighbours.
    const items = [...document.querySelectorAll(selector)].filter(shown).map(el => {
        const box = clip(el);
        const rects = [...el.getClientRects()].map(r => ({
            left: Math.max(r.left, box.left), top: Math.max(r.top, box.top),
            right: Math.min(r.right, box.right), bottom: Math.min(r.bottom, box.bottom),
        })).filter(r => r.right - r.left > 2 && r.bottom - r.top > 2);
        return {el, rects};
    });
    const overlaps = [];
    for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
            const a = items[i], b = items[j];
            if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
            const hit = a.rects.some(r => b.rects.some(s =>
                Math.min(r.right, s.right) - Math.max(r.left, s.left) > 1 &&
                Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top) > 1));
            if (hit) overlaps.push(describe(a.el) + ' overlaps ' + describe(b.el));
        }
    }
    const wide = [...document.querySelectorAll('body *')].filter(el => {
        const r = el.getBoundingClientRect();
        const position = getComputedStyle(el).position;
        // An absolutely placed element escapes the clipping of a static ancestor.
        const right = position === 'absolute' ? r.right : Math.min(r.right, clip(el).right);
        return shown(el) && right > window.innerWidth + 1 && position !== 'fixed';
    }).slice(0, 5).map(describe);
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        overlaps, wide,
    };
}"""


def check_layout(page: Page) -> None:
    """Nothing overflows horizontally and no two interactive elements overlap."""
    layout = page.evaluate(_LAYOUT_JS)
    size = f"{layout['innerWidth']} px wide"
    assert layout["scrollWidth"] <= layout["innerWidth"], (
        f"{page.url} scrolls horizontally at {size} (content {layout['scrollWidth']} px): "
        f"{layout['wide']}"
    )
    assert not layout["overlaps"], f"{page.url} at {size}: " + "; ".join(layout["overlaps"])


_FOCUS_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
        element: el.tagName.toLowerCase() + ' "' + (el.innerText || el.value || el.name || '')
            .trim().slice(0, 40) + '"',
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1,
        shadow: style.boxShadow !== 'none',
    };
}"""


def focused_element(page: Page) -> dict | None:
    """The element that has the focus, and whether its focus indicator is drawn."""
    return page.evaluate(_FOCUS_JS)


def assert_focus_visible(page: Page) -> str:
    """The focused element shows an outline or a ring; returns its description."""
    focused = focused_element(page)
    assert focused is not None, f"nothing has the focus on {page.url}"
    assert focused["outline"] or focused["shadow"], f"no visible focus on {focused['element']}"
    return focused["element"]


def tab_to(page: Page, target, *, backwards: bool = False, limit: int = 150) -> None:
    """Press Tab (Shift+Tab when ``backwards``) until ``target`` (a locator) has the
    focus; every element passed on the way must show its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            assert_focus_visible(page)
            return
        if focused_element(page) is not None:
            assert_focus_visible(page)
    raise AssertionError(f"{key} never reached {target} on {page.url}")


# --- Screenshots ---------------------------------------------------------------------------


def screenshot(page: Page, name: str) -> Path | None:
    """Write docs/screenshots/<name>.png, only when E2E_SCREENSHOTS=1 (they are committed)."""
    if os.environ.get("E2E_SCREENSHOTS") != "1":
        return None
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    return path


# --- All of it ------------------------------------------------------------------------------


def check_page(page: Page, name: str, *, screenshots: bool = True) -> None:
    """Every check on the page shown now: in the browser's language, no console error,
    valid HTML, axe, and the layout at 1280x800 and at 390x844 (with screenshots of both
    when asked; the README shows English pages, so only those are taken)."""
    page.wait_for_load_state("load")
    wanted = language(page)
    served = page.locator("html").get_attribute("lang")
    assert served == wanted, f"{name}: <html lang={served!r}>, the browser asked for {wanted!r}"
    if wanted != "en":
        screenshots = False
    name = report_name(page, name)
    errors = console_errors(page)
    assert not errors, f"{name}: " + "; ".join(errors)
    check_html(document_html(page), name)
    check_accessibility(page, name)
    viewport = page.viewport_size
    for size, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page.set_viewport_size(size)
        check_layout(page)
        if screenshots:
            screenshot(page, name + suffix)
    page.set_viewport_size(viewport)


def report_name(page: Page, name: str) -> str:
    """The page's row in the report: ``name``, or ``de-<name>`` in German."""
    wanted = language(page)
    return name if wanted == "en" else f"{wanted}-{name}"


def check_new_page(page: Page, name: str) -> None:
    """``check_page``, unless a page of that name (and language) was checked already in
    this run: for a test that goes again through pages that another test checks."""
    if report_name(page, name) not in REPORT:
        check_page(page, name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
