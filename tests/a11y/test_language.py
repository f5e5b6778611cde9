"""The language switch is on every page, live ones included, and sticks: the phone, the
projector view and the console switch to Spanish and stay there, cards included, and
numbers and dates read the Spanish way."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.a11y import flows

SPANISH = re.compile(r"[¿áéíóúñ]")


def switch_to_spanish(page) -> None:
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-pressed", "true")


def test_phone_display_and_console_switch_to_spanish_and_stay(server, new_page):
    flows.create_facilitator(server)
    console = new_page("laptop")
    flows.sign_in(server, console, "fac@example.org")
    code = flows.open_session(server, console)
    display = new_page("laptop")
    flows.open_display(console, display)
    phone = new_page("phone")
    flows.join(server, phone, code)
    others = [new_page("phone"), new_page("phone")]
    for other in others:
        flows.join(server, other, code)

    switch_to_spanish(phone)
    expect(phone.get_by_role("heading", name="Te damos la bienvenida. Empezamos pronto.")).to_be_visible()
    expect(phone.get_by_role("button", name="Salir de esta sesión")).to_be_visible()
    switch_to_spanish(display)
    expect(display.get_by_role("heading", name="Te damos la bienvenida. Empezamos pronto.")).to_be_visible()
    switch_to_spanish(console)
    expect(console.locator(".phase-button[data-phase=lobby]")).to_have_text("Sala de espera")
    expect(console.locator("#phase-name")).to_have_text("Sala de espera")  # the live part too

    console.locator(".phase-button[data-phase=connect]").click()
    expect(phone.get_by_role("heading", name="Ronda de inicio")).to_be_visible()
    expect(phone.locator("legend").first).to_have_text("¿Cuánta energía tienes hoy?")
    for page, energy in ((phone, 2), (others[0], 4), (others[1], 4)):
        flows.check_in(page, energy)
    expect(console.locator("#checkin-count")).to_have_text("Respondieron: 3. Pasaron: 0.")
    console.get_by_role("button", name="Cerrar y mostrar los resultados").click()
    expect(phone.locator("#checkin-result")).to_contain_text("promedio: 3,33")
    expect(display.locator("#checkin-result")).to_contain_text("promedio: 3,33")
    expect(others[0].locator("#checkin-result")).to_contain_text("average 3.33")

    console.locator(".phase-button[data-phase=reflect]").click()
    expect(phone.locator("#card-text")).to_have_text(SPANISH)
    expect(display.locator("#card-text")).to_have_text(SPANISH)
    expect(phone.locator("#card-meta")).to_contain_text("Tarjeta 1 de")
    assert not SPANISH.search(others[0].locator("#card-text").inner_text())

    # it sticks: a reload, another page
    phone.reload()
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.locator("#card-meta")).to_contain_text("Tarjeta 1 de")
    display.reload()
    expect(display.locator("#card-text")).to_have_text(SPANISH)
    console.goto(server.url + "/facilitate")
    expect(console.get_by_role("heading", name="Tus grupos y sesiones")).to_be_visible()

    console.get_by_role("link", name=re.compile("^Facilitar")).first.click()
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role("button", name="Terminar la sesión").click()
    summary = console.locator("main")
    expect(summary).to_contain_text("Participaron 3 personas")
    months = "ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic"
    expect(summary).to_contain_text(re.compile(rf"\b\d{{1,2}} (?:{months})\.? \d{{4}}"))
    expect(phone.get_by_role("heading", name="La sesión terminó. Gracias por estar aquí.")).to_be_visible()
