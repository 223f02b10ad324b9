"""The benchmark cases: each a dict of name, path and login (None or (username, password))."""

CASES = [
    {"name": "healthz", "path": "/healthz", "login": None},
    {"name": "login-page", "path": "/login", "login": None},
]

# Volunteers at city scale (load first: .venv/bin/python bench/load_volunteers.py, 1,000,000
# synthetic volunteers). bench-county is 南部县's official (111,111 of the volunteers),
# station 1 is 滨江街道's. The deep cursor NjAwMDA is id 60,000: ~94% down the county's list.
_VOL_LOGIN = ("bench-county", "Bench#Passw0rd")
CASES += [
    {"name": "volunteers-county-first", "path": "/api/v1/volunteers?per_page=20",
     "login": _VOL_LOGIN},
    {"name": "volunteers-county-deep", "path": "/api/v1/volunteers?per_page=20&cursor=NjAwMDA",
     "login": _VOL_LOGIN},
    {"name": "volunteers-county-page50", "path": "/api/v1/volunteers?per_page=20&page=50",
     "login": _VOL_LOGIN},
    {"name": "volunteers-county-search",
     "path": "/api/v1/volunteers?per_page=20&status=active&q=%E7%8E%8B%E8%8A%B3",
     "login": _VOL_LOGIN},
    # A phone number is searched for in a POST body, never in a URL (issue 9).
    {"name": "volunteers-county-phone", "path": "/api/v1/volunteers/search", "method": "POST",
     "json": {"q": "13500000000"}, "login": _VOL_LOGIN},
    {"name": "stations-county-coverage", "path": "/api/v1/stations/coverage",
     "login": _VOL_LOGIN},
    {"name": "township-dashboard", "path": "/api/v1/stations/1/dashboard",
     "login": ("bench-station", "Bench#Passw0rd")},
    {"name": "volunteers-city-first", "path": "/api/v1/volunteers?per_page=20",
     "login": ("bench-city", "Bench#Passw0rd")},
]

# The public registry of social organizations with 10,000 synthetic organizations (load first:
# flask seed-orgs --count 10000; ~80% approved). 阳光 (%E9%98%B3%E5%85%89) matches ~1/16 of
# the names, 南部县 (511321) is one county of nine; no login: the public registry is open.
_Q = "%E9%98%B3%E5%85%89"
CASES += [
    {"name": "orgs-public-page", "path": "/registry/", "login": None},
    {"name": "orgs-public-search-page", "path": f"/registry/?q={_Q}", "login": None},
    {"name": "orgs-public-search-api", "path": f"/api/v1/public/organizations?q={_Q}",
     "login": None},
    {"name": "orgs-public-filter-api",
     "path": "/api/v1/public/organizations?org_type=social_service&region_code=511321",
     "login": None},
]

# Activities, points and the volunteer's own pages (load first: flask seed-ledger, which makes
# bench-volunteer with 100,000 ledger entries and 1,000,000 more spread over other volunteers;
# flask seed-bulk --activities 100000 for the public list). page=50 is OFFSET 980 into the
# volunteer's ledger; the web page is the same ledger as HTML.
_POINTS_LOGIN = ("bench-volunteer", "Bench#Passw0rd")
CASES += [
    {"name": "me-points", "path": "/api/v1/me/points", "login": _POINTS_LOGIN},
    {"name": "me-ledger-first", "path": "/api/v1/me/ledger?per_page=20", "login": _POINTS_LOGIN},
    {"name": "me-ledger-page50", "path": "/api/v1/me/ledger?per_page=20&page=50",
     "login": _POINTS_LOGIN},
    {"name": "me-points-page", "path": "/me/points", "login": _POINTS_LOGIN, "web": True},
    {"name": "public-activities", "path": "/api/v1/public/activities?per_page=20",
     "login": None},
]

