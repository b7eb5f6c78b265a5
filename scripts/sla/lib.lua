-- sla/lib.lua - what the steps of the service-level report share: the
-- settings of sla.ini, the day a request counts from, its due date and
-- the week of a date.  The calendar is regie.date's (the Dutch working
-- days with the options of [calendar]).
local V = require "common.value"
local T = require "common.text"
local D = require "common.date"
local P = require "common.pct"
local PR = require "common.previous"

local L = {}

L.rules = require "sla.rules"
L.RULES_FILE = "sla/rules.lua"
L.is_null = V.is_null
L.date_of = D.date_of

-- A value of a record as text ("" for null).
L.str = T.cell(2)

-- ---- sla.ini ------------------------------------------------------------------
-- Its keys (type, range, default) are declared in the workflow, keys.SECTION
-- of [input.sla], and checked when the file is read.

-- "HH:MM" -> minutes since midnight, or nil.
function L.minutes(hhmm)
  local h, m = tostring(hhmm):match("^(%d%d?):(%d%d)$")
  h, m = tonumber(h), tonumber(m)
  if not h or h > 23 or m > 59 then
    return nil
  end
  return h * 60 + m
end

-- The settings: cfg.workdays, target_pct, satisfaction_min,
-- satisfaction_target_pct, report_date (the input report_date when given,
-- else [sla] report_date), cutoff (minutes, or nil), cutoff_time (its
-- text), calendar (as regie.date takes it); cfg.file and cfg.lines of
-- sla.ini.  nil when sla.ini could not be read.
function L.config()
  local s, at = regie.settings("sla")
  if not s then
    return nil
  end
  local sla = s.sla
  local cfg = {
    file = at.source or "sla.ini", lines = at.line,
    workdays = sla.response_workdays, target_pct = sla.target_pct,
    satisfaction_min = sla.satisfaction_min, satisfaction_target_pct = sla.satisfaction_target_pct,
    report_date = sla.report_date, cutoff_time = sla.cutoff_time or "",
    calendar = s.calendar,
  }
  if regie.has_input("report_date") then
    cfg.report_date = regie.input("report_date")
  end
  if cfg.cutoff_time ~= "" then
    cfg.cutoff = L.minutes(cfg.cutoff_time)
  end
  return cfg
end

-- ---- the previous run ----------------------------------------------------------------
-- Input previous is summary.csv of an earlier run: given with --set, or,
-- not given, taken from the latest earlier run in the run store that
-- finished done (from_previous_run), with that run's period.csv (input
-- previous_period: the report date it reported on).  It is compared with
-- (trend.csv) only when that report date is earlier than cfg's: a
-- previous_period in the folder of previous must name an earlier day (a
-- re-run of the same month, or of a later one, is not compared with);
-- without one there (a summary.csv given by hand, as before period.csv
-- was written) previous is trusted as an earlier run's.

-- Whether previous is to be used, and the report date of its run (nil
-- when not known): true|false, date (common/previous.lua).
function L.use_previous(cfg)
  return PR.use("previous", "previous_period", "report_date", function(was)
    return cfg ~= nil and cfg.report_date ~= nil and was < tostring(cfg.report_date)
  end)
end

-- ---- days ---------------------------------------------------------------------

-- The day a request received at `at` (a date, or a date and time) counts
-- from: its date, or the next day when it arrived at or after the cutoff
-- time.  The day itself never counts (add_workdays).
function L.start_day(at, cfg)
  local d = D.date_of(at)
  if cfg.cutoff then
    local h, m = tostring(at):match("T(%d%d):(%d%d)")
    if h and tonumber(h) * 60 + tonumber(m) >= cfg.cutoff then
      d = regie.date.add_days(d, 1)
    end
  end
  return d
end

-- due_of(cfg) is a table: due[start_day] is the due date of a request
-- counted from that day.  A month holds few distinct days: each is worked
-- out once.
function L.due_of(cfg)
  local add, n, cal = regie.date.add_workdays, cfg.workdays, cfg.calendar
  return V.cache(function(d)
    return add(d, n, cal)
  end)
end

-- week_of[d]: the ISO week of date d, "2026-W15".
L.week_of = V.cache(function(d)
  local day = D.day(d)
  local thursday = day - (regie.date.weekday(d) - 1) + 3
  local year = D.iso(thursday):sub(1, 4)
  local week = (thursday - D.day(year .. "-01-01")) // 7 + 1
  return string.format("%s-W%02d", year, week)
end)

L.day = D.day
L.iso = D.iso
L.date_nl = D.date_nl

-- ---- numbers ------------------------------------------------------------------
-- exact shares and changes, on integers: common/pct.lua
L.pct, L.ratio, L.hundredths, L.change = P.pct, P.ratio, P.hundredths, P.change

return L
