"""Drafts, publication, scheduling and history of the content visitors see.

Programme, Phase, Municipality, Grant and Document work alike:

- A row's own fields are what visitors see while it is published (and within
  its publish_at/unpublish_at window, which the `.published()` querysets
  check when they run). An unpublished row is its own draft: editing it
  changes nothing visitors see.
- Changes to a published row can be kept as a *draft* instead: a version in
  the object's history, pointed to by a `Draft`. The row, and so every
  public page, stays as it was until the draft is published (now, or at its
  `go_live_at` minute) or discarded.
- Every save, draft, publication, unpublication, deletion and restore is a
  revision in django-reversion with who, when and what (`HistoryEntry`),
  with the fields of every language, so any two versions can be compared
  and any one restored as a draft.

Scheduled changes need no job for correctness: windows are checked at query
time, and a draft due to go live is published by the first request at or
after its minute (`ScheduledChangesMiddleware`, before any page is read or
served from the cache), or by `manage.py publish_scheduled`.
"""

import logging
import time
from contextlib import contextmanager

import reversion
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, router, transaction
from django.db.models import Subquery
from django.db.models.deletion import Collector
from django.utils import timezone
from modeltranslation.translator import translator
from reversion.models import Version

from .models import Action, Draft, HistoryEntry, PageGeneration

logger = logging.getLogger(__name__)

PUBLISHABLE = (
    "programme.Programme",
    "programme.Phase",
    "programme.Municipality",
    "programme.Grant",
    "documents.Document",
)
# Kept in every version, but never carried from a draft to the live row:
# when it was made, and whether and when it is published, belong to the row.
NOT_FROM_DRAFTS = {"id", "created_at", "updated_at", "is_published", "publish_at", "unpublish_at"}


def publishable_models():
    return [apps.get_model(label) for label in PUBLISHABLE]


def is_publishable(model):
    return model._meta.label in PUBLISHABLE


def register_history():
    """Keep versions of the publishable models, with each language's own fields.

    Called from the site app's ready(), after modeltranslation has added the
    _nn, _nb and _en fields; the original field of a translated text is left
    out, since it only stands for the active language's one.
    """
    for model in publishable_models():
        if reversion.is_registered(model):
            continue
        translated = translator.get_options_for_model(model).fields
        reversion.register(model, exclude=tuple(translated))


# --- History -------------------------------------------------------------------------------------


@contextmanager
def revision(*, user, action, comment=""):
    """Record what happens inside as one revision in the history (the caller adds objects)."""
    with transaction.atomic(), reversion.create_revision(manage_manually=True):
        reversion.set_user(user if user and user.is_authenticated else None)
        reversion.set_comment(comment)
        reversion.add_meta(HistoryEntry, action=action)
        yield


def related_rows(model, m2m):
    """{field name: queryset} for many-to-many values given as objects or ids."""
    return {
        name: model._meta.get_field(name).related_model._base_manager.filter(
            pk__in=[getattr(item, "pk", item) for item in related]
        )
        for name, related in (m2m or {}).items()
    }


def record(obj, *, user, action, comment="", m2m=None):
    """Add `obj` as it is in memory to the history; `m2m` overrides related rows by field name.

    The serializer reads many-to-many values from the prefetch cache when there
    is one, so an unsaved change of them is recorded as the editor made it.
    """
    if m2m:
        cache = getattr(obj, "_prefetched_objects_cache", {})
        cache.update(related_rows(type(obj), m2m))
        obj._prefetched_objects_cache = cache
    with revision(user=user, action=action, comment=comment):
        reversion.add_to_revision(obj)
    if m2m:
        for name in m2m:
            obj._prefetched_objects_cache.pop(name, None)
    return Version.objects.get_for_object(obj).select_related("revision").first()


def history(obj):
    """The object's versions, newest first, with who, when and what."""
    return (
        Version.objects.get_for_object(obj)
        .select_related("revision__user", "revision__history_entry")
        .order_by("-revision__date_created", "-pk")
    )


# --- Drafts --------------------------------------------------------------------------------------


def draft_of(obj):
    content_type = ContentType.objects.get_for_model(obj)
    return (
        Draft.objects.filter(content_type=content_type, object_id=obj.pk)
        .select_related("version", "updated_by")
        .first()
    )


