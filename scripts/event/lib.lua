-- event/lib.lua - what the steps of the event workflow share: the settings
-- of event.ini, the deadline and other days counted in working days, times,
-- e-mail addresses, the registrations in order (seats, waitlist,
-- cancellations) and the VEVENTs of the event.  The calendar is
-- regie.date's (the Dutch working days with the options of [calendar]).
local V = require "common.value"
local T = require "common.text"
local D = require "common.date"
local ics = require "common.ics"

local L = {}

L.rules = require "event.rules"
L.is_null = V.is_null
L.trim = T.trim
L.date_nl, L.date_nl_long = D.date_nl, D.date_nl_long

-- ---- values ---------------------------------------------------------------------

-- A text value, "" for null or nil.
function L.text(v)
  if v == nil or V.is_null(v) then
    return ""
  end
  return tostring(v)
end

-- "YYYY-MM-DDTHH:MM" of a datetime value ("YYYY-MM-DD HH:MM" and a date
-- alone, at 00:00, are read as the engine reads them); nil for none.
function L.stamp(v)
  local s = L.text(v)
  if s == "" then
    return nil
  end
  if #s == 10 then
    return s .. "T00:00"
  end
  return s:sub(1, 10) .. "T" .. s:sub(12, 16)
end

-- "3 april 2024 14:30"
function L.datetime_nl(stamp)
  return D.date_nl(stamp:sub(1, 10)) .. " " .. stamp:sub(12, 16)
end

-- An e-mail address as registrations are compared: trimmed, lower-cased.
function L.email_key(s)
  return T.trim(L.text(s)):lower()
end

-- Whether s looks like an e-mail address: one @ with text on both sides
-- and no spaces.
function L.email_ok(s)
  local a, b = s:match("^([^@%s]+)@([^@%s]+)$")
  return a ~= nil and b:find(".", 1, true) ~= nil
end

-- An organisation as max_per_org counts it ("" for none: never limited).
function L.org_key(s)
  return T.trim(L.text(s)):lower()
end

-- ---- event.ini ---------------------------------------------------------------------

-- A deadline setting: "YYYY-MM-DD" or "-Nwd".  Returns the day, or nil and
-- what was expected.
function L.deadline_day(text, start_day, cal)
  text = T.trim(L.text(text))
  local n = text:match("^%-(%d+)wd$")
  if n then
    n = tonumber(n)
    if n > 1000 then
      return nil, "at most 1000 working days (-1000wd)"
    end
    return regie.date.sub_workdays(start_day, n, cal)
  end
  if text:match("^%d%d%d%d%-%d%d%-%d%d$") and regie.date.valid(text) then
    return text
  end
  return nil, "a date YYYY-MM-DD or working days before the start, such as -10wd"
end

