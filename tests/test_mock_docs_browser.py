"""The docs page in a real headless browser (Debian's chromium, driven by Playwright): it shows
the three operations and the spec's assumptions, "Try it out" reads the docs' meeting back from
the mock with the token typed once, and every request the page makes goes to the mock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import docs_example
from meetings_spec.assumptions import iter_assumptions
from processes import CHROMIUM, CHROMIUM_ARGS, TOKEN, Server, chromium_missing

REPORTS = Path(__file__).resolve().parent.parent / "reports"

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytestmark = [pytest.mark.processes, pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server("--workers", "1", "--token", TOKEN, "--quiet")
    yield running
    running.stop()


@pytest.fixture()
def page(server: Server) -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.requests_seen = []  # type: ignore[attr-defined]
            page.on("request", lambda request: page.requests_seen.append(request))  # type: ignore[attr-defined]
            page.failures = []  # type: ignore[attr-defined]
            page.on("requestfailed", lambda request: page.failures.append(request.url))  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()


def test_try_it_out_reads_the_docs_meeting_and_nothing_leaves_the_mock(server: Server, page: Any, spec: dict) -> None:
    page.goto(server.base + "/")  # a browser asking for / is sent to the docs
    assert page.url == server.base + "/docs"
    page.wait_for_selector(".opblock-summary", timeout=20_000)
    operations = [" ".join(e.inner_text().split()[:2]) for e in page.query_selector_all(".opblock-summary")]
    assert operations == ["POST /meetings", "POST /meetings/create-dynamic-meeting", "GET /meetings/{id}"]

    marked = list(iter_assumptions(spec))
    assert page.inner_text("#assumptions summary").startswith(f"{len(marked)} assumptions")
    listed = page.text_content("#assumptions ul")
    assert all(reason.replace("`", "") in listed for _, reason in marked)  # Markdown rendered: no backtick shown
    assert "`" not in listed and {"created", "ended"} <= {code.text_content() for code in page.query_selector_all("#assumptions li code")}

    page.click("button.authorize")  # the token, typed once for every operation
    page.fill(".modal-ux input", TOKEN)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")

    read = "#operations-meetings-getMeeting"
    page.click(f"{read} .opblock-summary")
    page.wait_for_selector(f"{read} .opblock-body .parameters", timeout=20_000)  # rendered once opened, not at once
    assert "x-assumption" in page.inner_text(read)  # the id's range is the mock's choice, shown in place
    page.click(f"{read} button.try-out__btn")
    page.fill(f"{read} input[placeholder=id]", "789")
    page.click(f"{read} button.execute")
    page.wait_for_selector(f"{read} .live-responses-table .response .response-col_status", timeout=20_000)
    status = page.inner_text(f"{read} .live-responses-table .response .response-col_status").split()[0]
    body = json.loads(page.inner_text(f"{read} .live-responses-table .response-col_description pre.microlight"))
    REPORTS.mkdir(exist_ok=True)
    page.screenshot(path=str(REPORTS / "docs-try-it-out.png"))
    assert status == "200"  # the mock takes only TOKEN: Authorize reached the request
    assert body == docs_example(spec, "DocsMeeting789")

    with page.expect_response(server.base + "/openapi.json?view=lenient") as lenient:
        page.select_option(".topbar select", index=1)  # the lenient view: what the docs promise
    assert lenient.value.status == 200
    page.wait_for_selector("a[href='/openapi.json?view=lenient']", timeout=20_000)
    assert len(page.query_selector_all(".opblock-summary")) == 3
    page.click("#assumptions summary")
    page.screenshot(path=str(REPORTS / "docs-page.png"), full_page=False)

    urls = [request.url for request in page.requests_seen]
    executed = [r for r in page.requests_seen if r.url == server.base + "/meetings/789"]
    assert len(executed) == 1 and executed[0].headers.get("authorization") == f"Bearer {TOKEN}"
    assert server.base + "/openapi.json?view=lenient" in urls
    elsewhere = [url for url in urls if not url.startswith(server.base + "/")]
    assert not elsewhere, f"the page fetched from outside the mock: {elsewhere}"
    assert not page.failures, page.failures