def draft_save(*, obj, user, m2m=None, go_live_at=None):
    """Keep `obj`'s changes (made in memory, not saved) as the object's draft.

    The live row is not touched, so visitors see nothing of it. With
    `go_live_at`, the draft is published at that minute.
    """
    with transaction.atomic():
        keep_live_row_in_history(obj)
        action = Action.SCHEDULED if go_live_at else Action.DRAFT_SAVED
        version = record(obj, user=user, action=action, m2m=m2m)
        content_type = ContentType.objects.get_for_model(obj)
        draft, created = Draft.objects.get_or_create(
            content_type=content_type,
            object_id=obj.pk,
            defaults={"version": version, "go_live_at": go_live_at, "updated_by": user},
        )
        if not created:
            draft.version = version
            draft.go_live_at = go_live_at
            draft.updated_by = user
            draft.save()
        schedule_changed()
    return draft


def keep_live_row_in_history(obj):
    """Record the live row before its first draft, if nothing of it is in the history yet.

    Content loaded or changed outside the admin has no version; without one,
    the published text could not be compared with the draft or restored.
    Who wrote it is not known, so the version names nobody.
    """
    if not Version.objects.get_for_object(obj).exists():
        live = type(obj)._base_manager.get(pk=obj.pk)
        record(live, user=None, action=Action.SAVED)


def draft_values(draft):
    """The draft's field values by attribute name, and its many-to-many ids by field name."""
    values, m2m = {}, {}
    model = draft.content_type.model_class()
    for name, value in draft.version.field_dict.items():
        field = model._meta.get_field(name) if name not in {"id"} else None
        if isinstance(field, models.ManyToManyField):
            m2m[name] = value
        elif name not in NOT_FROM_DRAFTS:
            values[name] = value
    return values, m2m


def apply_draft(obj, draft):
    """Put the draft's values on `obj` in memory; return its many-to-many ids by field name."""
    values, m2m = draft_values(draft)
    for name, value in values.items():
        setattr(obj, name, value)
    return m2m


def draft_publish(*, draft, user, action=Action.PUBLISHED):
    """Make a draft live: its values go to the row, which visitors see at once."""
    model = draft.content_type.model_class()
    with transaction.atomic():
        obj = model._base_manager.select_for_update().get(pk=draft.object_id)
        m2m = apply_draft(obj, draft)
        obj.save()
        for name, ids in m2m.items():
            getattr(obj, name).set(ids)
        draft.delete()
        record(obj, user=user, action=action)
        schedule_changed()
    return obj


def draft_discard(*, draft, user):
    """Forget a draft; the history keeps it, marked as discarded."""
    model = draft.content_type.model_class()
    with transaction.atomic():
        obj = model._base_manager.get(pk=draft.object_id)
        draft.delete()
        record(obj, user=user, action=Action.DRAFT_DISCARDED)
        schedule_changed()


# --- Publication of the row itself ---------------------------------------------------------------


def object_save(*, obj, user, m2m=None, action=Action.SAVED):
    """Save the row as it stands (an unpublished row, or a change published at once)."""
    with transaction.atomic():
        obj.save()
        for name, ids in (m2m or {}).items():
            getattr(obj, name).set(ids)
        record(obj, user=user, action=action)
    return obj


def object_publish(*, obj, user, m2m=None):
    """Publish the row with its current values (scheduled, if it has a future publish_at)."""
    obj.is_published = True
    action = Action.SCHEDULED if obj.publish_at and obj.publish_at > timezone.now() else None
    with transaction.atomic():
        draft = draft_of(obj)
        if draft is not None:
            draft.delete()
        object_save(obj=obj, user=user, m2m=m2m, action=action or Action.PUBLISHED)
        schedule_changed()
    return obj


def object_unpublish(*, obj, user):
    obj.is_published = False
    with transaction.atomic():
        object_save(obj=obj, user=user, action=Action.UNPUBLISHED)
        schedule_changed()
    return obj


def object_delete(*, obj, user, delete):
    """Record the object as it was, then delete it with `delete()` (the admin's, a service's).

    Rows the deletion takes with it (a programme's phases and grants, a
    document's versions) are recorded in the same revision, so the publishable
    ones can be recovered too.
    """
    with transaction.atomic():
        draft = draft_of(obj)
        if draft is not None:
            draft.delete()
        with revision(user=user, action=Action.DELETED):
            for row in [obj, *cascaded_publishable(obj)]:
                reversion.add_to_revision(row)
        delete()
        schedule_changed()


