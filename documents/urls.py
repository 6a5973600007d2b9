from django.urls import path

from . import views
from .feeds import NewDocumentsFeed

app_name = "documents"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="document_list"),
    # Not "feed/": that could be a document's slug.
    path("feed.atom", NewDocumentsFeed(), name="feed"),
    path("<slug:slug>/", views.DocumentDetailView.as_view(), name="document_detail"),
    # The stable address: always the current published version (?inline to view a PDF).
    path("<slug:slug>/download/", views.document_download, name="document_download"),
    # Each version's own address, for as long as that version is published.
    path(
        "<slug:slug>/versions/<int:version_id>/download/",
        views.version_download,
        name="version_download",
    ),
]
