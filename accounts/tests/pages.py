"""Read a response the way a person would: its visible text, its error summary, the error
under one field."""

import html
import re


def _visible(markup: str) -> str:
    markup = re.sub(r"<(script|style|head)\b.*?</\1>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def text_of(response) -> str:
    return _visible(response.content.decode())


def error_summary(response) -> str:
    """The text of the box at the top of an invalid form, or "" if there is none."""
    match = re.search(
        r'<div class="usa-alert usa-alert--error"[^>]*id="error-summary">(.*?)</ul>',
        response.content.decode(),
        flags=re.S,
    )
    return _visible(match.group(1)) if match else ""


def error_summary_links(response) -> list[str]:
    """Where each line of the error summary takes the reader."""
    match = re.search(r'id="error-summary">(.*?)</ul>', response.content.decode(), flags=re.S)
    return re.findall(r'<a href="#([^"]+)"', match.group(1)) if match else []


def field_error(response, name: str) -> str:
    """The error shown next to the form field `name`, or ""."""
    match = re.search(
        rf'<span class="usa-error-message" id="id_{name}_error">(.*?)</span>',
        response.content.decode(),
        flags=re.S,
    )
    return _visible(match.group(1)) if match else ""
