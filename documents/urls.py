from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="document_list"),
    path("<slug:slug>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("<slug:slug>/download/", views.document_download, name="document_download"),
    path(
        "<slug:slug>/versions/<int:version_id>/download/",
        views.version_download,
        name="version_download",
    ),
]
