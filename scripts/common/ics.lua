-- common/ics.lua - iCalendar files (RFC 5545), for every workflow that
-- writes them: TEXT values escaped, content lines folded, times in
-- Europe/Amsterdam with its VTIMEZONE or in UTC.
--
--   local ics = require "common.ics"
--   f:write(ics.line("SUMMARY:" .. ics.text(title)))      -- folded, CRLF
--   ics.lines({ "BEGIN:VCALENDAR", ... })                 -- all of them
--
-- A file is its content lines, each folded and ended in CRLF.
local regie = regie or require "regie"
local dates = require "common.date"

local I = {}

-- A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and a line
-- break (CR LF, LF or a lone CR) escaped; not the colon.
function I.text(s)
  if not s:find("[\\;,\r\n]") then
    return s
  end
  s = s:gsub("\r\n", "\n"):gsub("\r", "\n")
  s = s:gsub("\\", "\\\\"):gsub(";", "\\;"):gsub(",", "\\,"):gsub("\n", "\\n")
  return s
end

-- A content line folded at 75 octets (CRLF and one space; a continuation
-- line holds 74 octets after its space), never inside a UTF-8 sequence,
-- and ended in CRLF.
function I.line(line)
  if #line <= 75 then
    return line .. "\r\n"
  end
  local out = {}
  local limit = 75
  local i, n = 1, #line
  while n - i + 1 > limit do
    local j = i + limit -- the first byte that does not fit
    -- back to the first byte of its character
    while j > i + 1 and (line:byte(j) & 0xC0) == 0x80 do
      j = j - 1
    end
    out[#out + 1] = line:sub(i, j - 1)
    i = j
    limit = 74 -- after the space a continuation line begins with
  end
  out[#out + 1] = line:sub(i)
  return table.concat(out, "\r\n ") .. "\r\n"
end

-- The content lines of a list, each folded and ended in CRLF, as one text.
function I.lines(list)
  local out = {}
  for i, l in ipairs(list) do
    out[i] = I.line(l)
  end
  return table.concat(out)
end

-- A parameter value (RFC 5545 §3.2: CN=...): in double quotes when it
-- holds a colon, semicolon or comma; a double quote (never allowed) and
-- control characters become a space.
function I.param(s)
  s = tostring(s):gsub('[%c"]', " ")
  if s:find("[:;,]") then
    return '"' .. s .. '"'
  end
  return s
end

-- the last second a DTSTAMP can hold (a year of four digits): 9999-12-31T23:59:59Z
local EPOCH_MAX = 253402300799

-- DTSTAMP (UTC, "YYYYMMDDTHHMMSSZ") of SOURCE_DATE_EPOCH (seconds since
-- 1970, as text) when it is set (not empty), else `fallback`, so that the
-- same input gives the same file.  A SOURCE_DATE_EPOCH that is not a
-- whole number of seconds fails the step, saying so.
function I.dtstamp(epoch, fallback)
  epoch = tostring(epoch or ""):match("^%s*(.-)%s*$")
  if epoch == "" then
    return fallback
  end
  local e = epoch:match("^%d+$") and math.tointeger(tonumber(epoch))
  if not e or e > EPOCH_MAX then
    regie.fail(string.format("SOURCE_DATE_EPOCH: found \"%s\", expected a whole number of seconds%s",
                             epoch, e and string.format(" up to %d (9999-12-31)", EPOCH_MAX) or ""))
  end
  local secs = e % 86400
  return string.format("%sT%02d%02d%02dZ", I.date(dates.iso(e // 86400)), secs // 3600,
                       secs % 3600 // 60, secs % 60)
end

-- ---- Europe/Amsterdam -------------------------------------------------------

I.TZID = "Europe/Amsterdam"

-- The VTIMEZONE of Europe/Amsterdam: CET, CEST from the last Sunday of
-- March to the last Sunday of October (01:00 UTC).
I.VTIMEZONE = {
  "BEGIN:VTIMEZONE",
  "TZID:Europe/Amsterdam",
  "BEGIN:DAYLIGHT",
  "TZOFFSETFROM:+0100",
  "TZOFFSETTO:+0200",
  "TZNAME:CEST",
  "DTSTART:19810329T020000",
  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
  "END:DAYLIGHT",
  "BEGIN:STANDARD",
  "TZOFFSETFROM:+0200",
  "TZOFFSETTO:+0100",
  "TZNAME:CET",
  "DTSTART:19961027T030000",
  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
  "END:STANDARD",
  "END:VTIMEZONE",
}

-- The last Sunday of a month (when the EU changes its clocks).
local function last_sunday(y, m)
  local next_first = m == 12 and string.format("%04d-01-01", y + 1)
    or string.format("%04d-%02d-01", y, m + 1)
  local d = regie.date.add_days(next_first, -1)
  return regie.date.add_days(d, -(regie.date.weekday(d) % 7))
end

-- "YYYY-MM-DDTHH:MM" (or a date: 00:00) in Amsterdam -> "YYYYMMDDTHHMMSSZ"
-- in UTC.
function I.utc(stamp)
  local d, hh, mm = stamp:match("^(%d%d%d%d%-%d%d%-%d%d)T(%d%d):(%d%d)")
  if not d then
    d, hh, mm = stamp:match("^(%d%d%d%d%-%d%d%-%d%d)"), "00", "00"
  end
  local y = tonumber(d:sub(1, 4))
  -- summer time from the last Sunday of March 02:00 to the last Sunday of
  -- October 03:00 local time
  local s_start = last_sunday(y, 3) .. "T02:00"
  local s_end = last_sunday(y, 10) .. "T03:00"
  local local_stamp = d .. "T" .. hh .. ":" .. mm
  local offset = (local_stamp >= s_start and local_stamp < s_end) and 2 or 1
  local minutes = tonumber(hh) * 60 + tonumber(mm) - offset * 60
  if minutes < 0 then
    minutes = minutes + 1440
    d = regie.date.add_days(d, -1)
  end
  return string.format("%sT%02d%02d00Z", d:gsub("-", ""), minutes // 60, minutes % 60)
end

-- "YYYY-MM-DDTHH:MM" + n minutes, in the same form (wall-clock time: no
-- summer-time arithmetic).
function I.add_minutes(stamp, n)
  local d, hh, mm = stamp:match("^(%d%d%d%d%-%d%d%-%d%d)T(%d%d):(%d%d)")
  local t = tonumber(hh) * 60 + tonumber(mm) + n
  d = regie.date.add_days(d, t // 1440)
  t = t % 1440
  return string.format("%sT%02d:%02d", d, t // 60, t % 60)
end

-- "YYYY-MM-DDTHH:MM" -> "YYYYMMDDTHHMM00", for ;TZID=Europe/Amsterdam:
function I.local_time(stamp)
  return (stamp:gsub("-", ""):gsub(":", "")) .. "00"
end

-- "YYYY-MM-DD" -> "YYYYMMDD", for ;VALUE=DATE:
function I.date(iso)
  return (iso:gsub("-", ""))
end

return I
