"""The admin pages an editor opens, found from the admin's registry.

Used by the admin's query-budget and accessibility tests:
the index, each list (plain, searched and with each filter's first choice),
each add form, and the change form and History page of the heaviest object
of each model (the one with the most related rows its form shows).
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count
from django.test import RequestFactory
from django.urls import reverse

# What makes an object heavy in its change form: the related rows it shows.
HEAVIEST_BY = {
    "programme.programme": ["phases", "grants", "municipalities"],
    "documents.document": ["versions"],
}


def heaviest(model):
    related = HEAVIEST_BY.get(model._meta.label_lower)
    rows = model._base_manager.all()
    if related:
        rows = rows.annotate(weight=sum((Count(name, distinct=True) for name in related), 0))
        return rows.order_by("-weight", "-pk").first()
    return rows.order_by("-pk").first()


def filter_queries(model_admin, user):
    """The query string of each list filter's first real choice."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    assert isinstance(changelist, ChangeList)
    for spec in changelist.filter_specs:
        choices = [choice for choice in spec.choices(changelist) if not choice["selected"]]
        if choices:
            yield choices[0]["query_string"]


def addresses(user):
    """Label -> address of every admin page the walk measures, for the current content."""
    found = {"index": reverse("admin:index")}
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if not model_admin.has_view_permission(_request(user)):
            continue
        info = f"{opts.app_label}_{opts.model_name}"
        changelist = reverse(f"admin:{info}_changelist")
        found[f"{info} list"] = changelist
        if model_admin.search_fields:
            found[f"{info} search"] = f"{changelist}?q=fase"
        for number, query in enumerate(filter_queries(model_admin, user)):
            found[f"{info} filter {number}"] = changelist + query
        if model_admin.has_add_permission(_request(user)):
            found[f"{info} add"] = reverse(f"admin:{info}_add")
        obj = heaviest(model)
        if obj is not None:
            found[f"{info} change"] = reverse(f"admin:{info}_change", args=[obj.pk])
            found[f"{info} history"] = reverse(f"admin:{info}_history", args=[obj.pk])
    return found


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request
