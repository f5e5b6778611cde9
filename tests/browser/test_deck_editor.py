"""A facilitator makes a built-in deck their own: duplicates it, rewrites a card's
Spanish text, moves that card up, and sees the new order (in both languages)."""
from playwright.sync_api import expect

from reflect.prompts import get_builtin
from tests.servers import create_account

PASSWORD = "a long enough password"


def test_facilitator_duplicates_edits_and_reorders_a_deck(server, new_page):
    create_account(server, "fac@example.org", "facilitator", PASSWORD)
    source = get_builtin("multiple-perspectives")
    first, second = source.cards[0], source.cards[1]
    total = len(source.cards)
    new_spanish = "¿Qué ve, oye y siente esta criatura ahora mismo? (texto nuevo)"

    page = new_page("phone")
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill("fac@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Decks").click()
    expect(page.get_by_role("heading", name="Decks", exact=True)).to_be_visible()

    page.get_by_role("link", name=source.title["en"], exact=True).click()
    expect(page.get_by_text("Built-in: read-only")).to_be_visible()
    expect(page.get_by_role("button", name="Move up", exact=False)).to_have_count(0)
    page.get_by_role("button", name="Duplicate to edit").click()
    expect(page.get_by_role("heading", name=source.title["en"] + " (copy)")).to_be_visible()
    expect(page.get_by_text("This is your copy. You can edit it.")).to_be_visible()

    page.get_by_role("link", name="Edit card 2", exact=True).click()
    expect(page.get_by_role("heading", name="Edit card 2")).to_be_visible()
    spanish = page.get_by_label("Card text (Spanish)", exact=True)
    expect(spanish).to_have_value(second.text["es"])
    expect(page.get_by_role("group", name="Essential elements")).to_be_visible()
    spanish.fill(new_spanish)
    page.get_by_role("button", name="Save the card").click()
    expect(page.get_by_text("Card 2 saved.")).to_be_visible()

    page.get_by_role("button", name=f"Move up (card 2 of {total})").click()
    expect(page.get_by_text("Card moved to position 1.")).to_be_visible()
    cards = page.locator("ol.deck-cards > li")
    expect(cards.nth(0).locator(".card-text")).to_have_text(second.text["en"])
    expect(cards.nth(1).locator(".card-text")).to_have_text(first.text["en"])
    expect(page.get_by_role("button", name=f"Move down (card 1 of {total})")).to_be_visible()

    page.get_by_role("button", name="Español").click()
    cards = page.locator("ol.deck-cards > li")
    expect(cards.nth(0).locator(".card-text")).to_have_text(new_spanish)
    expect(cards.nth(1).locator(".card-text")).to_have_text(first.text["es"])

    # The built-in deck itself is unchanged.
    page.goto(server.url + f"/decks/{source.id}/")
    expect(page.locator("ol.deck-cards > li").nth(1).locator(".card-text")).to_have_text(second.text["es"])
