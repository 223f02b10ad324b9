"""The officials' dashboard at phone width (375 px) in a real browser: the page fits, the
charts draw (the nonce-free static script with the vendored ECharts, no console errors) and
redraw when the window widens; the public home page's city figures fit too."""

# ruff: noqa: F811  (live_url: a fixture imported from test_browser)

from test_browser import live_url, pytestmark  # noqa: F401  (fixture, marker)
from test_browser_phone import MEASURE, log_in, phone  # noqa: F401  (fixture)


def charts_drawn(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll('.dash-chart')]
        .filter(box => box.querySelector('canvas') && box.getBoundingClientRect().width > 0
                && box.getBoundingClientRect().right <= window.innerWidth + 1).length""")


def test_dashboard_fits_a_phone_and_draws_its_charts(live_url, phone):
    phone.goto(live_url + "/")
    assert phone.locator("[data-figure=organizations]").count() == 1
    assert phone.evaluate(MEASURE) == []
    log_in(phone, live_url, "shunqing")  # 顺庆区's official
    response = phone.goto(live_url + "/dashboards/")
    assert response.status == 200
    phone.locator(".dash-chart canvas").first.wait_for()
    boxes = phone.locator(".dash-chart").count()
    assert boxes >= 5 and charts_drawn(phone) == boxes
    assert phone.evaluate(MEASURE) == []
    phone.set_viewport_size({"width": 1024, "height": 800})
    phone.wait_for_timeout(400)  # the resize handler waits 150 ms
    width = phone.evaluate("document.querySelector('.dash-chart canvas').clientWidth")
    assert width > 375
    phone.goto(live_url + "/dashboards/?from=2026-05&to=2026-01")  # a backwards period
    assert phone.locator("#to.is-invalid").count() == 1
    assert [p for p in phone.problems if "422" not in p] == []  # the 422 itself only
