"""The one list of areas: create_app plugs each area's pages, API, back-office views, commands,
demo data and menu templates into the app from here, in this order."""

from dataclasses import dataclass
from types import ModuleType

from registry.activities import admin as activities_admin
from registry.activities import cli as activities_cli
from registry.activities import demo as activities_demo
from registry.dashboards import admin as dashboards_admin
from registry.dashboards import cli as dashboards_cli
from registry.dashboards import demo as dashboards_demo
from registry.incentives import admin as incentives_admin
from registry.incentives import cli as incentives_cli
from registry.incentives import demo as incentives_demo
from registry.organizations import admin as organizations_admin
from registry.organizations import cli as organizations_cli
from registry.organizations import demo as organizations_demo
from registry.participation import admin as participation_admin
from registry.participation import cli as participation_cli
from registry.participation import demo as participation_demo
from registry.points import admin as points_admin
from registry.points import cli as points_cli
from registry.points import demo as points_demo
from registry.purchasing import admin as purchasing_admin
from registry.purchasing import cli as purchasing_cli
from registry.purchasing import demo as purchasing_demo
from registry.support import admin as support_admin
from registry.support import cli as support_cli
from registry.support import demo as support_demo
from registry.views import activities as activities_pages
from registry.views import awards as awards_pages
from registry.views import benefits as benefits_pages
from registry.views import certificates as certificates_pages
from registry.views import dashboards as dashboards_pages
from registry.views import directory as directory_pages
from registry.views import households as households_pages
from registry.views import incentive_stats as incentive_stats_pages
from registry.views import me as me_pages
from registry.views import monthly_reports as monthly_reports_pages
from registry.views import moral_bank as moral_bank_pages
from registry.views import organizations as organizations_pages
from registry.views import organizations_home as organizations_home_pages
from registry.views import projects as projects_pages
from registry.views import public_registry as public_registry_pages
from registry.views import reports as reports_pages
from registry.views import stations as stations_pages
from registry.views import store as store_pages
from registry.views import suggestions as suggestions_pages
from registry.views import support as support_pages
from registry.views import volunteers as volunteers_pages
from registry.views.api import activities as activities_api
from registry.views.api import awards as awards_api
from registry.views.api import directory as directory_api
from registry.views.api import households as households_api
from registry.views.api import incentive_stats as incentive_stats_api
from registry.views.api import organizations as organizations_api
from registry.views.api import projects as projects_api
from registry.views.api import reports as reports_api
from registry.views.api import service_reviews as service_reviews_api
from registry.views.api import stats as stats_api
from registry.views.api import store as store_api
from registry.views.api import suggestions as suggestions_api
from registry.views.api import support as support_api
from registry.views.api import volunteers as volunteers_api
from registry.volunteers import admin as volunteers_admin
from registry.volunteers import cli as volunteers_cli
from registry.volunteers import demo as volunteers_demo


@dataclass(frozen=True)
class Area:
    """An area's plug-ins. `admin.admin_views()` lists its back-office views, `cli.register(app)`
    adds its commands, `demo.seed(users)` adds its demo rows and returns extra logins; `pages`
    are modules with a blueprint `bp`; `api` modules add their endpoints to the API blueprint
    when imported; the templates are the area's menu items and home-page cards."""

    name: str
    admin: ModuleType
    cli: ModuleType
    demo: ModuleType
    pages: tuple[ModuleType, ...] = ()
    api: tuple[ModuleType, ...] = ()
    nav: str | None = None
    home_cards: str | None = None
    public_cards: str | None = None


AREAS = (
    Area("organizations", organizations_admin, organizations_cli, organizations_demo,
         pages=(organizations_pages, organizations_home_pages, public_registry_pages),
         api=(organizations_api,),
         nav="organizations/_nav.html", home_cards="organizations/_home_cards.html",
         public_cards="organizations/_public_cards.html"),
    Area("support", support_admin, support_cli, support_demo,
         pages=(support_pages,), api=(support_api,),
         nav="support/_nav.html", home_cards="support/_home_cards.html"),
    Area("volunteers", volunteers_admin, volunteers_cli, volunteers_demo,
         pages=(volunteers_pages, stations_pages), api=(volunteers_api,),
         nav="volunteers/_nav.html", home_cards="volunteers/_home_cards.html",
         public_cards="volunteers/_public_cards.html"),
    Area("points", points_admin, points_cli, points_demo),
    Area("activities", activities_admin, activities_cli, activities_demo,
         pages=(activities_pages, me_pages, certificates_pages),
         api=(activities_api, service_reviews_api),
         nav="activities/_nav.html", home_cards="activities/_home_cards.html",
         public_cards="activities/_public_cards.html"),
    Area("incentives", incentives_admin, incentives_cli, incentives_demo,
         pages=(store_pages, reports_pages, moral_bank_pages, benefits_pages,
                households_pages, incentive_stats_pages),
         api=(store_api, households_api, reports_api, incentive_stats_api),
         nav="incentives/_nav.html",
         public_cards="incentives/_public_cards.html"),
    Area("purchasing", purchasing_admin, purchasing_cli, purchasing_demo,
         # the directory (A); purchased-service projects and credit (B); 以奖代补 (C)
         pages=(directory_pages, projects_pages, awards_pages),
         api=(directory_api, projects_api, awards_api),
         nav="directory/_nav.html", home_cards="directory/_home_cards.html",
         public_cards="directory/_public_cards.html"),
    Area("participation", participation_admin, participation_cli, participation_demo,
         pages=(suggestions_pages,), api=(suggestions_api,),
         nav="suggestions/_nav.html", home_cards="suggestions/_home_cards.html",
         public_cards="suggestions/_public_cards.html"),
    Area("dashboards", dashboards_admin, dashboards_cli, dashboards_demo,
         pages=(dashboards_pages, monthly_reports_pages), api=(stats_api,),
         nav="dashboards/_nav.html", home_cards="dashboards/_home_cards.html",
         public_cards="dashboards/_public_cards.html"),
)
