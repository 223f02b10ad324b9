"""Time the volunteer .xlsx import of N rows (default 10,000) through the operation the
page and the job both call: `python bench/import_10k.py [N]` (SQLite in a temporary folder, or
REGISTRY_DATABASE_URL). Prints rows/s; every row is valid, so all are written."""

import io
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from openpyxl import Workbook
from stdnum.cn import ric

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry import accounts, create_app  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.regions import load_regions  # noqa: E402
from registry.volunteers import spreadsheets  # noqa: E402


def workbook(rows: int, start: int = 0, townships: tuple[str, ...] = ("511302001",),
             id_region: str = "511302", phone_prefix: str = "135",
             write_only: bool = True) -> io.BytesIO:
    """rows valid adults; numbers start..start+rows-1 give unique ID numbers (below 480,000)
    and phones, so files with disjoint ranges can be imported one after the other.
    write_only=False writes the sheet's <dimension> (its row count) as Excel does; the page
    reads the row count from it to choose a background job (a write-only file has none)."""
    book = Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.active)
    sheet = book.create_sheet("志愿者")
    sheet.append([header for _, header, _, _ in spreadsheets.IMPORT_COLUMNS])
    for n in range(start, start + rows):
        birth = f"19{60 + n % 40:02d}{1 + n % 12:02d}{1 + n % 28:02d}"
        base = f"{id_region}{birth}{n // 480 % 1000:03d}"
        id_number = base + ric.calc_check_digit(base + "0")
        sheet.append(["张" + "伟芳娜敏静丽强磊"[n % 8] + "明", id_number,
                      f"{phone_prefix}{n:08d}", townships[n % len(townships)], "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": folder})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        load_regions()
        staff, _ = accounts.create_user("bench-county", "Bench#Passw0rd", "county_official",
                                        "511302", "压测")
        db.session.commit()
        data = workbook(rows)
        began = time.perf_counter()
        count = spreadsheets.import_xlsx(staff, data)
        db.session.commit()
        seconds = time.perf_counter() - began
    print(f"imported {count:,} rows in {seconds:.1f} s ({count / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
