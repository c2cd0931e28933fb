"""In a headless browser: the figures page's charts are drawn (a canvas in each chart
container, no console error, no CSP violation) on a phone (390 px) and a desktop
(1366 px), fit the screen, and turn into images for printing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from renda.cases import services as cases
from tests.fixtures.cases import submit


@pytest.mark.parametrize("width", [390, 1366])
def test_figures_charts_render_on_phone_and_desktop(browser, live_server, cases_world, width):
    w = cases_world
    for i in range(3):
        case = submit(w, content=f"东塘村第{i}处路灯坏了，晚上出行不安全").case
        if i:
            cases.assign_case(case, lead=w.dept_a1, acting_user=w.staff)
        if i == 2:  # one replied (class A): every chart has a figure to draw
            lead = case.assignments.get()
            cases.sign_assignment(lead, acting_user=w.handler_a)
            cases.reply_case(lead, reply_class="A", text="已修复路灯", acting_user=w.handler_a)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/?next=/cases/figures/")
    page.fill("#id_username", "staff_a")
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".chart-canvas[data-drawn] canvas")
    containers = page.locator(".chart-canvas")
    n = containers.count()
    assert n >= 4  # reply classes, monthly trend, by department, by category
    assert page.locator(".chart-canvas[data-drawn] canvas").count() >= n
    for i in range(n):
        box = containers.nth(i).bounding_box()
        assert box is not None and box["height"] >= 200
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    shots = Path(os.environ.get("RENDA_SCREENSHOTS", "/tmp/renda-charts-shots"))  # noqa: S108
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"case-figures-{width}.png"), full_page=True)
    # Printing: every chart gets its image (the print CSS shows it instead of the canvas).
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    images = page.locator("img.chart-print")
    assert images.count() == n
    assert images.first.get_attribute("src").startswith("data:image/png")
    page.emulate_media(media="print")
    assert images.first.is_visible() and not containers.first.is_visible()
    assert problems == []
    context.close()
