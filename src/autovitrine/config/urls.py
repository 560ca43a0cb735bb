"""URL map: each app mounts its own pages; the API lives under /api/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve

from autovitrine.config.api import api
from autovitrine.dealers import urls as dealer_urls
from autovitrine.payments import conf as payments_conf
from autovitrine.web import views as web_views
from autovitrine.web import views_dealer_space

admin.site.site_header = "AutoVitrine — siège"
admin.site.site_title = "AutoVitrine"
# The admin's home also links to the head-office pages that live outside it.
admin.site.index_template = "admin/autovitrine_index.html"

# Site-styled error pages: 403 and 404 render templates/403.html and 404.html with the request;
# the 500 page renders without it (see web.views.server_error); a request Django cannot read
# (400) gets a French page, or the error envelope under /api/ (web.views.bad_request).
handler400 = "autovitrine.web.views.bad_request"
handler500 = "autovitrine.web.views.server_error"

urlpatterns = [
    # Browsers that ignore the <link rel="icon"> still ask for /favicon.ico.
    path("favicon.ico", web_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("compte/", include("autovitrine.accounts.urls")),
    path("catalogue/", include("autovitrine.catalog.urls")),
    # The dealer's own space composes leads and stock: its view lives in web, above those apps,
    # under the dealers namespace with the network's public pages.
    path(
        "concessions/",
        include(
            (
                [
                    path(
                        "espace/tableau-de-bord/",
                        views_dealer_space.dashboard,
                        name="dashboard",
                    ),
                    *dealer_urls.urlpatterns,
                ],
                dealer_urls.app_name,
            )
        ),
    ),
    path("stock/", include("autovitrine.inventory.urls")),
    path("demandes/", include("autovitrine.leads.urls")),
    path("configurer/", include("autovitrine.configurator.urls")),
    # The live timeline of an order (/commandes/<numéro>/suivi/) and the factory's API.
    path("", include("autovitrine.production.urls")),
    path("commandes/", include("autovitrine.orders.urls")),
    path("reprise/", include("autovitrine.tradein.urls")),
    path("ventes-flash/", include("autovitrine.flashsales.urls")),
    path("atelier/", include("autovitrine.workshop.urls")),
    path("pieces/", include("autovitrine.parts.urls")),
    path("communaute/", include("autovitrine.community.urls")),
    # The short link of a saved configuration (shared, printed as a QR code).
    path(
        "c/<str:code>",
        RedirectView.as_view(pattern_name="configurator:saved"),
        name="configuration_share",
    ),
    path("", include("autovitrine.web.urls")),
]

if payments_conf.simulator_enabled():
    # The simulator's "Payer" button marks a deposit paid: never mounted on a real site.
    urlpatterns.insert(-1, path("paiement/", include("autovitrine.payments.urls")))

if not settings.PRODUCTION:
    # Uploaded media in the embedded default; production serves them from object storage/CDN.
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
