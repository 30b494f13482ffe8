from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from cities.api import RegionViewSet
from config import views as site_views
from dashboard import explanations as explanation_views
from dashboard import methodology as methodology_views
from dashboard import navigation as navigation_views
from dashboard import published as published_views
from dashboard import revisions as revision_views
from dashboard import verdicts as verdict_views
from dashboard import views as dashboard_views
from dashboard.api import OverviewView
from imports import locks as lock_views
from imports import views as import_views
from imports.api import ImportViewSet
from indicators.api import IndicatorViewSet, ObservationViewSet, PeriodLockViewSet
from plans.api import (
    CompletenessView,
    PlanViewSet,
    ProgressView,
    PublishedEvaluationViewSet,
    RankingView,
    TargetViewSet,
)

handler400 = "config.views.bad_request"  # says what was wrong with the request

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("plans", PlanViewSet, basename="plan")
router.register("targets", TargetViewSet, basename="target")
router.register("observations", ObservationViewSet, basename="observation")
router.register("locks", PeriodLockViewSet, basename="lock")
router.register("imports", ImportViewSet, basename="import")
router.register("evaluations/published", PublishedEvaluationViewSet, basename="published-evaluation")

urlpatterns = [
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/progress/", ProgressView.as_view(), name="progress"),
    path("api/v1/completeness/", CompletenessView.as_view(), name="completeness-api"),
    path("api/v1/overview/", OverviewView.as_view(), name="overview-api"),
    path("api/v1/indicators/<slug:code>/ranking/", RankingView.as_view(), name="ranking-api"),
    path("api/v1/", include(router.urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", site_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page, the admin's included.
    path("favicon.ico", site_views.favicon),
    path("", dashboard_views.home, name="home"),
    re_path(r"^overview\.(?P<file_format>csv|xlsx)$", dashboard_views.home, name="overview-data"),
    path("help/", methodology_views.help_view, name="help"),
    path("search/", navigation_views.search_view, name="search"),
    path("cities/", navigation_views.city_index_view, name="city-index"),
    re_path(r"^cities/(?P<adcode>[0-9]{6})/$", dashboard_views.city_page, name="city"),
    re_path(
        r"^cities/(?P<adcode>[0-9]{6})/data\.(?P<file_format>csv|xlsx)$", dashboard_views.city_page, name="city-data"
    ),
    # The index before the indicator pages (no indicator code is empty, but keep the order obvious).
    path("indicators/", navigation_views.indicator_index_view, name="indicator-index"),
    re_path(
        r"^cities/(?P<adcode>[0-9]{6})/history/(?P<code>[-a-zA-Z0-9_]+)/$",
        dashboard_views.value_history,
        name="value-history",
    ),
    path("indicators/<slug:code>/", dashboard_views.indicator_page, name="indicator"),
    re_path(
        r"^indicators/(?P<code>[-a-zA-Z0-9_]+)/data\.(?P<file_format>csv|xlsx)$",
        dashboard_views.indicator_page,
        name="indicator-data",
    ),
    path("indicators/<slug:code>/compare/", dashboard_views.indicator_compare, name="indicator-compare"),
    re_path(
        r"^indicators/(?P<code>[-a-zA-Z0-9_]+)/compare\.(?P<file_format>csv|xlsx)$",
        dashboard_views.indicator_compare,
        name="indicator-compare-data",
    ),
    path("plans/<int:plan_id>/", dashboard_views.plan_detail, name="plan-detail"),
    path("plans/<int:plan_id>/evaluation/", dashboard_views.plan_evaluation_page, name="plan-evaluation"),
    path("plans/<int:plan_id>/evaluation.xlsx", dashboard_views.plan_evaluation_xlsx, name="plan-evaluation-xlsx"),
    path("plans/<int:plan_id>/report.docx", dashboard_views.plan_report_docx, name="plan-report-docx"),
    path("report.docx", dashboard_views.province_report_docx, name="province-report-docx"),
    path("evaluations/published/", published_views.published_list, name="published-evaluations"),
    path("evaluations/published/<int:pk>/", published_views.published_detail, name="published-evaluation"),
    path(
        "evaluations/published/<int:pk>/compare/",
        published_views.published_compare,
        name="published-evaluation-compare",
    ),
    re_path(
        r"^evaluations/published/(?P<pk>[0-9]+)/compare\.(?P<file_format>csv|xlsx)$",
        published_views.published_compare,
        name="published-evaluation-compare-data",
    ),
    path("evaluations/publish/", published_views.publish_evaluation, name="publish-evaluation"),
    path("targets/<int:target_id>/explanation/", explanation_views.target_explanation, name="target-explanation"),
    path("targets/<int:target_id>/verdict/", verdict_views.target_verdict, name="target-verdict"),
    path("verdicts/<int:pk>/evidence/", verdict_views.verdict_evidence, name="verdict-evidence"),
    path("targets/<int:target_id>/revision/", revision_views.target_revision, name="target-revision"),
    path("imports/", import_views.import_upload, name="import-upload"),
    path("imports/review/", import_views.review_queue_page, name="import-review"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/approve/", import_views.import_approve, name="import-approve"),
    path("imports/<int:pk>/return/", import_views.import_return, name="import-return"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/cancel/", import_views.import_cancel, name="import-cancel"),
    path("imports/<int:pk>/file/", import_views.import_file, name="import-file"),
    re_path(
        r"^imports/template/(?P<adcode>[0-9]{6})\.(?P<file_format>xlsx|csv)$",
        import_views.import_template,
        name="import-template",
    ),
    path("completeness/", dashboard_views.completeness_page, name="completeness"),
    re_path(r"^completeness\.(?P<file_format>csv|xlsx)$", dashboard_views.completeness_data, name="completeness-data"),
    path("locks/", lock_views.locks_page, name="locks"),
    path("locks/<int:pk>/unlock/", lock_views.lock_unlock, name="lock-unlock"),
    path("accounts/", include("config.accounts")),
    path("admin/", admin.site.urls),
]
