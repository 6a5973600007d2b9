"""Old addresses keep working: a renamed page redirects from every address it had.

When the slug of a published programme, municipality or document changes,
its old address is kept as a `Redirect` to the object, not to an address, so
it always leads to where the object is now: a page renamed A -> B -> C sends
A straight to C, and a page that takes back an old slug just loses that
redirect. The redirect covers the addresses below the old one too (a
programme's phases, a document's downloads) and every language prefix.

Which pages: every model of the content apps whose page address is made from
its `slug` and that has a `published()` queryset (`redirected_models()`).
The content apps know nothing of this; the site app's ready() calls
`connect_redirects()`, which

- connects pre_save, post_save and post_delete receivers to those models.
  They see every save, through the admin, a service, a command or the shell;
  writes that send no signals (QuerySet.update(), bulk_create()) leave no
  redirect behind.
- refuses an address that an old page redirects from, in the slug field's
  validation (so the admin shows the message at the field) and again before
  every save (so a script cannot quietly take the address over).

`RedirectMiddleware` answers 404s only, so pages that are found never pay for
it; see its docstring for where it sits and what it answers.
"""

import functools
import logging
from urllib.parse import unquote

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, get_script_prefix, is_valid_path
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.encoding import escape_uri_path, iri_to_uri
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from .cache import CONTENT_APPS, content_changed
from .models import Redirect

logger = logging.getLogger(__name__)

# A slug no real page has, to learn how a model's addresses are made.
SAMPLE_SLUG = "address-sample"


# --- Addresses --------------------------------------------------------------------------------


@functools.cache
def redirected_models():
    """The content models whose page lives at an address made from their slug."""
    return tuple(
        model
        for app_label in CONTENT_APPS
        for model in apps.get_app_config(app_label).get_models()
        if any(field.name == "slug" for field in model._meta.get_fields())
        and hasattr(model._default_manager, "published")
        and hasattr(model, "get_absolute_url")
    )


def split_language(path):
    """("en", "/programmes/a/") for "/en/programmes/a/"; (None, path) without a prefix."""
    first, slash, rest = path[1:].partition("/")
    if slash and first in {code for code, _name in settings.LANGUAGES}:
        return first, f"/{rest}"
    return None, path


def address_of(obj):
    """The object's address without the language prefix, or None if its slug makes none."""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            url = obj.get_absolute_url()
    except NoReverseMatch:
        # A slug the address pattern refuses; the slug's own validation says so.
        return None
    path = "/" + unquote(url).removeprefix(get_script_prefix())
    return split_language(path)[1]


@functools.cache
def address_pattern(model):
    """The parts of the model's addresses before and after the slug."""
    before, _sample, after = address_of(model(slug=SAMPLE_SLUG)).partition(SAMPLE_SLUG)
    return before, after


def page_at(path, *, published_only):
    """The object whose current address is `path`, or None."""
    for model in redirected_models():
        before, after = address_pattern(model)
        slug = path.removeprefix(before).removesuffix(after)
        if len(path) == len(before) + len(slug) + len(after) and slug and "/" not in slug:
            manager = model._default_manager
            return (manager.published() if published_only else manager).filter(slug=slug).first()
    return None


def leads_to(redirect, obj):
    content_type = ContentType.objects.get_for_model(obj)
    return redirect.content_type_id == content_type.pk and redirect.object_id == obj.pk


def renamed_from(model, slug):
    """The object of `model` that had `slug` before it was renamed, or None."""
    redirect = (
        Redirect.objects.filter(
            old_path=address_of(model(slug=slug)),
            content_type=ContentType.objects.get_for_model(model),
        )
        .select_related("content_type")
        .first()
    )
    return redirect.target if redirect is not None else None


# --- Refusing an address an old page redirects from -----------------------------------------


def redirect_in_the_way(obj):
    """The redirect to another object from the address `obj` would have, or None."""
    path = address_of(obj)
    if path is None:
        return None
    redirect = Redirect.objects.filter(old_path=path).select_related("content_type").first()
    if redirect is None or leads_to(redirect, obj):
        # Free, or the object's own old address, which it may take back.
        return None
    return redirect


def address_taken_error(redirect):
    model = redirect.content_type.model_class()
    target = redirect.target
    return ValidationError(
        _(
            "The address %(address)s is taken: it redirects to “%(page)s” (%(kind)s), which "
            "had it before. Choose another slug, or delete the redirect under %(place)s if "
            "the old address should no longer lead there."
        ),
        code="redirected_address",
        params={
            "address": redirect.old_path,
            "page": target if target is not None else redirect.object_id,
            "kind": model._meta.verbose_name if model else redirect.content_type,
            # Where the admin lists redirects, in the language the message is read in.
            "place": format_lazy(
                "{} › {}",
                apps.get_app_config(Redirect._meta.app_label).verbose_name,
                capfirst(Redirect._meta.verbose_name_plural),
            ),
        },
    )


def refuse_redirected_slug(validate):
    """Wrap a slug field's validate() to refuse an address an old page redirects from.

    The field's validate() is the one hook of a model's validation that gets
    the object (to let it take back its own old slug) and that the admin
    reports at the field; it runs only when the form edits the slug.
    """
    if getattr(validate, "refuses_redirected_slugs", False):
        return validate

    @functools.wraps(validate)
    def validate_slug(value, model_instance):
        validate(value, model_instance)
        redirect = redirect_in_the_way(model_instance)
        if redirect is not None:
            raise address_taken_error(redirect)

    validate_slug.refuses_redirected_slugs = True
    return validate_slug


