from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("programmes/", views.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/<slug:slug>/", views.ProgrammeDetailView.as_view(), name="programme_detail"),
    path(
        "programmes/<slug:slug>/phases/<int:number>/",
        views.PhaseDetailView.as_view(),
        name="phase_detail",
    ),
    path("municipalities/", views.MunicipalityListView.as_view(), name="municipality_list"),
    path(
        "municipalities/<slug:slug>/",
        views.MunicipalityDetailView.as_view(),
        name="municipality_detail",
    ),
    path("funding/", views.FundingView.as_view(), name="funding"),
    path("funding/open-data/", views.open_data, name="open_data"),
    path("funding/grants.csv", views.grants_csv, name="grants_csv"),
    path("funding/grants.json", views.grants_json, name="grants_json"),
]