def cascaded_publishable(obj):
    """The publishable rows that deleting `obj` deletes with it."""
    collector = Collector(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    return [
        row
        for model, rows in collector.data.items()
        if is_publishable(model)
        for row in rows
        if row is not obj and not (model is type(obj) and row.pk == obj.pk)
    ]


# --- Restoring -----------------------------------------------------------------------------------


def version_restore(*, version, user):
    """Make an earlier version the object's draft, to check, compare and publish.

    An unpublished object gets the values straight away, since visitors see
    nothing of it either way.
    """
    model = version.content_type.model_class()
    obj = model._base_manager.get(pk=version.object_id)
    fake_draft = Draft(content_type=version.content_type, object_id=obj.pk, version=version)
    m2m = apply_draft(obj, fake_draft)
    if not obj.is_published:
        return object_save(obj=obj, user=user, m2m=m2m, action=Action.RESTORED)
    draft_save(obj=obj, user=user, m2m=m2m)
    # The draft's version says "restored" rather than "draft saved".
    HistoryEntry.objects.filter(revision=draft_of(obj).version.revision).update(
        action=Action.RESTORED
    )
    return obj


def deleted_versions(model):
    """The last version of each deleted object of `model`, newest deletion first."""
    return Version.objects.get_deleted(model).select_related("revision__user")


def version_recover(*, version, user):
    """Bring a deleted object back as it was, unpublished, for an editor to check and publish."""
    with transaction.atomic():
        version.revert()
        model = version.content_type.model_class()
        obj = model._base_manager.get(pk=version.object_id)
        obj.is_published = False
        object_save(obj=obj, user=user, action=Action.RECOVERED)
        schedule_changed()
    return obj


# --- Scheduling ----------------------------------------------------------------------------------


def next_scheduled_change(now=None):
    """The next moment at which what visitors see changes by itself, or None.

    The earliest future publish_at of a published row, unpublish_at of any
    row, or go_live_at of a draft: one query, its subqueries read by index.
    """
    now = now or timezone.now()
    sources = []
    for model in publishable_models():
        rows = model._base_manager
        sources.append(rows.filter(is_published=True, publish_at__gt=now).values("publish_at"))
        sources.append(rows.filter(unpublish_at__gt=now).values("unpublish_at"))
    sources.append(Draft.objects.filter(go_live_at__gt=now).values("go_live_at"))
    moments = {
        f"moment_{index}": Subquery(source.order_by(*source.query.values_select)[:1])
        for index, source in enumerate(sources)
    }
    # Any one-row query carries the subqueries; the generation's row always exists
    # once content has changed, and without any change nothing is scheduled.
    found = PageGeneration.objects.annotate(**moments).values(*moments).first()
    candidates = [moment for moment in (found or {}).values() if moment is not None]
    return min(candidates) if candidates else None


def schedule_changed():
    """Something scheduled may have changed: count it, so every process learns the new time."""
    from .cache import pages_changed

    pages_changed()


def due_drafts(now=None):
    now = now or timezone.now()
    return Draft.objects.filter(go_live_at__lte=now).select_related("version", "updated_by")


def apply_due_changes(now=None):
    """Publish every draft whose minute has come; return how many were published.

    Safe to run from several processes at once: each draft is taken under a
    row lock (skipped if another process has it) and published once.
    """
    now = now or timezone.now()
    published = 0
    for draft_id in due_drafts(now).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                draft = (
                    Draft.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("version", "updated_by")
                    .filter(pk=draft_id, go_live_at__lte=now)
                    .first()
                )
                if draft is None:
                    continue
                draft_publish(
                    draft=draft, user=draft.updated_by, action=Action.PUBLISHED_ON_SCHEDULE
                )
                published += 1
        except DatabaseError:
            # A draft that no longer fits (a slug taken meanwhile, say) stays
            # a draft; the admin's overview lists it. Pages go on.
            logger.exception("Could not publish the scheduled draft %s", draft_id)
    # Windows that opened or closed need no write, but the page cache must
    # learn the next moment; counting a change does that.
    schedule_changed()
    return published


class ScheduledChangesMiddleware:
    """Publish drafts whose minute has come before the request reads anything.

    Costs a comparison per request: the next scheduled change is known to the
    process (hallingdal/cache.py). Sits above the page cache, so a due change
    is made before a page could be served from the cache. A failure (the
    database refusing a write, say) is logged and tried again a little later;
    the page is still served, and visitors keep seeing what they saw.
    """

    RETRY_SECONDS = 10

    def __init__(self, get_response):
        self.get_response = get_response
        self.retry_at = 0.0

    def __call__(self, request):
        from .cache import generation

        if generation.is_due() and time.monotonic() >= self.retry_at:
            try:
                apply_due_changes()
            except DatabaseError:
                logger.exception("Could not apply the scheduled changes; trying again later")
                self.retry_at = time.monotonic() + self.RETRY_SECONDS
        return self.get_response(request)
