-- regional/lib.lua - what the steps of the regional progress monitor
-- share: the settings of monitor.ini, quarters and their dates, the
-- status of a milestone on a day, and exact percentages.  The calendar is
-- regie.date's (the Dutch working days with the options of [calendar]).
local V = require "common.value"
local D = require "common.date"
local P = require "common.pct"
local PR = require "common.previous"

local L = {}

L.rules = require "regional.rules"
L.RULES_FILE = "regional/rules.lua"
L.is_null = V.is_null
L.date_nl = D.date_nl
L.pct, L.ratio, L.hundredths, L.change = P.pct, P.ratio, P.hundredths, P.change

-- ---- quarters -------------------------------------------------------------------

local LAST_DAY = { "03-31", "06-30", "09-30", "12-31" }
local FIRST_DAY = { "01-01", "04-01", "07-01", "10-01" }

-- "2026-Q2" -> year, n (integers), or nil when it is no quarter.
function L.parse_quarter(q)
  local y, n = tostring(q or ""):match("^(%d%d%d%d)%-Q([1-4])$")
  if not y or y == "0000" then
    return nil
  end
  return tonumber(y), tonumber(n)
end

function L.quarter_name(y, n)
  return string.format("%04d-Q%d", y, n)
end

-- The first and last day of a quarter.
function L.quarter_start(y, n)
  return string.format("%04d-%s", y, FIRST_DAY[n])
end
function L.quarter_end(y, n)
  return string.format("%04d-%s", y, LAST_DAY[n])
end

-- The quarter k quarters before (k > 0) or after (k < 0) it.
function L.quarter_back(y, n, k)
  local i = y * 4 + (n - 1) - k
  return i // 4, i % 4 + 1
end

-- The quarter a date is in: "2026-Q2".
function L.quarter_of(d)
  local y, m = d:match("^(%d%d%d%d)%-(%d%d)")
  return L.quarter_name(tonumber(y), (tonumber(m) - 1) // 3 + 1)
end

-- ---- the previous run ----------------------------------------------------------------
-- Input previous is regions.csv of an earlier run: given with --set, or,
-- not given, taken from the latest earlier run in the run store that
-- finished done (from_previous_run), with that run's quarter.csv (input
-- previous_quarter: the quarter it reported on).  Its shares replace those
-- worked out from the data for the quarter before cfg's only when it is
-- that quarter's report: a previous_quarter in the folder of previous
-- must name the quarter before (a re-run of the same quarter, or of an
-- older one, is not compared with); without one there (a regions.csv
-- given by hand, as before quarter.csv was written) previous is trusted
-- as last quarter's.

-- Whether previous is to be used, and the quarter its run reported on
-- (nil when not known): true|false, quarter (common/previous.lua).
function L.use_previous(cfg)
  return PR.use("previous", "previous_quarter", "quarter", function(was)
    return cfg.year ~= nil and was == L.quarter_name(L.quarter_back(cfg.year, cfg.q, 1))
  end)
end

-- ---- monitor.ini ------------------------------------------------------------------
-- Its keys (type, range, default) are declared in the workflow, keys.SECTION
-- of [input.monitor], and checked when the file is read.

-- The settings: cfg.quarter (the input quarter when given, else [monitor]
-- quarter), year, q (its number; nil when quarter is no quarter), first
-- and last (its days), stale (stale_workdays), tolerance
-- (late_tolerance_workdays), calendar (as regie.date takes it); cfg.file
-- and cfg.lines of monitor.ini.  nil when monitor.ini could not be read.
function L.config()
  local s, at = regie.settings("monitor")
  if not s then
    return nil
  end
  local m = s.monitor
  local cfg = {
    file = at.source or "monitor.ini", lines = at.line,
    quarter = m.quarter, stale = m.stale_workdays, tolerance = m.late_tolerance_workdays,
    calendar = s.calendar, from_input = false,
  }
  if regie.has_input("quarter") then
    cfg.quarter = regie.input("quarter")
    cfg.from_input = true
  end
  cfg.year, cfg.q = L.parse_quarter(cfg.quarter)
  if cfg.year then
    cfg.first = L.quarter_start(cfg.year, cfg.q)
    cfg.last = L.quarter_end(cfg.year, cfg.q)
  end
  return cfg
end

-- ---- the status of a milestone at the end of a quarter ---------------------------
--   done_on_time  done_at <= due + late_tolerance_workdays (working days)
--   done_late     done later
--   late          not done by the day `e`, and due before it
--   at_risk       the latest update up to `e` has a status of
--                 rules.at_risk_statuses, or no update for stale_workdays
--                 working days (since the last update, or since the day
--                 before the quarter when there is none): stale = true
--   on_track      else
-- A milestone done after `e` is not done yet on `e`.  Returns the status,
-- stale (true/false) and the day of the signal (since).
function L.status(m, e, ref, cfg, deadline, stale_from)
  if m.done_at and m.done_at <= e then
    return m.done_at <= deadline[m.due] and "done_on_time" or "done_late", false, nil
  end
  if m.due < e then
    return "late", false, regie.date.add_days(m.due, 1)
  end
  local u = m.latest
  if u and L.rules.at_risk_statuses[u.status] then
    return "at_risk", false, u.date
  end
  local since = stale_from[u and u.date or ref]
  if since <= e then
    return "at_risk", true, since
  end
  return "on_track", false, nil
end

-- deadline[due]: the last day a milestone due then counts as done on time.
function L.deadline_of(cfg)
  local add, n, cal = regie.date.add_workdays, cfg.tolerance, cfg.calendar
  return V.cache(function(d)
    return n == 0 and d or add(d, n, cal)
  end)
end

-- stale_from[d]: the day a milestone whose last update was on d becomes
-- stale (stale_workdays working days later).
function L.stale_from_of(cfg)
  local add, n, cal = regie.date.add_workdays, cfg.stale, cfg.calendar
  return V.cache(function(d)
    return add(d, n, cal)
  end)
end

return L
