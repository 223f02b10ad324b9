"""Settings for each environment, read from REGISTRY_* environment variables."""

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("REGISTRY_INSTANCE_PATH", BASE_DIR / "instance"))


def env(name: str, default: str | None = None) -> str | None:
    """One REGISTRY_* setting from the environment."""
    return os.environ.get(f"REGISTRY_{name}", default)


def instance_secret(filename: str, make) -> str:
    """A secret kept in instance/ for development: generated once, reused after."""
    path = INSTANCE_DIR / filename
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


class Config:
    """Defaults shared by every environment."""

    # hide_parameters: a failed statement's message (logged with its traceback) would otherwise
    # hold its values: phones, names, birth dates.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # The Strict-Transport-Security header, sent only where the site is served over HTTPS.
    STRICT_TRANSPORT_SECURITY = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}
    TIMEZONE = "Asia/Shanghai"
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MAX_AGE_DAYS = 90
    LOCKOUT_FAILURES = 5
    LOCKOUT_WINDOW = timedelta(minutes=15)
    LOCKOUT_DURATION = timedelta(minutes=30)
    STAFF_IDLE_TIMEOUT = timedelta(minutes=15)
    API_TOKEN_LIFETIME = timedelta(hours=12)
    AUDIT_RETENTION_DAYS = 183
    RATELIMIT_ENABLED = env("RATELIMIT_ENABLED", "1") != "0"
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Keeps the counters of several deployments (or test runs) sharing one Redis apart.
    RATELIMIT_KEY_PREFIX = env("RATELIMIT_KEY_PREFIX", "")
    LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "30 per minute")
    PUBLIC_WRITE_RATE_LIMIT = env("PUBLIC_WRITE_RATE_LIMIT", "20 per minute")
    UPLOAD_DIR = env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Flask-smorest: the OpenAPI document the mobile client is built against.
    API_TITLE = "南充市社会治理参与登记平台 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Home pages' "today's work" counts (pending volunteers, activities to confirm …) stop
    # counting here and say "99+": a count of a county's backlog never scans a big table.
    HOME_COUNT_CAP = int(env("HOME_COUNT_CAP", "99"))
    # Volunteer star ladder in hours (DOMAIN.md §5; local ladders differ).
    STAR_THRESHOLDS_HOURS = (100, 300, 600, 1000, 1500)
    # Points expire this many months after they were earned, oldest first (DOMAIN.md §6;
    # PRACTICE.md §3 found no common rule: 24 is our choice); 0 = never. incentives/expiry.py.
    POINTS_EXPIRY_MONTHS = int(env("POINTS_EXPIRY_MONTHS", "24"))
    # Minors (《志愿服务条例》第十五条: tasks must suit the volunteer's age). An activity whose
    # hours touch the night window (Beijing time, start hour to end hour of the next morning)
    # or whose category is risky does not suit volunteers under 18 (registry/activities/
    # minors.py); others do unless the organizer says no. Of the categories in
    # activities/models.py only 应急救援 ("emergency") is risky as such; water or elevated
    # work inside another category is the organizer's "no".
    MINOR_NIGHT_START_HOUR = 22
    MINOR_NIGHT_END_HOUR = 6
    MINOR_RISKY_CATEGORIES = ("emergency",)
    # The words under the star of the drawn seal on a 志愿服务记录证明 (certificate_seal.py).
    CERTIFICATE_SEAL_TEXT = "志愿服务专用章"
    # Honest hours (issue 10; registry/activities/service_rules.py). A volunteer's service in one
    # Beijing calendar day, across all activities, stays at or under SERVICE_DAILY_CAP_MINUTES (a
    # record spanning several days is spread over them in proportion to each day's share of its
    # time window). An activity's points_per_hour stays at or under POINTS_PER_HOUR_MAX (the
    # city's rate). A record above SERVICE_APPROVAL_MINUTES, or for an activity that ended more
    # than SERVICE_APPROVAL_AFTER_DAYS days before, counts only once a second staff member
    # approves it (four eyes); corrections that raise minutes obey the same rule.
    SERVICE_DAILY_CAP_MINUTES = 12 * 60
    POINTS_PER_HOUR_MAX = 20
    SERVICE_APPROVAL_MINUTES = 8 * 60
    SERVICE_APPROVAL_AFTER_DAYS = 30
    # --- issue 11: reports, moral bank, benefits (PRACTICE.md §3, §4, §6; our defaults) ---
    # 举报奖励: the cash tiers an official picks from for an upheld report, in fen (1 元 = 100
    # fen); the most points one report may earn; how long an anonymous reporter may claim.
    REPORT_REWARD_TIERS_FEN = {"一般": 20000, "较大": 50000, "重大": 100000}
    REPORT_REWARD_MAX_POINTS = 500
    REPORT_CLAIM_DAYS = 183
    # 道德银行: days an approved deed is publicly listed (公示) before its points are credited,
    # and the most deed points one person may earn in a calendar year (0 = no cap).
    DEED_PUBLICITY_DAYS = 7
    DEED_YEARLY_CAP_POINTS = 700
    # 站内消息: days before a claimed, unused benefit's validity ends when its holder is warned
    # (once), by the daily job (registry/incentives/tasks.py); 0 = no warning.
    BENEFIT_EXPIRY_NOTICE_DAYS = int(env("BENEFIT_EXPIRY_NOTICE_DAYS", "30"))
    # --- 社情民意 (registry/participation/; PRACTICE.md §5): the working days a handler has to
    # answer each category, as Sichuan's 12345 rules set (咨询 3, 求助 and 建议 7, 投诉 15);
    # counted from the day after posting (or reopening) with registry/participation/deadlines.py.
    # HOLIDAYS are weekdays off and EXTRA_WORKDAYS weekend days worked (调休), from the State
    # Council's yearly notice: configurable, extend them each year when it is published. 2026 is
    # 国办发明电〔2025〕7号; 2027 holds only the statutory days (the notice was not out yet).
    SUGGESTION_DEADLINE_DAYS = {"consult": 3, "suggest": 7, "help": 7, "complain": 15}
    HOLIDAYS = tuple(date.fromisoformat(d) for d in (
        "2026-01-01", "2026-01-02", "2026-01-03",                             # 元旦
        "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",  # 春节
        "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
        "2026-04-04", "2026-04-05", "2026-04-06",                             # 清明节
        "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",  # 劳动节
        "2026-06-19", "2026-06-20", "2026-06-21",                             # 端午节
        "2026-09-25", "2026-09-26", "2026-09-27",                             # 中秋节
        "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05",  # 国庆节
        "2026-10-06", "2026-10-07",
        "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",  # 2027: statutory
        "2027-04-05", "2027-05-01", "2027-05-02", "2027-06-09", "2027-09-15",
        "2027-10-01", "2027-10-02", "2027-10-03",
    ))
    EXTRA_WORKDAYS = tuple(date.fromisoformat(d) for d in (
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ))
    # --- issue 12: 以奖代补 (PRACTICE.md §2: no published rule found, so our defaults) ---
    # Days an approved award is publicly listed (公示) before it may be paid; years after an
    # administrative penalty's decision during which the organization may not get an award.
    AWARD_PUBLICITY_DAYS = 7
    AWARD_PENALTY_YEARS = 2
    # Incubation period of an admitted organization (DOMAIN.md §3: typically 1–2 years).
    INCUBATION_DEFAULT_MONTHS = 12
    INCUBATION_MAX_MONTHS = 36
    # --- issue 12 (B): purchased-service projects and 绩效评价 (registry/purchasing/) ---
    # The 绩效评价 indicators (财预〔2020〕10号's first level 决策/过程/产出/效益; PRACTICE.md §1):
    # (key, name, weight, scale). Each indicator is scored 0..scale; the total is
    # Σ score / scale × weight, so the weights must sum to 100 (evaluations.indicators() refuses
    # any other set with a clear error). The weights are our default, not a Nanchong rule.
    EVALUATION_INDICATORS = (
        ("decision", "决策", 20, 100),
        ("process", "过程", 20, 100),
        ("output", "产出", 30, 100),
        ("effect", "效益", 30, 100),
    )
    # A contract normally runs at most one year; up to PROJECT_MAX_YEARS with a written reason
    # (财政部令第102号 第二十四条: stable, recurring, budget-secured services).
    PROJECT_MAX_YEARS = 3
    # The public directory names who delivered each item; that list is asked of the database
    # at most once per this many seconds per worker (public figures may lag a project's
    # acceptance by as much; 0 = on every visit).
    PUBLIC_PROVIDERS_SECONDS = 60
    # Which codes lie under each region (scoping.codes_under) is read once per this many
    # seconds per worker. Only `flask load-regions` changes the tree (the back office edits
    # names alone), so a reload reaches every worker within this time; 0 = every request.
    REGION_TREE_SECONDS = 60
    # A back-office list found to hold more than COUNT_CAP rows is not counted again for this
    # many seconds per worker (the same person, filters and search): it still says "more than
    # 1,000". Smaller lists are counted on every visit, so a new row shows at once.
    OVER_CAP_SECONDS = 60
    # Officials' statistics are computed at most once per this many seconds per worker, per
    # region, period and language (the pages say so); 0 = on every visit.
    STATISTICS_SECONDS = 60
    # Exports (registry/exports.py): at most this many rows in one file.
    EXPORT_MAX_ROWS = int(env("EXPORT_MAX_ROWS", "100000"))
    IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", "50000"))
    # Background jobs (registry/jobs.py): an import or export of more rows than this runs on the
    # job queue, not in the web request. REGISTRY_JOBS_URL=redis://… selects Redis; otherwise
    # the queue is SQLite at instance/jobs.db.
    JOBS_THRESHOLD = int(env("JOBS_THRESHOLD", "2000"))
    JOBS_IMMEDIATE = False

    @classmethod
    def check(cls) -> None:
        """Fill or verify settings before the app starts."""


