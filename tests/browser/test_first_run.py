"""A person on a fresh install: creates the admin, signs in and out, and is refused
a page that belongs to another role."""
import re

from playwright.sync_api import expect

PASSWORD = "a long enough password"


def test_first_admin_sign_in_out_and_refused_another_roles_page(server, new_page):
    page = new_page("phone")
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Welcome to reflect")).to_be_visible()
    link = re.search(r"(/setup\?token=\S+)", server.log()).group(1)

    page.goto(server.url + link)
    page.get_by_label("Your name").fill("Ada Admin")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create the admin account").click()
    expect(page.get_by_text("The admin account is ready")).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(server.url + "/admin/users")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    done = server.cli("create-user", "--email", "fac@example.org", "--role", "facilitator",
                      "--password-stdin", input=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    page.get_by_label("Email").fill("fac@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # signed in before the next page
    page.goto(server.url + "/admin/users")
    expect(page.get_by_role("heading", name="You do not have access to this page.")).to_be_visible()


def test_the_language_switch_sticks_across_pages(server, new_page):
    page = new_page("phone", locale="en-US")
    page.goto(server.url + "/login")
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    page.goto(server.url + "/setup")
    expect(page.locator("html")).to_have_attribute("lang", "es")
