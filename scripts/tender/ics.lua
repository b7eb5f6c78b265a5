-- tender/ics.lua - interview invitations as iCalendar files (RFC 5545).
--
-- One file per invited bid, invites/<bid_id>.ics, written by the letters
-- step when [interviews] first_slot is set.  CRLF line ends, lines folded at
-- 75 octets (never inside a UTF-8 character), text escaped, times in
-- Europe/Amsterdam with its VTIMEZONE, METHOD:PUBLISH (the files carry no
-- attendee addresses), a stable UID <tender id>-<bid id>-interview@regie
-- and DTSTAMP = the closing time in UTC, so the same input gives the same
-- bytes.

local L = require "tender.lib"

local I = {}

-- Escape a TEXT value (RFC 5545 §3.3.11).
function I.text(s)
  s = L.str(s):gsub("\\", "\\\\"):gsub(";", "\\;"):gsub(",", "\\,"):gsub("\r?\n", "\\n")
  return s
end

-- Fold a content line at 75 octets without splitting a UTF-8 character.
function I.fold(line)
  local out, cur, limit = {}, "", 75
  for _, cp in utf8.codes(line) do
    local ch = utf8.char(cp)
    if #cur + #ch > limit then
      out[#out + 1] = cur
      cur = " "
      limit = 75
    end
    cur = cur .. ch
  end
  out[#out + 1] = cur
  return table.concat(out, "\r\n")
end

-- The last Sunday of a month (DST changes in the EU).
local function last_sunday(y, m)
  local next_first = m == 12 and string.format("%04d-01-01", y + 1) or string.format("%04d-%02d-01", y, m + 1)
  local d = regie.date.add_days(next_first, -1)
  while regie.date.weekday(d) ~= 7 do d = regie.date.add_days(d, -1) end
  return d
end

-- "YYYY-MM-DDTHH:MM" in Amsterdam -> "YYYYMMDDTHHMMSSZ" in UTC.
function I.utc(stamp)
  local d, hh, mm = stamp:match("^(%d%d%d%d%-%d%d%-%d%d)T(%d%d):(%d%d)")
  if not d then
    d, hh, mm = L.date_of(stamp), "00", "00"
  end
  local y = tonumber(d:sub(1, 4))
  -- summer time from the last Sunday of March 02:00 to the last Sunday of October 03:00 local
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

-- "YYYY-MM-DDTHH:MM" + minutes -> same form (local time, no DST arithmetic needed)
function I.add_minutes(stamp, n)
  local d, hh, mm = stamp:match("^(%d%d%d%d%-%d%d%-%d%d)T(%d%d):(%d%d)")
  local t = tonumber(hh) * 60 + tonumber(mm) + n
  d = regie.date.add_days(d, t // 1440)
  t = t % 1440
  return string.format("%sT%02d:%02d", d, t // 60, t % 60)
end

local function local_form(stamp)
  return (stamp:gsub("-", ""):gsub(":", "")) .. "00"
end

local VTIMEZONE = {
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

-- ev: { uid, dtstamp (UTC form), start, stop ("YYYY-MM-DDTHH:MM" local),
--       summary, location, description }
function I.calendar(ev)
  local lines = { "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//regie//tender-evaluation//NL",
                  "CALSCALE:GREGORIAN", "METHOD:PUBLISH" }
  for _, l in ipairs(VTIMEZONE) do lines[#lines + 1] = l end
  lines[#lines + 1] = "BEGIN:VEVENT"
  lines[#lines + 1] = "UID:" .. ev.uid
  lines[#lines + 1] = "DTSTAMP:" .. ev.dtstamp
  lines[#lines + 1] = "DTSTART;TZID=Europe/Amsterdam:" .. local_form(ev.start)
  lines[#lines + 1] = "DTEND;TZID=Europe/Amsterdam:" .. local_form(ev.stop)
  lines[#lines + 1] = "SEQUENCE:0"
  lines[#lines + 1] = "STATUS:CONFIRMED"
  lines[#lines + 1] = "SUMMARY:" .. I.text(ev.summary)
  if ev.location and ev.location ~= "" then
    lines[#lines + 1] = "LOCATION:" .. I.text(ev.location)
  end
  if ev.description and ev.description ~= "" then
    lines[#lines + 1] = "DESCRIPTION:" .. I.text(ev.description)
  end
  lines[#lines + 1] = "END:VEVENT"
  lines[#lines + 1] = "END:VCALENDAR"
  local out = {}
  for i, l in ipairs(lines) do out[i] = I.fold(l) end
  return table.concat(out, "\r\n") .. "\r\n"
end

return I