class DevelopmentConfig(Config):
    """Local use: SQLite in instance/, secrets generated once into instance/."""

    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'registry.db'}")
    SECRET_KEY = env("SECRET_KEY")
    ENCRYPTION_KEY = env("ENCRYPTION_KEY")
    AUDIT_KEY = env("AUDIT_KEY")

    @classmethod
    def check(cls) -> None:
        """Generate the development secrets once into instance/."""
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = instance_secret("secret_key", lambda: secrets.token_hex(32))
        if not cls.ENCRYPTION_KEY:
            cls.ENCRYPTION_KEY = instance_secret("encryption_key", new_fernet_key)
        if not cls.AUDIT_KEY:
            cls.AUDIT_KEY = instance_secret("audit_key", lambda: secrets.token_hex(32))


class TestingConfig(Config):
    """The test suite: a throwaway database, cheap hashing, fixed keys."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = env("TEST_DATABASE_URL", "sqlite://")
    SECRET_KEY = "test-secret-key-not-for-production"
    ENCRYPTION_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="
    AUDIT_KEY = "test-audit-key-not-for-production"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
    UPLOAD_DIR = None  # tests give each app its own temporary folder
    JOBS_IMMEDIATE = True  # a job runs at once, inside the request that starts it
    PUBLIC_PROVIDERS_SECONDS = 0  # tests see a project's providers at once
    REGION_TREE_SECONDS = 0  # and the regions they load
    OVER_CAP_SECONDS = 0  # and count every list on every visit
    STATISTICS_SECONDS = 0  # and see every write in the statistics at once


class ProductionConfig(Config):
    """Production: everything secret must come from the environment."""

    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL")
    SECRET_KEY = env("SECRET_KEY")
    ENCRYPTION_KEY = env("ENCRYPTION_KEY")
    # The audit chain's HMAC key: kept outside the database, so that someone who can write to
    # the database cannot rewrite audit rows and recompute the chain.
    AUDIT_KEY = env("AUDIT_KEY")
    SESSION_COOKIE_SECURE = env("COOKIE_SECURE", "1") != "0"
    STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI")

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the settings production cannot guess."""
        missing = [
            f"REGISTRY_{name}"
            for name, value in (
                ("SECRET_KEY", cls.SECRET_KEY),
                ("DATABASE_URL", cls.SQLALCHEMY_DATABASE_URI),
                ("ENCRYPTION_KEY", cls.ENCRYPTION_KEY),
                ("AUDIT_KEY", cls.AUDIT_KEY),
            )
            if not value
        ]
        if missing:
            raise RuntimeError(
                "生产环境缺少必需的设置 (production needs these environment variables): "
                + ", ".join(missing)
            )
        # Several workers must count logins in one shared store (Redis), or each worker
        # allows the full limit and the limit multiplies by the number of workers. (Only a
        # benchmark run turns the limiter off: REGISTRY_RATELIMIT_ENABLED=0.)
        storage = (cls.RATELIMIT_STORAGE_URI or "").strip()
        if cls.RATELIMIT_ENABLED and (not storage or storage.startswith("memory://")):
            raise RuntimeError(
                "生产环境须设置共享的限流存储 (production needs a shared rate-limit store): "
                "REGISTRY_RATELIMIT_STORAGE_URI=redis://…（不能是 memory://）"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
