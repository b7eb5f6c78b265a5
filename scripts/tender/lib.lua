-- tender/lib.lua - shared helpers of the tender-evaluation steps.
--
-- What lives here: the settings of tender.ini (typed by the workflow's
-- keys.SECTION), small data helpers, exact numbers and their Dutch texts,
-- escaping, and FNV-1a-64 for seeded lots;
-- the helpers of every workflow (values, texts, dates) come from
-- scripts/common under the same names.  The rules themselves live in the
-- step scripts (one rule, one place):
--   validate.lua   configuration and cross-file checks
--   intake.lua     late bids, duplicate candidates
--   knockout.lua   requirements (rate cap, documents, ko.csv)
--   quality.lua    award criteria scoring
--   lowprice.lua   abnormally low price flag
--   price.lua      price points (the four formulas)
--   rank.lua       totals, rounding, ranking, tie-break, lots
--   shortlist.lua  who is invited to an interview
--   interviews.lua interview outcomes
--   decision.lua   statuses, standstill dates
--   report.lua     ranking.csv/md, explain/, report.html, scores.svg, lot-protocol.md
--   write_letters.lua + letters.lua (the letter texts; invitations with common/ics.lua)
--   view.lua, svg.lua  shared by the output steps (no rules)

local regie = regie or require "regie"
local V = require "common.value"
local T = require "common.text"
local dates = require "common.date"

local L = {}

-- ---- values ----------------------------------------------------------------
-- (common/value.lua and common/text.lua; the names the steps use)

local type = type
local null = regie.null

L.is_null = V.is_null
local is_null = V.is_null

