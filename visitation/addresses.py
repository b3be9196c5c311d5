"""The network address a request came from, for the limits that count per address (wrong
passwords with django-axes, new accounts per hour)."""

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or, behind settings.TRUSTED_PROXY_COUNT proxies that each append the
    address they saw to X-Forwarded-For, the address the outermost of them saw. Entries
    further left were written by the client and are not trusted."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-count] if len(hops) >= count else remote