# --- Noticing a new slug ---------------------------------------------------------------------


def keep_old_address(sender, instance, raw=False, update_fields=None, **kwargs):
    """Before a save that changes the slug, keep the old address as a redirect.

    Made before the row is written: should the write fail outside a
    transaction, what is left is a redirect from the page's own address,
    which nobody is sent by (the page answers there), never a lost one.
    """
    instance._slug_changed = False
    if raw or (update_fields is not None and "slug" not in update_fields):
        # loaddata restores the redirects with the rows.
        return
    old = None if instance._state.adding else sender._base_manager.filter(pk=instance.pk).first()
    if old is not None and old.slug == instance.slug:
        return
    redirect = redirect_in_the_way(instance)
    if redirect is not None:
        raise address_taken_error(redirect)
    if old is None:
        return
    instance._slug_changed = True
    old_path = address_of(old)
    # Only an address visitors could reach was printed or shared.
    if old_path and sender._default_manager.published().filter(pk=old.pk).exists():
        Redirect.objects.update_or_create(
            old_path=old_path,
            defaults={
                "content_type": ContentType.objects.get_for_model(sender),
                "object_id": old.pk,
            },
        )


def drop_redirect_from_new_address(sender, instance, raw=False, **kwargs):
    """After a new slug is saved, no redirect leaves from the page's own address.

    That is the page taking back an old slug of its own (the check before the
    save refused anyone else's), and a redirect there would never be used.
    """
    if raw or not getattr(instance, "_slug_changed", False):
        return
    path = address_of(instance)
    if path:
        Redirect.objects.filter(old_path=path).delete()


def delete_redirects_of(sender, instance, **kwargs):
    """A deleted page's old addresses answer 404 like its own, and are free again."""
    Redirect.objects.filter(
        content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk
    ).delete()


def connect_redirects():
    """Keep redirects for every renamed page and refuse addresses they leave from."""
    for model in redirected_models():
        uid = f"redirects:{model._meta.label}"
        pre_save.connect(keep_old_address, sender=model, dispatch_uid=uid)
        post_save.connect(drop_redirect_from_new_address, sender=model, dispatch_uid=uid)
        post_delete.connect(delete_redirects_of, sender=model, dispatch_uid=uid)
        slug = model._meta.get_field("slug")
        slug.validate = refuse_redirected_slug(slug.validate)
    # Cached 301s must go when an editor adds, changes or deletes a redirect.
    post_save.connect(content_changed, sender=Redirect, dispatch_uid="page-cache:redirect")
    post_delete.connect(content_changed, sender=Redirect, dispatch_uid="page-cache:redirect")


# --- Answering an old address ---------------------------------------------------------------


def current_location(request):
    """Where the old address of this request leads now, or None to keep the 404."""
    language, path = split_language(request.path_info)
    # Without a prefix (an address from before the site had them), the
    # language LocaleMiddleware chose for the visitor.
    language = language or getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    field_length = Redirect._meta.get_field("old_path").max_length
    # The address itself and every address above it: a redirect from a page's
    # old address covers its phases and downloads too.
    # (Never "/" itself: that is above every address.)
    candidates = {path[: index + 1] for index, char in enumerate(path) if char == "/" and index}
    candidates.add(path)
    candidates = [candidate for candidate in candidates if len(candidate) <= field_length]
    matches = (
        Redirect.objects.filter(old_path__in=candidates).select_related("content_type").order_by()
    )
    redirect = max(matches, key=lambda match: len(match.old_path), default=None)
    if redirect is None:
        return None
    model = redirect.content_type.model_class()
    if model not in redirected_models():
        return None
    # An object that is not published answers 404 at its current address, and so here.
    target = model._default_manager.published().filter(pk=redirect.object_id).first()
    if target is None:
        return None
    below = path[len(redirect.old_path) :]
    if below and page_at(redirect.old_path, published_only=True) is not None:
        # A published page has this address now (a write that sent no signal
        # took it); the 404 is that page's own, and following the redirect
        # could lead back here.
        return None
    with translation.override(language):
        location = target.get_absolute_url() + escape_uri_path(below)
        # Only to an address below that exists for the page, not to a 404.
        if below and not is_valid_path(unquote(location).removeprefix(get_script_prefix()[:-1])):
            return None
    if location == request.path:
        return None
    query = request.META.get("QUERY_STRING", "")
    return f"{location}?{iri_to_uri(query)}" if query else location


class RedirectMiddleware:
    """Answer a 404 for a GET or HEAD of an old address with a 301 to the current one.

    Sits right below the page cache: a page found in the cache or by a view
    never reaches the lookup (a found page costs nothing), a 404 costs one
    indexed query more, and the 301 goes up through the page cache, which
    keeps it like a page (see `is_cacheable` in hallingdal/cache.py). It is
    below nothing that answers 404s for other reasons: LocaleMiddleware and
    CommonMiddleware have already turned a missing prefix or slash into
    their own redirect when it sees the response.

    An old address whose page is not published (or was deleted) keeps its
    404, the answer the page's own address gives: unpublishing is often for
    a while, and a 410 Gone would tell search engines to forget an address
    that comes back when the page does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        try:
            location = current_location(request)
        except DatabaseError:
            logger.warning("Could not look up a redirect for %s", request.path, exc_info=True)
            return response
        if location is None:
            return response
        redirect = HttpResponsePermanentRedirect(location)
        # Browsers keep a 301 without a lifetime for ever, so one from an
        # address its page later took back would send them round in a loop.
        patch_cache_control(redirect, max_age=0)
        return redirect
