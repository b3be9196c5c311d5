"""The visitor's network address behind 0, 1 or 2 trusted proxies, as the per-address
limits see it."""

import pytest
from django.test import RequestFactory

from visitation.addresses import client_address


def request(forwarded=None):
    extra = {"REMOTE_ADDR": "10.0.0.5"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "seen"),
    [
        (0, "198.51.100.9", "10.0.0.5"),  # no proxy trusted: the header is the client's own
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "1.2.3.4, 198.51.100.9", "198.51.100.9"),  # a made-up entry first is skipped
        (2, "1.2.3.4, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (1, None, "10.0.0.5"),  # a request that did not come through the proxy
        (2, "198.51.100.9", "10.0.0.5"),  # fewer hops than proxies: not trusted
    ],
)
def test_the_address_counted(settings, proxies, forwarded, seen):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request(forwarded)) == seen


def test_wrong_passwords_are_counted_by_the_same_address(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(request("198.51.100.9")) == "198.51.100.9"