# Back office and audit log at city size (issue 9; load first: bench/load_volunteers.py, then
# bench/load_audit.py for 3,000,000 audit rows and bench-auditor). 张 (%E5%BC%A0) is the
# surname of ~1.2% of the synthetic volunteers (11,512 in the city, ~1,300 in 南部县).
_ZHANG = "%E5%BC%A0"
_CITY_LOGIN = ("bench-city", "Bench#Passw0rd")
_AUDITOR_LOGIN = ("bench-auditor", "Bench#Passw0rd")
CASES += [
    {"name": "volunteers-county-zhang", "path": f"/api/v1/volunteers?per_page=20&q={_ZHANG}",
     "login": _VOL_LOGIN},
    # The back office's own cost: a list of 42 stations (no large table involved).
    {"name": "admin-stations-county", "path": "/admin/station/", "login": _VOL_LOGIN,
     "web": True},
    {"name": "admin-volunteers-county", "path": "/admin/volunteer/", "login": _VOL_LOGIN,
     "web": True},
    {"name": "admin-volunteers-county-q", "path": f"/admin/volunteer/?search={_ZHANG}",
     "login": _VOL_LOGIN, "web": True},
    {"name": "admin-volunteers-city", "path": "/admin/volunteer/", "login": _CITY_LOGIN,
     "web": True},
    {"name": "admin-volunteers-city-q", "path": f"/admin/volunteer/?search={_ZHANG}",
     "login": _CITY_LOGIN, "web": True},
    {"name": "audit-auditor", "path": "/audit/", "login": _AUDITOR_LOGIN, "web": True},
    {"name": "audit-auditor-actor", "path": "/audit/?actor=bench-actor-7",
     "login": _AUDITOR_LOGIN, "web": True},
    {"name": "admin-audit-auditor", "path": "/admin/auditentry/", "login": _AUDITOR_LOGIN,
     "web": True},
]

# The 积分超市 (issue 11; load first: flask seed-ledger, then flask seed-store-bench, which
# opens the first station's store with item 1 — 1 point, 1,000,000 in stock — and gives
# bench-volunteer 1,000,000 points). The ledger cases above are the balance read and the
# ledger's first and deep pages; each redemption below takes 1 point and 1 piece.
CASES += [
    {"name": "me-ledger-deep", "path": "/api/v1/me/ledger?per_page=20&cursor=NTAwMDA",
     "login": _POINTS_LOGIN},
    {"name": "store-items", "path": "/api/v1/store/items?per_page=20", "login": _POINTS_LOGIN},
    {"name": "store-redeem", "path": "/api/v1/store/redemptions", "method": "POST",
     "json": {"item_id": 1, "quantity": 1}, "status": 201, "login": _POINTS_LOGIN},
    {"name": "store-settlement-city", "path": "/api/v1/store/settlement",
     "login": ("bench-city", "Bench#Passw0rd")},
]

# The purchased-service guidance directory (issue 12): 5 published editions of 2,000 items
# (load first: .venv/bin/python bench/load_directory.py; years 2020–2024). Public, no login:
# the tree of one edition, its search, its page, and the comparison of two editions.
CASES += [
    {"name": "directory-tree-api", "path": "/api/v1/public/directory?year=2024", "login": None},
    {"name": "directory-search-api",
     "path": "/api/v1/public/directory?year=2024&q=%E6%9C%8D%E5%8A%A1%E4%BA%8B%E9%A1%B9199",
     "login": None},
    {"name": "directory-tree-page", "path": "/directory/?year=2024", "login": None, "web": True},
    {"name": "directory-diff-api",
     "path": "/api/v1/public/directory/diff?old_year=2023&new_year=2024", "login": None},
]

# Purchased-service projects (issue 12): 10,000 organizations and 50,000 projects (load first:
# .venv/bin/python bench/load_projects.py). The city's spending table by county and by
# provider, and one organization's credit profile (bench-city from load_volunteers.py).
_CITY = ("bench-city", "Bench#Passw0rd")
CASES += [
    {"name": "projects-spending-city", "path": "/api/v1/projects/spending?by=county",
     "login": _CITY},
    {"name": "projects-spending-city-provider",
     "path": "/api/v1/projects/spending?by=provider&year=2024", "login": _CITY},
    {"name": "org-credit-profile", "path": "/api/v1/organizations/1/credit", "login": _CITY},
]

# Officials' incentive statistics (issue 11; load first: bench/load_volunteers.py and flask
# seed-ledger, which also fill the monthly points summary). The points table reads the summary
# (a row per township and month), never the ledger; month=… is one month, no month the year.
CASES += [
    {"name": "incentive-stats-county-month",
     "path": "/api/v1/incentives/statistics?month=11", "login": _VOL_LOGIN},
    {"name": "incentive-stats-city-year", "path": "/api/v1/incentives/statistics",
     "login": _CITY_LOGIN},
    {"name": "incentive-stats-city-month", "path": "/api/v1/incentives/statistics?month=11",
     "login": _CITY_LOGIN},
    {"name": "incentive-stats-page-county", "path": "/incentives/statistics?month=11",
     "login": _VOL_LOGIN, "web": True},
]

# Officials' dashboards (load first: bench/load_volunteers.py, flask seed-ledger; migration 0024
# backfills the monthly volunteers summary): the city's by county and 南部县's by township, the
# period's default (this year up to today), every table and chart of figures() in one page.
CASES += [
    {"name": "dashboard-city", "path": "/dashboards/", "login": _CITY_LOGIN, "web": True},
    {"name": "dashboard-county", "path": "/dashboards/", "login": _VOL_LOGIN, "web": True},
]
