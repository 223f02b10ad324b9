"""Time a city official's back-office export of the volunteers (CSV and .xlsx) on the database
in REGISTRY_DATABASE_URL (e.g. after `flask seed-bulk --volunteers 1000000`):
`python bench/export_admin.py`. Prints rows, seconds and the process's peak memory."""

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from registry import accounts, create_app  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.models import User  # noqa: E402

USER, PASSWORD = "bench-city-export", "Bench#Passw0rd"


def main() -> None:
    app = create_app("development", {"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == USER)) is None:
            accounts.create_user(USER, PASSWORD, "city_official", "511300", "压测")
            db.session.commit()
    client = app.test_client()
    client.post("/login", data={"login": USER, "password": PASSWORD})
    for fmt in sys.argv[1:] or ["csv", "xlsx"]:
        began = time.perf_counter()
        response = client.get(f"/admin/volunteer/export/{fmt}/")
        size = len(response.data)
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{fmt}: HTTP {response.status_code}, {size / 1e6:.1f} MB in {seconds:.1f} s; "
              f"peak RSS so far {peak:.0f} MB")


if __name__ == "__main__":
    main()
