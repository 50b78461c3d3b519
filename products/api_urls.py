from rest_framework.routers import SimpleRouter

from . import api

app_name = "products-api"

router = SimpleRouter()
router.register("vendors", api.VendorViewSet, basename="vendor")
router.register("products", api.ProductViewSet, basename="product")
router.register("versions", api.VersionViewSet, basename="version")
router.register("scenarios", api.ScenarioViewSet, basename="scenario")

urlpatterns = router.urls
