"""Check ICS files of the event-organisation workflow with an independent parser.

usage: python3 check_ics.py METHOD EVENTS FILE...

For every FILE: the raw format (CRLF line endings only, no line over 75
octets, folding never inside a UTF-8 character, VERSION:2.0, PRODID, the
METHOD given), then the `icalendar` package parses it and the checks go on
on the parsed calendar: EVENTS VEVENTs, UIDs unique and of the form
<event-id>-<n>@<domain> with n = 1..EVENTS in order, DTSTAMP, DTSTART and
DTEND in UTC with DTEND after DTSTART, SEQUENCE; for METHOD REQUEST an
ORGANIZER and one ATTENDEE with RSVP=TRUE and PARTSTAT=NEEDS-ACTION per
VEVENT; for METHOD CANCEL STATUS:CANCELLED on every VEVENT.
Prints every problem, file by file; exit 1 if any.
"""
import datetime
import re
import sys

import icalendar

method, want = sys.argv[1], int(sys.argv[2])
problems = []

for path in sys.argv[3:]:
    def bad(msg):
        problems.append("%s: %s" % (path, msg))

    raw = open(path, "rb").read()
    if not raw.endswith(b"\r\n"):
        bad("does not end in CRLF")
    if re.search(rb"(?<!\r)\n", raw) or re.search(rb"\r(?!\n)", raw):
        bad("a line ending that is not CRLF")
    for no, line in enumerate(raw.split(b"\r\n")[:-1], 1):
        if len(line) > 75:
            bad("line %d: %d octets > 75" % (no, len(line)))
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad("line %d: folded inside a UTF-8 character" % no)
    lines = raw.replace(b"\r\n ", b"").decode("utf-8", "replace").split("\r\n")
    for need in ("BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:" + method, "END:VCALENDAR"):
        if need not in lines:
            bad("no line " + need)
    if not any(l.startswith("PRODID:") for l in lines):
        bad("no PRODID")

    try:
        cal = icalendar.Calendar.from_ical(raw)
    except Exception as e:  # noqa: BLE001 - any parse failure is a finding
        bad("icalendar cannot parse it: %s" % e)
        continue
    if str(cal.get("METHOD")) != method:
        bad("METHOD %s, expected %s" % (cal.get("METHOD"), method))
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    if len(events) != want:
        bad("%d VEVENTs, expected %d" % (len(events), want))
    for n, ev in enumerate(events, 1):
        uid = str(ev.get("UID"))
        m = re.match(r"^[A-Za-z0-9_-]+-(\d+)@[A-Za-z0-9.-]+$", uid)
        if not m or int(m.group(1)) != n:
            bad("VEVENT %d: UID %r, expected <event-id>-%d@<domain>" % (n, uid, n))
        for prop in ("DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY"):
            if ev.get(prop) is None:
                bad("%s: no %s" % (uid, prop))
        if ev.get("DTSTART") is None or ev.get("DTEND") is None:
            continue
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        for label, t in (("DTSTART", start), ("DTEND", end)):
            if not isinstance(t, datetime.datetime) or t.utcoffset() is None:
                bad("%s: %s %r is not a time with a zone" % (uid, label, t))
        if isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime) \
                and start.utcoffset() is not None and end.utcoffset() is not None and end <= start:
            bad("%s: DTEND %s not after DTSTART %s" % (uid, end, start))
        if method == "REQUEST":
            if ev.get("ORGANIZER") is None:
                bad("%s: no ORGANIZER" % uid)
            att = ev.get("ATTENDEE")
            if att is None or isinstance(att, list):
                bad("%s: %s ATTENDEE lines, expected 1" % (uid, len(att) if att else 0))
            else:
                if str(att.params.get("RSVP")).upper() != "TRUE":
                    bad("%s: ATTENDEE without RSVP=TRUE" % uid)
                if str(att.params.get("PARTSTAT")).upper() != "NEEDS-ACTION":
                    bad("%s: ATTENDEE without PARTSTAT=NEEDS-ACTION" % uid)
                if not str(att).lower().startswith("mailto:"):
                    bad("%s: ATTENDEE %r is not a mailto: address" % (uid, str(att)))
        if method == "CANCEL" and str(ev.get("STATUS")) != "CANCELLED":
            bad("%s: STATUS %s, expected CANCELLED" % (uid, ev.get("STATUS")))

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
