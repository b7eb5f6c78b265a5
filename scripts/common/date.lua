-- common/date.lua - dates for the workflows' scripts: Dutch texts of
-- dates, and day numbers for a script that counts many days.  The
-- calendar itself is regie.date's (C): validity, days between dates,
-- weekdays, working days.
--   local D = require "common.date"
local regie = regie or require "regie"
local V = require "common.value"

local D = {}

local date = regie.date

D.MONTHS_NL = { "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                "september", "oktober", "november", "december" }
D.WEEKDAYS_NL = { "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag" }

-- The date part "YYYY-MM-DD" of a date or a date and time
-- ("YYYY-MM-DDTHH:MM"); nil for nil, null or another text.
function D.date_of(s)
  if s == nil or s == regie.null then
    return nil
  end
  return (tostring(s):match("^(%d%d%d%d%-%d%d%-%d%d)"))
end

-- The date part of s when it is a date of the calendar, else nil.
local valid_of = V.cache(function(s)
  local d = D.date_of(s)
  return d and date.valid(d) and d or false
end)
local function valid(s)
  return type(s) == "string" and valid_of[s] or nil
end

-- "28 april 2026" of a date (or of a date and time: its date); any other
-- text as it is.
local nl_of = V.cache(function(s)
  local d = valid(s)
  if not d then
    return s
  end
  local y, m, dd = d:match("^(%d+)%-(%d+)%-(%d+)$")
  return string.format("%d %s %d", tonumber(dd), D.MONTHS_NL[tonumber(m)], tonumber(y))
end)
function D.date_nl(iso)
  if type(iso) ~= "string" then
    return tostring(iso)
  end
  return nl_of[iso]
end

-- "dinsdag" of a date; "" for anything else.
function D.weekday_nl(iso)
  local d = valid(iso)
  return d and D.WEEKDAYS_NL[date.weekday(d)] or ""
end

-- "dinsdag 28 april 2026"
function D.date_nl_long(iso)
  return D.weekday_nl(iso) .. " " .. D.date_nl(iso)
end

-- ---- day numbers (days since 1970-01-01) ---------------------------------
-- For a script that does arithmetic on many dates (a contact plan): a day
-- is an integer, its date the text of regie.date.  A plan has a few
-- hundred distinct days and asks for them again and again: both
-- conversions remember what they worked out.

local EPOCH = "1970-01-01"

-- "YYYY-MM-DD" -> day number, or nil when it is not a date.
local day_of = V.cache(function(iso)
  return iso:match("^%d%d%d%d%-%d%d%-%d%d$") and date.valid(iso) and date.diff(EPOCH, iso) or false
end)
function D.day(iso)
  if type(iso) ~= "string" then
    return nil
  end
  return day_of[iso] or nil
end

-- day number -> "YYYY-MM-DD"
local iso_of = V.cache(function(day)
  return date.add_days(EPOCH, day)
end)
function D.iso(day)
  return iso_of[day]
end

-- Add calendar months to a day number, the day of the month clamped (31
-- January + 1 month = 28 or 29 February).
function D.add_months(day, n)
  local y, m, d = iso_of[day]:match("^(%d+)%-(%d+)%-(%d+)$")
  local idx = tonumber(y) * 12 + (tonumber(m) - 1) + n
  local ny, nm = idx // 12, idx % 12 + 1
  d = tonumber(d)
  local iso = string.format("%04d-%02d-%02d", ny, nm, d)
  while d > 28 and not date.valid(iso) do
    d = d - 1
    iso = string.format("%04d-%02d-%02d", ny, nm, d)
  end
  return D.day(iso)
end

return D
