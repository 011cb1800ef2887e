from django.urls import path

from cityweave.exchange import views

app_name = "exchange"
urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/calendar/", views.event_calendar_page, name="event_calendar"),
    path("events.ics", views.events_ics, name="events_ics"),
    path("events/<slug:slug>.ics", views.event_ics, name="event_ics"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("events/<slug:slug>/register/", views.event_register, name="event_register"),
    path(
        "events/<slug:slug>/cancel-registration/",
        views.event_cancel_registration,
        name="event_cancel_registration",
    ),
    path("networks/<slug:slug>/events.ics", views.network_events_ics, name="network_events_ics"),
    path("transfers/", views.transfer_board, name="transfer_board"),
    path("transfers/<slug:slug>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<slug:slug>/move/", views.transfer_move, name="transfer_move"),
    path(
        "networks/<slug:slug>/transfers/",
        views.network_transfer_board,
        name="network_transfer_board",
    ),
]
