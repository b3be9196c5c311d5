import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_media_server_without_failing_the_site(client, fake_janus):
    assert client.get(reverse("healthz")).json()["media_servers"] == ["ok"]
    fake_janus.down = True
    response = client.get(reverse("healthz"))
    assert response.json()["media_servers"] == ["down"]
    assert response.json()["database"] == "ok"
