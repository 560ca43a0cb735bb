"""Order pages: the buyer's checkout and orders, the dealer's orders, documents, financing."""

from django.urls import path

from . import views, views_dealer

app_name = "orders"
urlpatterns = [
    path("", views.my_orders, name="list"),
    path("financement/", views.financing, name="financing"),
    path("vehicule/<int:vehicle_id>/", views.checkout_stock, name="checkout_stock"),
    path("configuration/<str:code>/", views.checkout_configured, name="checkout_configured"),
    path("concession/", views_dealer.order_list, name="dealer_list"),
    path("concession/<str:number>/", views_dealer.order_detail, name="dealer_detail"),
    path(
        "concession/<str:number>/documents/<slug:document>.pdf",
        views_dealer.order_document,
        name="dealer_document",
    ),
    path(
        "concession/<str:number>/<slug:action>/",
        views_dealer.order_action,
        name="dealer_action",
    ),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/statut/", views.order_status, name="status"),
    path("<str:number>/acompte/", views.pay_deposit, name="pay_deposit"),
    path("<str:number>/paiement/retour/", views.payment_return, name="payment_return"),
    path("<str:number>/retractation/", views.withdraw, name="withdraw"),
    path("<str:number>/annuler/", views.cancel, name="cancel"),
    path("<str:number>/reprise/", views.trade_in_action, name="trade_in"),
    path("<str:number>/documents/<slug:document>.pdf", views.document, name="document"),
]
