"""A supervisor on a laptop sees the review charts, each with its data table, without a
single CSP complaint; the print view hides the controls and keeps charts and tables."""
import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

PASSWORD = "a demo password 2024"


def _sign_in(page, server, email):
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # signed in before the next page


def test_a_supervisor_sees_charts_with_their_data_tables(server, new_page):
    done = server.cli("seed-demo", "--groups", "2", "--sessions-per-group", "8", "--participants", "6",
                      "--password", PASSWORD, "--seed", "11")
    assert done.returncode == 0, done.stderr
    assert "supervisor@demo.example.org" in done.stdout

    page = new_page("laptop")
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    _sign_in(page, server, "supervisor@demo.example.org")
    expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible()
    # The supervisor is assigned to the first demo group only.
    groups = page.get_by_role("table", name="Sessions, hours and attendance per group")
    expect(groups.get_by_role("row")).to_have_count(2)
    expect(page.locator("canvas[data-chart-ready='true']").first).to_be_visible()

    groups.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Sessions held", exact=True)).to_be_visible()
    charts = page.locator("canvas[data-chart-ready='true']")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 5  # sessions, themes, themes over time, three check-in scales
    energy_chart = page.get_by_role("img", name=re.compile("Energy: opening and closing check-in means"))
    expect(energy_chart).to_be_visible()
    box = energy_chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    energy_table = page.get_by_role("table", name=re.compile(r"Energy \(1 to 5\), by period"))
    expect(energy_table).to_be_visible()
    expect(energy_table.get_by_role("columnheader", name="Opening mean")).to_be_visible()
    themes_table = page.get_by_role("table", name="Theme counts over the whole period")
    expect(themes_table).to_be_visible()
    # Chart.js really drew something: the canvas is not blank.
    painted = energy_chart.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; }")
    assert painted
    # each chart names the table that holds its figures, and that table has a caption
    for canvas in charts.all():
        table_id = canvas.get_attribute("data-table")
        assert page.locator(f"#{table_id} > caption").count() == 1
        assert canvas.get_attribute("aria-label")
    expect(page.get_by_role("heading", name="Notes shared with the supervisor")).to_be_visible()
    assert not [p for p in problems if "favicon" not in p], problems

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [(v["id"], v["nodes"][0]["target"]) for v in serious]

    page.get_by_role("link", name="Print-ready report").click()
    expect(page.get_by_role("heading", name=re.compile("Reflective supervision report"))).to_be_visible()
    expect(page.locator("canvas[data-chart-ready='true']").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("table", name="Attendance and hours per rostered member")).to_be_visible()
    expect(page.locator("canvas[data-chart-ready='true']").first).to_be_visible()
    assert not [p for p in problems if "favicon" not in p], problems


def test_a_supervisor_cannot_open_a_group_that_is_not_theirs(server, new_page):
    done = server.cli("seed-demo", "--groups", "2", "--sessions-per-group", "2", "--participants", "3",
                      "--password", PASSWORD)
    assert done.returncode == 0, done.stderr
    page = new_page("laptop")
    _sign_in(page, server, "supervisor@demo.example.org")
    page.goto(server.url + "/review/groups/2")  # the last demo group has no supervisor
    expect(page.get_by_role("heading", name="This page does not exist.")).to_be_visible()