local memo = V.memo
L.memo = memo -- (for the steps' own values that recur: levels, rates, coordinates)
L.sub = V.sub
L.trim = T.trim

-- A cell as plain text ("" for null; numbers with at most 6 decimals).
L.str = T.cell(6)

-- An evaluator's name as scores are compared by: trimmed, and CONSENSUS
-- (the agreed score) in any case as "CONSENSUS".  Remembered per text, as
-- the same few names fill every row of scores.csv.
L.CONSENSUS = "CONSENSUS"
L.evaluator = memo(function(written)
  local ev = L.trim(L.str(written))
  if ev:upper() == L.CONSENSUS then
    return L.CONSENSUS
  end
  return ev
end)

-- A Lua list of a regie list cell (or of nil/null: empty).
function L.items(v)
  local out = {}
  if is_null(v) then
    return out
  end
  if type(v) == "table" then
    for i = 1, #v do
      out[i] = v[i]
    end
    return out
  end
  out[1] = v
  return out
end

-- The items of a regie list cell for reading only: the list itself, not a
-- copy (change it and the record changes too); {} for nil/null, { v } for a
-- single value.  For the output steps, which read thousands of lists.
function L.items_shared(v)
  if type(v) == "table" then
    return v
  end
  if v == nil or v == null then
    return {}
  end
  return { v }
end

function L.list(t)
  return regie.list(t or {})
end

-- Rows of a dataset, or of the input of that name, as plain tables, each
-- with `_line` (its line in the source file, when known) and `_i` (its
-- position).
function L.rows(ds)
  return regie.rows(ds)
end

function L.source(ds, fallback)
  return (ds and ds.source) or fallback
end

-- "dir/bids.csv" -> "bids.csv" (for "expected" texts)
function L.basename(path)
  return (tostring(path):match("([^/]+)$")) or tostring(path)
end

function L.has_column(ds, name)
  return ds ~= nil and ds.columns ~= nil and V.contains(ds.columns, name)
end

-- The items of a list put together by key(item): groups[k] is the list of
-- the items with key k (in list order), `keys` the keys in order of first
-- appearance.
function L.group_by(items, key)
  local groups, keys = {}, {}
  for _, item in ipairs(items) do
    local k = key(item)
    local g = groups[k]
    if not g then
      g = {}
      groups[k] = g
      keys[#keys + 1] = k
    end
    g[#g + 1] = item
  end
  return groups, keys
end

-- map key -> row of a list of rows, the rows themselves (first wins)
function L.index_of(rows, key)
  local m = {}
  for _, r in ipairs(rows) do
    local k = r[key]
    if k ~= nil and k ~= null and m[k] == nil then
      m[k] = r
    end
  end
  return m
end

-- map key -> row of a dataset or named input (first wins)
function L.index(ds, key)
  return L.index_of(L.rows(ds), key)
end

function L.sorted_keys(t)
  local ks = {}
  for k in pairs(t) do
    ks[#ks + 1] = k
  end
  table.sort(ks)
  return ks
end

-- Report something missing from an input file (no line to point at):
-- "FILE: column COLUMN: WHAT".
function L.missing(file, column, what)
  if not pcall(regie.data_error, file, 0, column, nil, what) then
    regie.data_error(file, 0, column, "", what)
  end
end

-- ---- numbers ----------------------------------------------------------------
-- Points and prices are computed in exact decimals (regie.decimal, §0: half-up
-- on the exact value): a Lua float never enters a formula.  A value from a
-- file or a dataset becomes exact with L.exact; a step hands an exact value
-- to the next one as its text (tostring(d), column *_exact) beside the
-- nearest double (for drawing and the texts of the output steps).

local D = regie.decimal
L.D = D
local is_decimal = D.is

-- the exact value of a number by its shortest decimal text (what the file
-- said: 33.3 is 333/10) or of an exact text ("19.425", "125/6")
local exact_of = memo(function(v)
  if type(v) == "string" then
    return D(v)
  end
  return D.from_number(v)
end)

-- The exact decimal of v: a decimal as is, an integer, a float read from a
-- file (by its shortest decimal text), an exact text; nil for nil/null.
function L.exact(v)
  if v == nil or v == null then
    return nil
  end
  if is_decimal(v) then
    return v
  end
  return exact_of(v)
end

-- "points" -> "points_exact", made once per field name
local exact_name = setmetatable({}, { __index = function(t, field)
  local name = field .. "_exact"
  t[field] = name
  return name
end })

-- The exact value of a dataset row's field: its `<field>_exact` text when
-- the producing step wrote one, else the field itself.
function L.exact_field(row, field)
  local t = row[exact_name[field]]
  if t ~= nil and t ~= null and t ~= "" then
    return exact_of(t)
  end
  return L.exact(row[field])
end

-- A dataset row's field rounded half-up to d decimals on its exact value,
-- as a number (for the texts of the output steps); nil for nil/null.
local rounded_text = {} -- [d]: exact text -> rounded number, remembered
function L.rounded(row, field, d)
  local t = row[exact_name[field]]
  if type(t) == "string" and t ~= "" then
    local m = rounded_text[d]
    if not m then
      m = memo(function(text) return exact_of(text):round(d):tonumber() end)
      rounded_text[d] = m
    end
    return m(t)
  end
  local v = L.exact(row[field])
  return v and v:round(d):tonumber()
end

-- |a − b| of two rounded scores (numbers), exactly: a decimal.
function L.gap(a, b)
  return (L.exact(a) - L.exact(b)):abs()
end

-- Points of a graded criterion (§1.2): M × aggregate(levels) / 100 with
-- aggregation mean (also for the one level of a consensus) or median.
-- Exact: M and the levels are decimals (or integers, or exact texts).
-- Returns the points and the aggregate level.
function L.criterion_points(M, levels, aggregation)
  local level
  if aggregation == "median" then
    level = D.median(levels)
  else
    level = D.mean(levels)
  end
  return L.exact(M) * level / 100, level
end

-- Rounded to d decimals, half-up on the exact value.  A decimal stays a
-- decimal; a number (exact for decimal inputs) stays a number.
L.round = regie.round

-- (regie.format takes numbers and decimals alike)
local format_number = regie.format

-- Machine text: decimal point, exactly d decimals.
function L.fmt(x, d)
  if x == nil or x == null then
    return ""
  end
  return format_number(x, d)
end

-- Dutch text: decimal comma, exactly d decimals ("67,92").
function L.nl(x, d)
  if x == nil or x == null then
    return ""
  end
  return format_number(x, d or 2, ",")
end

-- "€125,00"
function L.eur(x)
  return "€" .. L.nl(x, 2)
end

-- "€120" for whole amounts, "€120,50" otherwise (for limits such as max_rate)
function L.eur_short(x)
  if L.round(x, 2) == math.floor(x) then
    return "€" .. string.format("%d", math.floor(x))
  end
  return L.eur(x)
end

-- A level or weight as short text: "75", "12.5" (nl: "12,5").
function L.short(x, nl)
  local s = L.str(x)
  return nl and T.comma(s) or s
end

-- ---- dates --------------------------------------------------------------------

-- (common/date.lua)
L.date_of = dates.date_of -- the date part of "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM"
L.date_nl = dates.date_nl -- "28 april 2026"
L.date_nl_long = dates.date_nl_long -- "dinsdag 28 april 2026"

-- "YYYY-MM-DDTHH:MM" for comparisons (a plain date counts as 00:00).
function L.stamp(s)
  s = L.trim(L.str(s))
  local d, t = s:match("^(%d%d%d%d%-%d%d%-%d%d)[T ](%d%d:%d%d)")
  if d then
    return d .. "T" .. t
  end
  d = s:match("^(%d%d%d%d%-%d%d%-%d%d)$")
  if d then
    return d .. "T00:00"
  end
  return s
end

-- "12 januari 2026 12:00"
function L.datetime_nl(s)
  local d = L.date_of(s)
  local t = tostring(s):match("T(%d%d:%d%d)")
  if not d then
    return tostring(s)
  end
  return L.date_nl(d) .. (t and (", " .. t .. " uur") or "")
end

-- Working-day calendar of [calendar] and the statutory Atw calendar.
function L.calendar(cfg)
  return { liberation_day = cfg.calendar.liberation_day, good_friday = cfg.calendar.good_friday,
           atw = false, extra_closed = cfg.calendar.extra_closed }
end

function L.atw_calendar(cfg)
  return { liberation_day = "yearly", good_friday = true, atw = true,
           extra_closed = cfg.calendar.atw_extra_closed }
end

-- ---- escaping -------------------------------------------------------------------

-- L.html: HTML text; L.md: text inside a Markdown table cell or line: no
-- table breaks, no HTML (line breaks become a space; \ | * _ ` < > [ ]
-- get a backslash).  Other values as L.str writes them.
L.html, L.md = T.escapes(6)
L.xml = L.html

-- ---- FNV-1a 64 (lots) ---------------------------------------------------------
-- Lua 5.4 integers are 64-bit and wrap around on overflow, which is exactly
-- arithmetic mod 2^64.
local FNV_OFFSET = 0xcbf29ce484222325
local FNV_PRIME = 0x100000001b3

function L.fnv1a64(s)
  local h = FNV_OFFSET
  for i = 1, #s do
    h = h ~ s:byte(i)
    h = h * FNV_PRIME
  end
  return h
end

function L.hex64(h)
  return string.format("%016x", h)
end

-- unsigned comparison of two 64-bit hashes
function L.hash_less(a, b)
  return math.ult(a, b)
end

-- ---- tender.ini -------------------------------------------------------------------
-- Its keys (type, range, choices, required, default) are declared in the
-- workflow, keys.SECTION of [input.tender], and checked when the file is
-- read; regie.settings hands them over typed, with the defaults.

-- The settings for the steps (tender.ini has no error when they run):
--   cfg.<section>.<key>   typed values (defaults applied; nil: none)
--   cfg.line["section.key"], cfg.raw["section.key"]   where/what was written
--   cfg.source            the INI file
-- nil when tender.ini could not be read.
function L.load_config()
  local cfg, at = regie.settings("tender")
  if cfg then
    cfg.source, cfg.line, cfg.raw = at.source or "tender.ini", at.line, at.text
  end
  return cfg
end

-- ---- criteria.csv ---------------------------------------------------------------
-- Returns { award = {rows in file order}, ko = {...}, by_id = {} }
function L.criteria(ds)
  local c = { award = {}, ko = {}, by_id = {}, source = L.source(ds, "criteria.csv") }
  for _, r in ipairs(L.rows(ds)) do
    r.kind = L.trim(L.str(r.kind)):lower()
    r.scale = L.trim(L.str(r.scale)):lower()
    if r.scale == "" then
      r.scale = "graded"
    end
    r.check = L.trim(L.str(r.check)):lower()
    r.title = L.str(r.title)
    r.text = L.str(r.text) -- the published text (optional column)
    if r.kind == "award" then
      c.award[#c.award + 1] = r
    elseif r.kind == "ko" then
      c.ko[#c.ko + 1] = r
    end
    c.by_id[r.id] = r
  end
  c.max_total = 0
  c.max_total_exact = D(0) -- Q_max exactly (§1.2: Q' = Q × W_Q / Q_max)
  for _, a in ipairs(c.award) do
    if not is_null(a.max_points) then
      c.max_total = c.max_total + a.max_points
      c.max_total_exact = c.max_total_exact + L.exact(a.max_points)
    end
  end
  return c
end

-- The label of a requirement as Dutch text: "max. €120 excl. btw" for the
-- rate cap, the title otherwise.
function L.requirement_label(req, cfg)
  if req.check == "max_rate" and cfg.requirements.max_rate then
    return "max. " .. L.eur_short(cfg.requirements.max_rate) .. " excl. btw"
  end
  if req.check == "documents" then
    return string.format("precies %d cv en %d motivatiebrief", cfg.requirements.cv_count,
                         cfg.requirements.motivation_count)
  end
  return req.title
end

-- ---- price methods -----------------------------------------------------------------
L.PRICE_METHODS_SCALED = { lowest_ratio = true, linear_ceiling = true, relative_deviation = true }

function L.uses_price_points(cfg)
  return L.PRICE_METHODS_SCALED[cfg.award.price_method] == true
end

function L.is_fictitious(cfg)
  return cfg.award.price_method == "fictitious_discount"
end

-- Names of the outcomes for Dutch texts.
L.STATUS_NL = {
  invited = "uitgenodigd voor een gesprek",
  not_selected = "niet geselecteerd",
  excluded = "uitgesloten",
  awarded = "voornemen tot gunning",
  reserve = "reserve",
}

L.METHOD_NL = {
  none = "geen prijscriterium (alleen kwaliteit)",
  lowest_ratio = "laagste prijs / prijs (MP × P_laag / P)",
  linear_ceiling = "lineair tussen plafond en bodem (MP × (P_plafond − P) / (P_plafond − P_bodem))",
  relative_deviation = "relatieve afwijking (MP × (1 − (P − P_laag) / P_laag))",
  fictitious_discount = "fictieve korting / gunnen op waarde (F = P − Σ waarde × score)",
}

return L
