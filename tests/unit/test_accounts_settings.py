"""The email, two-step and single sign-on settings: refused when incomplete or unknown,
so a misconfigured server says so at start-up rather than at someone's sign-in."""
from __future__ import annotations

import pytest

from reflect import config
from reflect.auth import signins, totp
from reflect.mail import SmtpSettings, build_message


def settings(**env) -> dict:
    return config.from_environment({f"REFLECT_{k}": v for k, v in env.items()})


def test_no_settings_mean_no_email_no_sso_and_no_requirement():
    parsed = settings()
    config.check_accounts(parsed)
    assert SmtpSettings.from_config(parsed) is None
    assert parsed["REFLECT_REQUIRE_2FA"] == "none" and parsed["REFLECT_OIDC_PASSWORD_LOGIN"] is True


@pytest.mark.parametrize("env, complaint", [
    ({"SMTP_HOST": "mail.example.org", "PUBLIC_URL": "https://r.example.org"}, "REFLECT_SMTP_SENDER"),
    ({"SMTP_HOST": "mail.example.org", "SMTP_SENDER": "r@example.org"}, "REFLECT_PUBLIC_URL"),
    ({"SMTP_HOST": "m", "SMTP_SENDER": "r@example.org", "PUBLIC_URL": "https://r", "SMTP_SECURITY": "ssl3"},
     "REFLECT_SMTP_SECURITY"),
    ({"PUBLIC_URL": "reflect.example.org"}, "https://"),
    ({"REQUIRE_2FA": "everyone"}, "REFLECT_REQUIRE_2FA"),
    ({"OIDC_DISCOVERY_URL": "https://idp/.well-known/openid-configuration", "OIDC_CLIENT_ID": "x"},
     "REFLECT_OIDC_CLIENT_SECRET"),
    ({"OIDC_CREATE_ROLE": "participant"}, "REFLECT_OIDC_CREATE_ROLE"),
])
def test_incomplete_or_unknown_settings_are_refused(env, complaint):
    with pytest.raises(config.ConfigError, match=complaint):
        config.check_accounts(settings(**env))


def test_smtp_settings_are_read_with_their_defaults():
    parsed = settings(SMTP_HOST="mail.example.org", SMTP_SENDER="reflect@example.org",
                      PUBLIC_URL="https://reflect.example.org", SMTP_USER="u", SMTP_PASSWORD="p")
    config.check_accounts(parsed)
    smtp = SmtpSettings.from_config(parsed)
    assert (smtp.port, smtp.security, smtp.user) == (587, "starttls", "u")


def test_a_message_has_text_and_html_and_nothing_else():
    message = build_message("r@example.org", "a@example.org", "Subject", "text body", "<p>html body</p>")
    kinds = [part.get_content_type() for part in message.walk()]
    assert kinds == ["multipart/alternative", "text/plain", "text/html"]
    assert message["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("policy, role, needed", [
    ("none", "admin", False), ("admins", "admin", True), ("admins", "facilitator", False),
    ("staff", "supervisor", True), ("staff", "facilitator", True),
])
def test_who_must_use_two_step_sign_in(policy, role, needed):
    assert totp.required(role, policy) is needed


def test_a_code_matches_only_its_own_time_window():
    secret = totp.new_secret()
    import pyotp

    now = 1_800_000_000
    code = pyotp.TOTP(secret).at(now)
    assert totp._matching_step(secret, code, now) == now // 30
    assert totp._matching_step(secret, code, now + 30) == now // 30  # a little clock drift
    assert totp._matching_step(secret, code, now + 120) is None
    assert totp._matching_step(secret, "12345", now) is None


@pytest.mark.parametrize("agent, browser, system", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 "
     "Edg/131.0", "Edge", "Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
     "Mobile/15E148 Safari/604.1", "Safari", "iPhone"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "macOS"),
    ("curl/8.5", "", ""),
])
def test_devices_are_named_by_browser_and_system(agent, browser, system):
    assert signins.describe(agent) == signins.Device(browser, system)
