"""Sign-up, log-in, log-out and password reset through the console e-mail backend."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from site_factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_signup_logs_in(anonymous_client):
    response = anonymous_client.post(reverse("accounts:signup"), {
        "username": "newcomer", "email": "newcomer@example.org",
        "password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase",
    })
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="newcomer").exists()
    assert anonymous_client.get(reverse("submissions:mine")).status_code == 200


def test_signup_requires_email(anonymous_client):
    response = anonymous_client.post(reverse("accounts:signup"), {
        "username": "newcomer", "password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase",
    })
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_login_and_logout(anonymous_client, owner):
    response = anonymous_client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert anonymous_client.get(reverse("submissions:mine")).status_code == 200
    anonymous_client.post(reverse("accounts:logout"))
    assert anonymous_client.get(reverse("submissions:mine")).status_code == 302


def test_password_reset_round_trip(anonymous_client, owner):
    anonymous_client.post(reverse("accounts:password_reset"), {"email": "owner@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = anonymous_client.get(link, follow=True)
    response = anonymous_client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase",
    })
    owner.refresh_from_db()
    assert response.status_code == 302
    assert owner.check_password("another-long-passphrase")


def test_password_reset_unknown_address_sends_nothing(anonymous_client):
    response = anonymous_client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
