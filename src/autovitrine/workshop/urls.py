from django.urls import path

from . import views

app_name = "workshop"
urlpatterns = [
    path("", views.garage, name="garage"),
    path("vehicule/<int:car_id>/", views.car_detail, name="car"),
    path("vehicule/<int:car_id>/rendez-vous/", views.book, name="book"),
    path("vehicule/<int:car_id>/reserver/", views.hold, name="hold"),
    path("rendez-vous/<str:number>/", views.booking_detail, name="booking"),
    path("rendez-vous/<str:number>/confirmer/", views.booking_confirm, name="confirm"),
    path("rendez-vous/<str:number>/devis/<int:quote_id>/", views.quote_answer, name="quote_answer"),
    path("rendez-vous/<str:number>/photos/", views.booking_photo_send, name="photo_send"),
    path(
        "rendez-vous/<str:number>/photos/<int:photo_id>/",
        views.booking_photo_file,
        name="photo",
    ),
    path("rendez-vous/<str:number>/pieces/", views.booking_add_part, name="add_part"),
    path("rendez-vous/<str:number>/invitation.ics", views.booking_calendar, name="ics"),
    path("rendez-vous/<str:number>/facture.pdf", views.booking_invoice, name="invoice"),
    path("gerer/<str:token>/", views.manage, name="manage"),
    path("concession/planning/", views.planning, name="planning"),
    path("concession/reglages/", views.terms, name="terms"),
    path(
        "concession/rendez-vous/<str:number>/", views.dealer_booking_detail, name="dealer_booking"
    ),
    path(
        "concession/rendez-vous/<str:number>/signature.png",
        views.dealer_checkin_signature,
        name="checkin_signature",
    ),
    path(
        "concession/rendez-vous/<str:number>/photos/<int:photo_id>/",
        views.dealer_booking_photo,
        name="dealer_photo",
    ),
]
