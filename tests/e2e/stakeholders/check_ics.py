"""Check contacts.ics of the S1 example with an independent parser.

usage: python3 check_ics.py FILE EXPECTED_EVENTS EXPECTED_DTSTAMP

Checks the raw format (CRLF, 75-octet folding that never splits a UTF-8
character, header), then parses the file with the `icalendar` package and
checks the events: count, unique UIDs of the form <analysis>-<id>-<n>@<domain>,
DTSTAMP, all-day dates on Dutch working days, and the dates of a few
stakeholders from the worked example.  Prints every problem; exit 1 if any.
"""
import datetime
import re
import sys

import icalendar

path, want_count, want_stamp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
raw = open(path, "rb").read()
problems = []

# ---- raw format --------------------------------------------------------
if not raw.endswith(b"\r\n"):
    problems.append("file does not end in CRLF")
if re.search(rb"(?<!\r)\n", raw):
    problems.append("bare LF line ending")
for no, line in enumerate(raw.split(b"\r\n")[:-1], 1):
    if len(line) > 75:
        problems.append("line %d: %d octets > 75" % (no, len(line)))
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("line %d: folded inside a UTF-8 character" % no)
unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
lines = unfolded.split("\r\n")
for want in ("BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:PUBLISH"):
    if want not in lines:
        problems.append("missing line " + want)
if not any(l.startswith("PRODID:") for l in lines):
    problems.append("missing PRODID")
# text escaping: a comma in a concern is escaped, a colon is not
if "Boodschap: Beeldvorming: \"gemeenten kunnen het niet aan\"" not in unfolded:
    problems.append("colon escaped or quote mangled in DESCRIPTION")
if "Begrijpelijke\\, tijdige informatie" not in unfolded:
    problems.append("comma not escaped as \\, in DESCRIPTION")
if "toetsingskader\\; bestuur" not in unfolded:
    problems.append("semicolon not escaped as \\; in DESCRIPTION")

# ---- parsed ------------------------------------------------------------
cal = icalendar.Calendar.from_ical(raw)
events = [c for c in cal.walk() if c.name == "VEVENT"]
if len(events) != want_count:
    problems.append("%d events, expected %d" % (len(events), want_count))

holidays = {
    datetime.date(2026, 4, 6), datetime.date(2026, 4, 27), datetime.date(2026, 5, 5),
    datetime.date(2026, 5, 14), datetime.date(2026, 5, 25), datetime.date(2026, 12, 25),
    datetime.date(2026, 12, 26), datetime.date(2027, 1, 1),
}
uids = set()
by_id = {}
for ev in events:
    uid = str(ev.get("UID"))
    m = re.match(r"^focus-op-uitvoering-(S\d\d)-(\d+)@vng\.nl$", uid)
    if not m:
        problems.append("UID %r not <analysis>-<id>-<n>@vng.nl" % uid)
        continue
    if uid in uids:
        problems.append("duplicate UID " + uid)
    uids.add(uid)
    start = ev.decoded("DTSTART")
    if isinstance(start, datetime.datetime) or not isinstance(start, datetime.date):
        problems.append("%s: DTSTART is not an all-day date" % uid)
        continue
    if start.weekday() >= 5 or start in holidays:
        problems.append("%s: %s is not a working day" % (uid, start))
    if not (datetime.date(2026, 2, 2) <= start < datetime.date(2027, 2, 2)):
        problems.append("%s: %s outside the plan period" % (uid, start))
    stamp = ev.get("DTSTAMP").to_ical().decode()
    if stamp != want_stamp:
        problems.append("%s: DTSTAMP %s, expected %s" % (uid, stamp, want_stamp))
    by_id.setdefault(m.group(1), []).append(start)

d = datetime.date
expect = {
    # residents: 2 a year, half a year apart
    "S08": [d(2026, 2, 2), d(2026, 8, 3)],
}
for sid, dates in expect.items():
    if sorted(by_id.get(sid, [])) != dates:
        problems.append("%s: dates %s, expected %s" % (sid, sorted(by_id.get(sid, [])), dates))
s04 = set(by_id.get("S04", []))
if len(s04) != 26:
    problems.append("S04: %d contacts, expected 26" % len(s04))
# Koningsdag (Mon 27 Apr) and Whit Monday (25 May) move to the next working day
for want in (d(2026, 4, 28), d(2026, 5, 26)):
    if want not in s04:
        problems.append("S04: no contact on %s (moved from a holiday)" % want)
s07 = by_id.get("S07", [])
if len(s07) != 13:
    problems.append("S07 (time bomb): %d contacts, expected 12 + 1 extra meeting" % len(s07))

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
