"""Checking and re-encoding identity photos.

A photo is accepted by its content, never its name: Pillow must recognise it as JPEG, PNG
or WebP from the header. Its dimensions are read from the header before any pixel is
decoded, so a decompression bomb is refused at once. What is stored is a fresh JPEG made
from the decoded pixels: EXIF (GPS included) and anything appended to the file are gone.
"""

import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from visitation.errors import DomainError

# The only readers Pillow may use. The JPEG reader also opens MPO, the JPEG with extra
# preview frames many phone cameras write; its first frame is the picture.
ALLOWED_FORMATS = ["JPEG", "PNG", "WEBP"]
MAX_PIXELS = 40_000_000
MIN_LONG_SIDE = 640
MIN_SHORT_SIDE = 480
STORED_MAX_SIDE = 2400


def photo_clean(uploaded, *, field: str) -> ContentFile:
    """Return a safe JPEG copy of an uploaded photo, or raise DomainError saying why not,
    on the form field named `field`."""
    if uploaded.size > settings.IDENTITY_UPLOAD_MAX_BYTES:
        raise DomainError(
            _("This file is larger than 10 MB. Please upload a smaller photo."), field=field
        )
    uploaded.seek(0)
    too_large = _("This photo is too large (over 40 megapixels). Please upload a smaller photo.")
    unreadable = _("This file is not a photo we can read. Please upload a JPEG, PNG or WebP photo.")
    try:
        image = Image.open(uploaded, formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise DomainError(too_large, field=field) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise DomainError(unreadable, field=field) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise DomainError(too_large, field=field)
    if max(width, height) < MIN_LONG_SIDE or min(width, height) < MIN_SHORT_SIDE:
        raise DomainError(
            _(
                "This photo is too small to read (%(width)s x %(height)s pixels). "
                "Please upload a photo of at least 640 x 480 pixels."
            )
            % {"width": width, "height": height},
            field=field,
        )
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
        image.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=88, optimize=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise DomainError(
            _("This photo is damaged or incomplete. Please take it again and upload it."),
            field=field,
        ) from None
    return ContentFile(out.getvalue(), name=f"{secrets.token_urlsafe(24)}.jpg")
