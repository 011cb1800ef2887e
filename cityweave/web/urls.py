from django.contrib.auth import views as auth_views
from django.urls import path

from cityweave.web import city_pages, editing, views
from cityweave.web import imports as import_pages

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("map/", views.search_map, name="map"),
    path("cases/<slug:slug>/", views.case_detail, name="case_detail"),
    path("cases/<slug:slug>/terms/", editing.case_term_decide, name="case_term_decide"),
    path("nbs-types/<slug:slug>/", views.nbs_type_detail, name="nbs_type_detail"),
    path("instruments/<slug:slug>/", views.instrument_detail, name="instrument_detail"),
    path("library/<slug:slug>/", views.resource_detail, name="resource_detail"),
    path("library/<slug:slug>/upload/", editing.resource_upload, name="resource_upload"),
    path("cities/", city_pages.city_directory, name="city_directory"),
    path("cities/<slug:slug>/", city_pages.city_detail, name="city_detail"),
    path("networks/", city_pages.network_list, name="network_list"),
    path("networks/<slug:slug>/", city_pages.network_detail, name="network_detail"),
    path("edit/<str:kind>/new/", editing.item_edit, name="item_create"),
    path("edit/<str:kind>/<slug:slug>/", editing.item_edit, name="item_edit"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="web/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("imports/new/", import_pages.import_new, name="import_new"),
    path("jobs/<uuid:job_id>/", import_pages.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/progress/", import_pages.job_progress_fragment, name="job_progress"),
    path("jobs/<uuid:job_id>/cancel/", import_pages.job_cancel, name="job_cancel"),
]