-- The settings of event.ini, with what the steps work out of them:
--   cfg.event.KEY, cfg.reminders.offsets, cfg.calendar.KEY, cfg.meetings.target
--   cfg.start, cfg["end"] (stamps), cfg.days (the days held, in order),
--   cfg.deadline, cfg.promote_until (days; nil when wrong: validate says why),
--   cfg.cal (for regie.date), cfg.domain, cfg.organizer (the address),
--   cfg.offsets ({ text, minutes }), cfg.source, cfg.line, cfg.raw.
-- nil when event.ini could not be read.
function L.config()
  local cfg, at = regie.settings("event")
  if not cfg then
    return nil
  end
  cfg.source, cfg.line, cfg.raw = at.source or "event.ini", at.line, at.text
  local e = cfg.event
  cfg.start, cfg["end"] = L.stamp(e.start), L.stamp(e["end"])
  cfg.cal = {
    liberation_day = cfg.calendar.liberation_day,
    good_friday = cfg.calendar.good_friday,
    extra_closed = cfg.calendar.extra_closed,
  }
  local start_day = cfg.start:sub(1, 10)
  cfg.days = {}
  for _, d in ipairs(e.days or {}) do
    cfg.days[#cfg.days + 1] = d
  end
  if #cfg.days == 0 then
    cfg.days[1] = start_day
  end
  cfg.deadline = L.deadline_day(e.registration_close, start_day, cfg.cal)
  cfg.promote_until = L.deadline_day(e.promote_until, start_day, cfg.cal)
  cfg.organizer = L.text(e.organizer):gsub("^[Mm][Aa][Ii][Ll][Tt][Oo]:", "")
  cfg.domain = T.trim(L.text(e.uid_domain))
  if cfg.domain == "" then
    cfg.domain = cfg.organizer:match("@([^@%s]+)$") or "regie.invalid"
  end
  cfg.organizer_name = T.trim(L.text(e.organizer_name))
  if cfg.organizer_name == "" then
    cfg.organizer_name = e.title
  end
  cfg.offsets = {}
  for _, o in ipairs(cfg.reminders.offsets or {}) do
    local m = L.duration(o)
    cfg.offsets[#cfg.offsets + 1] = { text = T.trim(o):upper(), minutes = m }
  end
  return cfg
end

-- An ISO 8601 duration as [reminders] offsets has them (P7D, P1W, PT2H,
-- PT30M, P1DT12H): its minutes, or nil.
function L.duration(text)
  local s = T.trim(L.text(text)):upper()
  local w = s:match("^P(%d+)W$")
  if w then
    return tonumber(w) * 7 * 1440
  end
  local date_part, time_part = s:match("^P([^T]*)T?(.*)$")
  if not date_part or (date_part == "" and time_part == "") or s:sub(-1) == "T" then
    return nil
  end
  local days = 0
  if date_part ~= "" then
    local d = date_part:match("^(%d+)D$")
    if not d then
      return nil
    end
    days = tonumber(d)
  end
  local minutes = 0
  if time_part ~= "" then
    local h, hm = time_part:match("^(%d+)H(.*)$")
    local rest = time_part
    if h then
      minutes = tonumber(h) * 60
      rest = hm
    end
    if rest ~= "" then
      local m = rest:match("^(%d+)M$")
      if not m then
        return nil
      end
      minutes = minutes + tonumber(m)
    end
  end
  local total = days * 1440 + minutes
  if total > 366 * 1440 then
    return nil
  end
  return total
end

-- The day after d: a wait `until:` it has passed on that day, so the
-- decision at 23:59 on the deadline is taken from the day after.
function L.day_after(d)
  return regie.date.add_days(d, 1)
end

-- ---- registrations ---------------------------------------------------------------
-- §3.1 steps 2-4, one event at a time in time order: a registration at
-- registered_at, a cancellation at cancelled_at (at the same minute:
-- registrations first, each in file order).
--
-- Returns the participants, one per registration in file order:
--   { reg_id, name, email, organisation, registered_at, cancelled_at,
--     line, status, waitlist_position, promoted, joined_position (its place
--     on the waitlist when it joined), promoted_at, letters = { kinds } },
-- and the count: confirmed at the deadline, and the totals per status.
function L.process(cfg, rows)
  local deadline = cfg.deadline .. "T23:59"
  local promote_until = (cfg.promote_until or cfg.deadline) .. "T23:59"
  local capacity, per_org = cfg.event.capacity, cfg.event.max_per_org
  local people, events = {}, {}
  for i, r in ipairs(rows) do
    local p = {
      reg_id = r.reg_id,
      name = L.text(r.name),
      email = T.trim(L.text(r.email)),
      organisation = T.trim(L.text(r.organisation)),
      registered_at = L.stamp(r.registered_at),
      cancelled_at = L.stamp(r.cancelled_at),
      line = rows.lines and rows.lines[i] or 0,
      i = i,
      promoted = false,
      letters = {},
    }
    people[i] = p
    events[#events + 1] = { at = p.registered_at, kind = 1, p = p }
    if p.cancelled_at then
      events[#events + 1] = { at = p.cancelled_at, kind = 2, p = p }
    end
  end
  table.sort(events, function(a, b)
    if a.at ~= b.at then
      return a.at < b.at
    end
    if a.kind ~= b.kind then
      return a.kind < b.kind
    end
    return a.p.i < b.p.i
  end)

  local seen = {}          -- e-mail -> the registration that counts
  local confirmed = 0
  local by_org = {}        -- organisation -> confirmed
  local waitlist = {}      -- people waiting, first come first
  local at_deadline        -- confirmed at 23:59 on the deadline
  local function org_full(p)
    local k = L.org_key(p.organisation)
    return per_org > 0 and k ~= "" and (by_org[k] or 0) >= per_org
  end
  local function seat(p)
    p.status = "confirmed"
    confirmed = confirmed + 1
    local k = L.org_key(p.organisation)
    by_org[k] = (by_org[k] or 0) + 1
  end
  local function unseat(p)
    confirmed = confirmed - 1
    local k = L.org_key(p.organisation)
    by_org[k] = by_org[k] - 1
  end
  for _, ev in ipairs(events) do
    local p = ev.p
    if not at_deadline and ev.at > deadline then
      at_deadline = confirmed
    end
    if ev.kind == 1 then
      local key = L.email_key(p.email)
      if p.registered_at > deadline then
        p.status = "late"
      elseif seen[key] then
        p.status = "duplicate"
        p.duplicate_of = seen[key].reg_id
      else
        seen[key] = p
        if confirmed < capacity and not org_full(p) then
          seat(p)
          p.letters[#p.letters + 1] = "bevestiging"
        else
          p.status = "waitlisted"
          p.org_full = confirmed < capacity
          waitlist[#waitlist + 1] = p
          p.joined_position = #waitlist
          p.letters[#p.letters + 1] = "wachtlijst"
        end
      end
    elseif p.status == "confirmed" then
      unseat(p)
      p.status = "cancelled"
      if ev.at <= promote_until then
        for w, q in ipairs(waitlist) do
          if not org_full(q) then
            table.remove(waitlist, w)
            seat(q)
            q.promoted, q.promoted_at = true, ev.at
            q.letters[#q.letters + 1] = "plaats"
            break
          end
        end
      end
    elseif p.status == "waitlisted" then
      for w, q in ipairs(waitlist) do
        if q == p then
          table.remove(waitlist, w)
          break
        end
      end
      p.status = "cancelled"
    end
    -- a late or duplicate registration that cancels stays what it was
  end
  if not at_deadline then
    at_deadline = confirmed
  end
  for w, p in ipairs(waitlist) do
    p.waitlist_position = w
  end
  local count = { at_deadline = at_deadline }
  for _, s in ipairs(L.rules.statuses) do
    count[s] = 0
  end
  for _, p in ipairs(people) do
    count[p.status] = count[p.status] + 1
  end
  return people, count
end

-- ---- the VEVENTs of the event --------------------------------------------------------

-- DTSTAMP in UTC (common/ics.lua: SOURCE_DATE_EPOCH when set, else the
-- first start of the event), so the same input gives the same files.
function L.dtstamp(cfg, epoch)
  return ics.dtstamp(epoch, ics.utc(cfg.start))
end

-- The days of the event: { n, uid, start, end (stamps) }.
function L.days(cfg)
  local out = {}
  local t0, t1 = cfg.start:sub(11), cfg["end"]:sub(11)
  for n, d in ipairs(cfg.days) do
    out[n] = {
      n = n,
      uid = string.format("%s-%d@%s", cfg.event.id, n, cfg.domain),
      start = d .. t0,
      ["end"] = (n == 1 and cfg["end"]:sub(1, 10) or d) .. t1,
    }
  end
  return out
end

-- The content lines (not yet folded) of one VEVENT of day `day`: method
-- REQUEST, PUBLISH or CANCEL, sequence, and attendees ({ name, email }).
function L.vevent(cfg, day, dtstamp, sequence, method, attendees)
  local e = cfg.event
  local out = {}
  local function add(s)
    out[#out + 1] = s
  end
  local k = #cfg.days
  add("BEGIN:VEVENT")
  add("UID:" .. day.uid)
  add("SEQUENCE:" .. sequence)
  add("DTSTAMP:" .. dtstamp)
  if cfg.event.ics_times == "local" then
    add("DTSTART;TZID=" .. ics.TZID .. ":" .. ics.local_time(day.start))
    add("DTEND;TZID=" .. ics.TZID .. ":" .. ics.local_time(day["end"]))
  else
    add("DTSTART:" .. ics.utc(day.start))
    add("DTEND:" .. ics.utc(day["end"]))
  end
  local summary = e.title
  if k > 1 then
    summary = string.format(L.rules.texts.day_of, e.title, day.n, k)
  end
  add("SUMMARY:" .. ics.text(summary))
  local place = {}
  for _, v in ipairs({ L.text(e.venue), L.text(e.address) }) do
    if v ~= "" then
      place[#place + 1] = v
    end
  end
  if #place > 0 then
    add("LOCATION:" .. ics.text(table.concat(place, ", ")))
  end
  add("ORGANIZER;CN=" .. ics.param(cfg.organizer_name) .. ":mailto:" .. cfg.organizer)
  for _, a in ipairs(attendees or {}) do
    add("ATTENDEE;CN=" .. ics.param(a.name) .. ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP="
        .. (method == "CANCEL" and "FALSE" or "TRUE") .. ":mailto:" .. a.email)
  end
  if method == "CANCEL" then
    add("STATUS:CANCELLED")
  else
    add("STATUS:CONFIRMED")
    for _, o in ipairs(cfg.offsets) do
      add("BEGIN:VALARM")
      add("ACTION:DISPLAY")
      add("DESCRIPTION:" .. ics.text(string.format(L.rules.texts.alarm, summary)))
      add("TRIGGER:-" .. o.text)
      add("END:VALARM")
    end
  end
  add("END:VEVENT")
  return out
end

-- A whole calendar: every day's VEVENT, as text (CRLF, folded).
function L.calendar(cfg, method, dtstamp, sequence_of, attendees)
  local lines = {
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//regie//event-organisation//NL",
    "CALSCALE:GREGORIAN",
    "METHOD:" .. method,
  }
  if cfg.event.ics_times == "local" then
    table.move(ics.VTIMEZONE, 1, #ics.VTIMEZONE, #lines + 1, lines)
  end
  for _, day in ipairs(L.days(cfg)) do
    local ev = L.vevent(cfg, day, dtstamp, sequence_of(day), method, attendees)
    table.move(ev, 1, #ev, #lines + 1, lines)
  end
  lines[#lines + 1] = "END:VCALENDAR"
  return ics.lines(lines)
end

-- ---- letters ------------------------------------------------------------------------

L.letters = require "event.letters"

-- A letter template filled in: {{name}} by values[name]; an unknown name
-- stops the step naming the template, so a typo is seen at once.
function L.fill(kind, values)
  local t = L.letters[kind]
  if not t then
    regie.fail(string.format("event/letters.lua: no letter %q", kind))
  end
  local function one(text, depth)
    return (text:gsub("{{([%w_]+)}}", function(name)
      local v = values[name]
      if v == nil and L.letters[name] and depth < 3 then
        return one(L.letters[name], depth + 1)
      end
      if v == nil then
        regie.fail(string.format("event/letters.lua: letter %s: unknown placeholder {{%s}}", kind, name))
      end
      return tostring(v)
    end))
  end
  return one(t, 0)
end

-- The values every letter may use.
function L.letter_values(cfg, p)
  local e = cfg.event
  local place = {}
  for _, v in ipairs({ L.text(e.venue), L.text(e.address) }) do
    if v ~= "" then
      place[#place + 1] = v
    end
  end
  local dates = {}
  for n, d in ipairs(cfg.days) do
    dates[n] = D.date_nl_long(d)
  end
  local when
  if #dates == 1 then
    when = dates[1]
  else
    when = table.concat(dates, ", ", 1, #dates - 1) .. " en " .. dates[#dates]
  end
  return {
    name = p.name,
    reg_id = p.reg_id,
    email = p.email,
    organisation = p.organisation,
    title = e.title,
    event_id = e.id,
    dates = when,
    times = cfg.start:sub(12, 16) .. "–" .. cfg["end"]:sub(12, 16),
    place = #place > 0 and table.concat(place, ", ") or L.rules.texts.place_unknown,
    organizer = cfg.organizer_name,
    organizer_email = cfg.organizer,
    position = p.joined_position or "",
    deadline = D.date_nl_long(cfg.deadline),
    promote_until = D.date_nl_long(cfg.promote_until or cfg.deadline),
  }
end

-- ---- the programme ------------------------------------------------------------------

-- The placements of data `schedule` in the order people read them: slot
-- by slot (slots.csv order), then room by room (rooms.csv order); each
-- { session_id, slot_id, room_id, session (its sessions.csv record),
-- slot (its slots.csv record) }.
function L.programme()
  local slot_at, room_at, slot_by, session_by = {}, {}, {}, {}
  for i, s in ipairs(regie.input("slots")) do
    slot_at[s.slot_id], slot_by[s.slot_id] = i, s
  end
  for i, r in ipairs(regie.input("rooms")) do
    room_at[r.room_id] = i
  end
  for _, s in ipairs(regie.input("sessions")) do
    session_by[s.session_id] = s
  end
  local rows = {}
  for _, a in ipairs(regie.input("schedule")) do
    rows[#rows + 1] = { session_id = a.session_id, slot_id = a.slot_id, room_id = a.room_id,
                        session = session_by[a.session_id], slot = slot_by[a.slot_id] }
  end
  table.sort(rows, function(a, b)
    if a.slot_id ~= b.slot_id then
      return slot_at[a.slot_id] < slot_at[b.slot_id]
    end
    return room_at[a.room_id] < room_at[b.room_id]
  end)
  return rows
end

-- ---- letters as documents (the pdf step) -------------------------------------------
-- The columns of `letter_documents` (doc/letters.md): the pdf plugin sets
-- them in the house style, with the addressee, place and date, reference
-- (kenmerk) and subject in the letterhead, so the body starts at the
-- salutation and the signature is set apart.
L.DOC_COLUMNS = { "path", "body", "addressee", "place_date", "reference", "subject", "signature", "date" }

-- The place letters are sent from: the last part of the event's address
-- ("Stadsbroek 17, Assen": Assen), or nothing.
local function place_of(cfg)
  local a = L.text(cfg.event.address)
  return T.trim(a:match("([^,]*)$") or "")
end

-- One letter as a row of L.DOC_COLUMNS: kind (event/letters.lua), its
-- values (L.letter_values), the day it is sent (YYYY-MM-DD).
function L.document(cfg, p, kind, values, day)
  local dv = setmetatable({ header = "Beste " .. p.name .. ",\n", signature = "" }, { __index = values })
  local body = L.fill(kind, dv):gsub("\n\n\n+", "\n\n")
  local addressee = { p.name }
  if p.organisation ~= "" then
    addressee[#addressee + 1] = p.organisation
  end
  addressee[#addressee + 1] = p.email
  local place, date_text = place_of(cfg), D.date_nl(day)
  return {
    string.format("letters/%s-%s.pdf", p.reg_id, kind),
    body,
    table.concat(addressee, "\n"),
    place ~= "" and (place .. ", " .. date_text) or date_text,
    cfg.event.id .. "/" .. p.reg_id,
    values.title .. ": " .. L.rules.LETTER_NL[kind],
    (L.fill("signature", values):gsub("%s+$", "")),
    day,
  }
end

return L
