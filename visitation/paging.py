"""One page of a list, from the page number in the address."""

from django.core.paginator import Page, Paginator


def page_of(paginator: Paginator, number: str | None) -> Page:
    """Paginator.get_page, except that a number below 1 gives the first page (Django gives
    the last): a number that is not a number gives the first, one past the end the last."""
    try:
        if int(number) < 1:
            return paginator.page(1)
    except (TypeError, ValueError):
        pass
    return paginator.get_page(number)
