"""Rebuild the English catalogue after a merge: the msgids the code has now (pybabel extract),
each with its English from the first of the given git refs whose catalogue has it. A
line-based merge of two .po files can pair a msgid with another entry's English; this cannot.

    .venv/bin/python scripts/rebuild_catalogue.py . HEAD MERGE_HEAD   # then pybabel compile

It prints the msgids no ref translates (add their English, then compile)."""
import io
import subprocess
import sys

from babel.messages.pofile import read_po, write_po

PO = "registry/translations/en/LC_MESSAGES/messages.po"
wt, refs = sys.argv[1], sys.argv[2:]
known = {}
for ref in refs:
    data = subprocess.run(["git", "-C", wt, "show", f"{ref}:{PO}"], capture_output=True).stdout
    for m in read_po(io.BytesIO(data)):
        if m.id and m.string and (all(m.string) if isinstance(m.string, tuple) else True):
            known.setdefault(m.id, m.string)
subprocess.run([f"{wt}/.venv/bin/pybabel", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
                "lazy_gettext", "-k", "N_", "-o", "/tmp/rebuild.pot", "."],
               cwd=wt, check=True, capture_output=True)
cat = read_po(open("/tmp/rebuild.pot", "rb"), locale="en")
cat.fuzzy = False
missing = []
for m in cat:
    if not m.id:
        continue
    if m.id in known:
        m.string = known[m.id]
    else:
        missing.append(m.id)
out = io.BytesIO()
write_po(out, cat, width=100, omit_header=False, no_location=False)
open(f"{wt}/{PO}", "wb").write(out.getvalue())
print(len(list(cat)), "messages;", len(missing), "missing")
for i in missing:
    print("MISSING:", i)
