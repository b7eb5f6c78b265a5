#!/usr/bin/env python3
"""Read an Excel workbook written by regie's xlsx-write plugin with openpyxl
(a reader regie's authors did not write) and check it.

  check_xlsx.py compare XLSX SHEET CSV [--text COL]... [--bool COL]...
                [--format COL=FORMAT]... [--format '*=FORMAT']
      The sheet SHEET of XLSX against the CSV file: the same header (bold,
      frozen, with an autofilter over the whole table), the same number of
      rows, and every cell's value AND type: an empty field is an empty cell,
      an integer (-?D+) or a decimal (-?D+.D+) a number of exactly that value,
      a valid date YYYY-MM-DD a date, YYYY-MM-DDTHH:MM[:SS] a date-time, yes/no
      in a --bool column a boolean, anything else (and every field of a --text
      column) text.  --format: the number format of that column's numbers
      ('*': every number column not named).  Column widths: set, at most 60.
  check_xlsx.py dump XLSX
      Every sheet's name, its frozen pane and autofilter, then every cell as
      SHEET!CELL TYPE FORMAT VALUE (TYPE: n number, s text, b boolean,
      d date), for tests to look at.

Exit status 0 when everything matches; 1 with a line per difference; 2 when
openpyxl is missing (the test is skipped) or the file cannot be read.
"""
import csv
import datetime
import re
import sys

try:
    import openpyxl
    from openpyxl.utils import get_column_letter
except ImportError:  # pragma: no cover
    print("openpyxl is missing (apt-get install python3-openpyxl)")
    sys.exit(2)

INT = re.compile(r"^-?[0-9]+$")
DEC = re.compile(r"^-?[0-9]+\.[0-9]+$")
DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
DATETIME = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?$")


def kind_of(cell):
    if cell.value is None:
        return "empty"
    if cell.is_date:
        return "d"
    if isinstance(cell.value, bool):
        return "b"
    if isinstance(cell.value, (int, float)):
        return "n"
    return "s"


def expected(text, column, opts):
    """(kind, value) a CSV field should be in the workbook."""
    if text == "":
        return ("empty", None)
    if column in opts["text"]:
        return ("s", text)
    if column in opts["bool"] and text in ("yes", "no"):
        return ("b", text == "yes")
    if INT.match(text):
        return ("n", int(text))
    if DEC.match(text):
        return ("n", float(text))
    m = DATE.match(text)
    if m:
        try:
            return ("d", datetime.datetime(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return ("s", text)
    m = DATETIME.match(text)
    if m:
        try:
            return ("d", datetime.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]),
                                           int(m[6] or 0)))
        except ValueError:
            return ("s", text)
    return ("s", text)


def compare(path, sheet, csv_path, opts):
    errors = []
    wb = openpyxl.load_workbook(path)
    if sheet not in wb.sheetnames:
        return ["no sheet %r (sheets: %s)" % (sheet, ", ".join(wb.sheetnames))]
    ws = wb[sheet]
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    ncols = len(header)
    if ws.max_row != len(rows):
        errors.append("%d rows in the sheet, %d lines in the CSV" % (ws.max_row, len(rows)))
    if ws.max_column != ncols:
        errors.append("%d columns in the sheet, %d in the CSV" % (ws.max_column, ncols))
    if ws.freeze_panes != "A2":
        errors.append("frozen pane %r, expected A2 (the header row)" % (ws.freeze_panes,))
    want_filter = "A1:%s%d" % (get_column_letter(ncols), len(rows))
    if ws.auto_filter.ref != want_filter:
        errors.append("autofilter %r, expected %s" % (ws.auto_filter.ref, want_filter))
    for c, name in enumerate(header, start=1):
        cell = ws.cell(row=1, column=c)
        if cell.value != name or kind_of(cell) != "s":
            errors.append("%s: header %r, expected the text %r" % (cell.coordinate, cell.value, name))
        if not cell.font.b:
            errors.append("%s: header not bold" % cell.coordinate)
        dim = ws.column_dimensions[get_column_letter(c)]
        if dim.width is None or dim.width <= 0 or dim.width > 61:
            errors.append("column %s (%s): width %r, expected one set, at most 60"
                          % (get_column_letter(c), name, dim.width))
    for r, line in enumerate(body, start=2):
        for c, name in enumerate(header, start=1):
            text = line[c - 1] if c - 1 < len(line) else ""
            cell = ws.cell(row=r, column=c)
            want_kind, want = expected(text, name, opts)
            got_kind = kind_of(cell)
            where = "%s (row %d, column %s)" % (cell.coordinate, r, name)
            if got_kind != want_kind:
                errors.append("%s: %s %r, expected %s %r (CSV %r)"
                              % (where, got_kind, cell.value, want_kind, want, text))
                continue
            if want_kind == "n":
                if float(cell.value) != float(want):
                    errors.append("%s: %r, expected %r" % (where, cell.value, want))
                fmt = opts["format"].get(name, opts["format"].get("*"))
                if fmt is not None and cell.number_format != fmt:
                    errors.append("%s: number format %r, expected %r"
                                  % (where, cell.number_format, fmt))
            elif cell.value != want:
                errors.append("%s: %r, expected %r" % (where, cell.value, want))
            if want_kind == "d":
                fmt = "dd-mm-yyyy" if len(text) == 10 else "dd-mm-yyyy hh:mm" if len(text) == 16 \
                    else "dd-mm-yyyy hh:mm:ss"
                if cell.number_format != fmt:
                    errors.append("%s: date format %r, expected %r"
                                  % (where, cell.number_format, fmt))
    return errors


def dump(path):
    wb = openpyxl.load_workbook(path)
    p = wb.properties
    print("properties title=%s creator=%s created=%s" % (p.title, p.creator, p.created))
    for ws in wb:
        print("sheet %s freeze=%s filter=%s" % (ws.title, ws.freeze_panes, ws.auto_filter.ref))
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                v = cell.value
                if cell.is_date:
                    v = v.isoformat()
                print("%s!%s %s %s %s%s" % (ws.title, cell.coordinate, kind_of(cell),
                                             cell.number_format, v, " bold" if cell.font.b else ""))


def main(argv):
    if len(argv) >= 2 and argv[0] == "dump":
        dump(argv[1])
        return 0
    if len(argv) < 4 or argv[0] != "compare":
        print(__doc__)
        return 2
    opts = {"text": set(), "bool": set(), "format": {}}
    rest = argv[4:]
    while rest:
        if len(rest) < 2 or rest[0] not in ("--text", "--bool", "--format"):
            print("bad argument %r" % rest[0])
            return 2
        if rest[0] == "--format":
            col, _, fmt = rest[1].partition("=")
            opts["format"][col] = fmt
        else:
            opts[rest[0][2:]].add(rest[1])
        rest = rest[2:]
    errors = compare(argv[1], argv[2], argv[3], opts)
    for e in errors:
        print(e)
    if not errors:
        print("OK")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
