"""Editors' pictures resized with Pillow to the sizes the pages show.

A page asks for a `Picture`: the <img>/<source> attributes (srcset in WebP
and in JPEG or PNG, width, height, alt). The files behind the srcset are
made lazily, the first time a browser asks for one, and kept in the media
storage under a name made from the source file's name, the width and the
format. Lazy rather than on save because then there is nothing to hook into
the admin or the content loader, pictures set any way get renditions, the
sizes can change in code without a data migration, and a wiped rendition
folder simply refills. The address changes whenever the picture does, so
browsers may cache a rendition for a year.
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageOps, UnidentifiedImageError

from programme.models import Municipality, Programme

# EXIF orientations that turn the picture a quarter turn (width and height swap).
QUARTER_TURNS = {5, 6, 7, 8}
EXIF_ORIENTATION = 0x0112
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
PILLOW_FORMATS = {"webp": "WEBP", "jpg": "JPEG", "png": "PNG"}
QUALITY = 80
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class PictureSpec:
    model: type
    field: str
    # Widths in pixels to offer in srcset; the layout shows the picture at
    # display_width CSS pixels, so the larger ones serve sharp screens.
    widths: tuple
    display_width: int
    sizes: str


SPECS = {
    "programme": PictureSpec(
        Programme, "image", (360, 720, 1080, 1440), 720, "(min-width: 48rem) 720px, 100vw"
    ),
    "coat-of-arms": PictureSpec(Municipality, "coat_of_arms", (96, 192), 96, "96px"),
}


@dataclass(frozen=True)
class SourceInfo:
    width: int
    height: int
    has_alpha: bool


@dataclass(frozen=True)
class Picture:
    src: str
    srcset: str
    webp_srcset: str
    fallback_type: str
    sizes: str
    width: int
    height: int
    alt: str


def fingerprint(field_file):
    """Changes whenever the editor uploads another picture (a new stored name)."""
    return hashlib.sha256(field_file.name.encode()).hexdigest()[:16]


def read_source_info(field_file):
    with field_file.storage.open(field_file.name, "rb") as handle, Image.open(handle) as image:
        width, height = image.size
        if image.getexif().get(EXIF_ORIENTATION) in QUARTER_TURNS:
            width, height = height, width
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        return SourceInfo(width, height, has_alpha)


def source_info(field_file):
    """Size and transparency of the uploaded picture, or None if it cannot be read.

    Cached, so that showing a page does not open the file (a network round
    trip on object storage) every time.
    """
    key = f"picture-source:{fingerprint(field_file)}"
    info = cache.get(key)
    if info is None:
        try:
            info = read_source_info(field_file)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError):
            info = UNREADABLE
        cache.set(key, info, timeout=None)
    return None if info == UNREADABLE else info


def rendition_widths(spec, source):
    """The spec's widths up to the source's own; pictures are never enlarged."""
    widths = [width for width in spec.widths if width < source.width]
    largest = min(source.width, spec.widths[-1])
    return widths if largest in widths else [*widths, largest]


def fallback_format(source):
    return "png" if source.has_alpha else "jpg"


def height_for(source, width):
    return max(round(source.height * width / source.width), 1)


def rendition_url(kind, slug, field_file, width, ext):
    return reverse(
        "image_rendition",
        kwargs={
            "kind": kind,
            "slug": slug,
            "fingerprint": fingerprint(field_file),
            "width": width,
            "ext": ext,
        },
    )


def picture_for(kind, obj, alt):
    """The Picture for obj's image in the layout `kind`, or None without a usable image."""
    spec = SPECS[kind]
    field_file = getattr(obj, spec.field)
    if not field_file:
        return None
    source = source_info(field_file)
    if source is None:
        return None
    widths = rendition_widths(spec, source)
    fallback = fallback_format(source)

    def srcset(ext):
        return ", ".join(
            f"{rendition_url(kind, obj.slug, field_file, width, ext)} {width}w" for width in widths
        )

    width = min(spec.display_width, source.width)
    return Picture(
        src=rendition_url(kind, obj.slug, field_file, widths[-1], fallback),
        srcset=srcset(fallback),
        webp_srcset=srcset("webp"),
        fallback_type=CONTENT_TYPES[fallback],
        sizes=spec.sizes,
        width=width,
        height=height_for(source, width),
        alt=alt,
    )


def render_rendition(field_file, source, width, ext):
    """Resize the source to `width` in the format `ext`; metadata (GPS and so on) is dropped."""
    with field_file.storage.open(field_file.name, "rb") as handle, Image.open(handle) as image:
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGBA" if source.has_alpha else "RGB")
        image = image.resize((width, height_for(source, width)), Image.Resampling.LANCZOS)
        output = io.BytesIO()
        options = {"optimize": True} if ext == "png" else {"quality": QUALITY}
        image.save(output, PILLOW_FORMATS[ext], **options)
        return output.getvalue()


def rendition_name(kind, field_file, width, ext):
    return f"renditions/{kind}/{fingerprint(field_file)}-{width}.{ext}"


def rendition_file(kind, obj, requested_fingerprint, width, ext):
    """The stored rendition's name, made now if need be; None if the request is not one we offer."""
    spec = SPECS[kind]
    field_file = getattr(obj, spec.field)
    if not field_file or fingerprint(field_file) != requested_fingerprint:
        return None
    source = source_info(field_file)
    if source is None or width not in rendition_widths(spec, source):
        return None
    if ext not in ("webp", fallback_format(source)):
        return None
    name = rendition_name(kind, field_file, width, ext)
    if not default_storage.exists(name):
        saved = default_storage.save(
            name, ContentFile(render_rendition(field_file, source, width, ext))
        )
        if saved != name:
            # Another server made the same file a moment earlier; keep theirs.
            default_storage.delete(saved)
    return name
