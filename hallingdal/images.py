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

Making one is the only costly thing here, so it is kept within bounds:

- Pictures above IMAGE_MAX_PIXELS are never decoded (uploads above it are
  refused by programme.validators, older rows simply show no picture).
- A JPEG is decoded at the smallest of 1/2, 1/4 or 1/8 scale that still has
  twice the pixels the rendition needs, and every picture is shrunk by whole
  factors before the final resampling, so a 360 px rendition of a camera
  photo costs a fraction of decoding it at full size.
- Each size is made once: a lock in the cache (shared by every server with
  Redis) lets one request decode while parallel first requests wait for its
  file, or answer 503 with Retry-After if it takes too long. Without a
  working cache they decode in parallel, which is slower but still works.
- A file being written is never served: readers wait while the lock is held,
  and a failed write is deleted before the lock is released.
"""

import hashlib
import io
import logging
import time
import uuid
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageOps, UnidentifiedImageError

from programme.models import Municipality, Programme
from programme.validators import image_max_pixels

logger = logging.getLogger(__name__)

# EXIF orientations that turn the picture a quarter turn (width and height swap).
QUARTER_TURNS = {5, 6, 7, 8}
EXIF_ORIENTATION = 0x0112
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
PILLOW_FORMATS = {"webp": "WEBP", "jpg": "JPEG", "png": "PNG"}
QUALITY = 80
UNREADABLE = "unreadable"
# A picture that could not be read for a passing reason (the storage did
# not answer) is tried again after this many seconds.
SOURCE_RETRY_SECONDS = 60
# Decode and shrink by whole factors down to this many times the final size,
# then resample; twice is where Pillow's docs find no visible difference.
REDUCING_GAP = 2.0
# Longer than making any rendition takes, so the lock outlives its work; if
# the worker holding it dies, others take over after this long.
RENDITION_LOCK_SECONDS = 30
# How long a request waits for a rendition another request is making before
# it answers 503 (a sync worker is tied up meanwhile, so keep it short).
RENDITION_WAIT_SECONDS = 5
RENDITION_RETRY_AFTER_SECONDS = 5
# What a storage raises when it cannot answer: OSError from a folder,
# botocore's errors from a bucket.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


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

    @property
    def pixels(self):
        return self.width * self.height


class RenditionBusy(Exception):
    """Another request is making this rendition and it was not ready in time."""


class PictureTooLarge(Exception):
    """The picture has more pixels than IMAGE_MAX_PIXELS; it is not decoded."""


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


def is_turned(image):
    """Whether the header's EXIF orientation turns the picture a quarter turn.

    Asks the generic Image.getexif(), which reads what opening the file
    found: PNG's own version decodes the whole picture to look for an eXIf
    chunk after the pixels, where the PNG specification does not allow it.
    """
    return Image.Image.getexif(image).get(EXIF_ORIENTATION) in QUARTER_TURNS


def read_source_info(field_file):
    with field_file.storage.open(field_file.name, "rb") as handle, Image.open(handle) as image:
        width, height = image.size
        if is_turned(image):
            width, height = height, width
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        return SourceInfo(width, height, has_alpha)


def source_info(field_file):
    """Size and transparency of the uploaded picture, or None if it cannot be used.

    Cached, so that showing a page does not open the file (a network round
    trip on object storage) every time. A file Pillow cannot identify, or
    one it calls a decompression bomb, is remembered as unreadable until the
    picture changes (the key names the file); a read that failed for another
    reason (the storage did not answer) is tried again in a minute. Pictures
    above IMAGE_MAX_PIXELS are not offered.
    """
    key = f"picture-source:{fingerprint(field_file)}"
    info = cache_get(key)
    if info is None:
        timeout = None
        try:
            info = read_source_info(field_file)
        except (UnidentifiedImageError, Image.DecompressionBombError):
            info = UNREADABLE
        except (*STORAGE_ERRORS, ValueError, SyntaxError):
            logger.warning("Could not read picture %s; trying again later", field_file.name)
            info, timeout = UNREADABLE, SOURCE_RETRY_SECONDS
        cache_set(key, info, timeout)
    if info == UNREADABLE:
        return None
    if info.pixels > image_max_pixels():
        logger.warning(
            "Picture %s has %s pixels, more than IMAGE_MAX_PIXELS; not shown",
            field_file.name,
            info.pixels,
        )
        return None
    return info


def cache_get(key, default=None):
    # The cache is a help, never a requirement: when it does not answer
    # (Redis down), carry on as if the key were missing.
    try:
        return cache.get(key, default)
    except Exception as error:
        logger.warning("Cache unavailable for %s: %s", key, error)
        return default


def cache_set(key, value, timeout):
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as error:
        logger.warning("Cache unavailable for %s: %s", key, error)


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


def decode_picture(image, size):
    """Decode image with at least `size` pixels: JPEGs at a reduced scale where possible."""
    image.draft(None, size)
    image.load()
    return image


def render_rendition(field_file, source, width, ext):
    """Resize the source to `width` in the format `ext`; metadata (GPS and so on) is dropped."""
    height = height_for(source, width)
    mode = "RGBA" if source.has_alpha else "RGB"
    with field_file.storage.open(field_file.name, "rb") as handle, Image.open(handle) as image:
        # Checked on the file itself too: the cached size may predate a lower limit.
        if image.width * image.height > image_max_pixels():
            raise PictureTooLarge(field_file.name)
        # Sizes until the last step are in the stored orientation.
        stored_size = (height, width) if is_turned(image) else (width, height)
        decode_picture(image, tuple(round(side * REDUCING_GAP) for side in stored_size))
        picture = image if image.mode == mode else image.convert(mode)
        picture = picture.resize(stored_size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        # Turned last, on the small picture (it keeps the source's EXIF).
        picture = ImageOps.exif_transpose(picture)
        output = io.BytesIO()
        options = {"optimize": True} if ext == "png" else {"quality": QUALITY}
        picture.save(output, PILLOW_FORMATS[ext], **options)
        return output.getvalue()


def rendition_name(kind, field_file, width, ext):
    return f"renditions/{kind}/{fingerprint(field_file)}-{width}.{ext}"


def rendition_file(kind, obj, requested_fingerprint, width, ext):
    """The stored rendition's name, made now if need be; None if the request is not one we offer.

    Raises RenditionBusy when another request is making it and it is not
    ready within RENDITION_WAIT_SECONDS, and one of STORAGE_ERRORS when the
    storage fails.
    """
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
    try:
        stored_once(name, lambda: render_rendition(field_file, source, width, ext))
    except PictureTooLarge:
        return None
    return name


def stored_once(name, render):
    """Store render()'s bytes under name unless there already, rendering once across servers.

    The first request takes a lock in the cache and renders; parallel ones
    wait for the file. A file is served only when no lock is held, since a
    storage may show a file while it is still being written.
    """
    lock = f"picture-rendition-lock:{name}"
    deadline = time.monotonic() + RENDITION_WAIT_SECONDS
    pause = 0.02
    while True:
        if default_storage.exists(name) and not lock_is_held(lock):
            return
        token = lock_acquire(lock)
        if token:
            try:
                if not default_storage.exists(name):
                    store(name, render())
            finally:
                lock_release(lock, token)
            return
        if time.monotonic() >= deadline:
            raise RenditionBusy(name)
        logger.debug("Waiting for %s, being made by another request", name)
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def store(name, content):
    """Save content under name in one go; nothing half-written stays if that fails."""
    try:
        saved = default_storage.save(name, ContentFile(content))
    except BaseException:
        # A file system storage writes in place, so an error (or a worker
        # stopped) part-way leaves the start of the file under its name.
        try:
            default_storage.delete(name)
        except STORAGE_ERRORS:
            logger.exception("Could not delete the partial rendition %s", name)
        raise
    if saved != name:
        # Another server made the same file a moment earlier; keep theirs.
        default_storage.delete(saved)
    logger.info("Made rendition %s", name)


def lock_acquire(key):
    """A token if this request may make the rendition now, else None.

    Fails open: with the cache down every request renders for itself.
    """
    token = uuid.uuid4().hex
    try:
        return token if cache.add(key, token, timeout=RENDITION_LOCK_SECONDS) else None
    except Exception as error:
        logger.warning("Cache unavailable, so no lock for %s: %s", key, error)
        return token


def lock_is_held(key):
    return cache_get(key) is not None


def lock_release(key, token):
    # Compare, then delete: not atomic, but the lock outlives any rendering
    # by far, so it is still ours unless the cache lost it.
    try:
        if cache.get(key) == token:
            cache.delete(key)
    except Exception as error:
        logger.warning("Cache unavailable, so lock %s expires by itself: %s", key, error)
