-- event/validate.lua - check event.ini and every file against each other
-- before anything is worked out (domain reference §3.1 step 1 and §3.2).
-- The engine has already checked the column types (an ISO date or time,
-- a whole number, a boolean) and the keys of event.ini; this step checks
-- the rules between them: end after start, a capacity above 0,
-- min_participants within it, every deadline before the start, the days
-- of an event held on several days, reminder offsets, e-mail addresses,
-- cancellations, a programme's rooms, slots, sessions and speakers, and
-- attendance and evaluations of known participants with scores 1..10.
-- Every data error of every file is reported together; the run then stops
-- with exit status 2 and nothing is written.
--
-- A pre-flight step: `regie check` runs it too, and it also runs when an
-- input could not be read (the engine has reported why).  That input is
-- absent here; the rules that need it are left out, the others still apply.

local L = require "event.lib"
local R = L.rules

local function err(file, line, column, found, expected)
  regie.data_error(file, line, column, found, expected)
end

-- event.ini against itself
local function check_event(cfg)
  local e, f, at = cfg.event, cfg.source, cfg.line
  local function bad(key, found, expected)
    err(f, at["event." .. key] or 0, key, found, expected)
  end
  local start_day = cfg.start:sub(1, 10)
  if cfg["end"] <= cfg.start then
    bad("end", e["end"], "a time after start (" .. e.start .. ")")
  end
  if e.capacity <= 0 then
    bad("capacity", tostring(e.capacity), "a number of seats above 0")
  elseif e.min_participants < 0 or e.min_participants > e.capacity then
    bad("min_participants", tostring(e.min_participants),
        string.format("a number from 0 to the capacity (%d)", e.capacity))
  end
  local ok = 0
  for _, key in ipairs({ "registration_close", "promote_until" }) do
    local day, why = L.deadline_day(e[key], start_day, cfg.cal)
    if not day then
      bad(key, e[key], why)
    elseif day >= start_day then
      bad(key, e[key], string.format("a deadline before the start (%s)%s", start_day,
                                     day ~= e[key] and ", found " .. day or ""))
    else
      ok = ok + 1
    end
  end
  if ok == 2 and cfg.promote_until < cfg.deadline then
    bad("promote_until", e.promote_until,
        string.format("a day on or after registration_close (%s)", cfg.deadline))
  end
  if not L.email_ok(cfg.organizer) then
    bad("organizer", e.organizer, "an e-mail address, such as mailto:secretariaat@example.org")
  end
  if cfg.domain:find("[%s@/]") then
    bad("uid_domain", e.uid_domain, "a domain name, such as example.org")
  end
  if #e.days > 0 then
    local d_line = at["event.days"] or 0
    if e.days[1] ~= start_day then
      err(f, d_line, "days", e.days[1], "the day of start (" .. start_day .. ") first")
    end
    for i = 2, #e.days do
      if e.days[i] <= e.days[i - 1] then
        err(f, d_line, "days", e.days[i], "a day after " .. e.days[i - 1] .. " (the days in order, each once)")
      end
    end
    if #e.days > 1 and cfg["end"]:sub(1, 10) ~= start_day then
      bad("end", e["end"], "an end on the day of start (" .. start_day
          .. "): with days, start and end give the times of every day")
    end
    if #e.days > 366 then
      err(f, d_line, "days", string.format("%d days", #e.days), "at most 366 days")
    end
  end
  for i, o in ipairs(cfg.offsets) do
    if not o.minutes then
      err(f, at["reminders.offsets"] or 0, "offsets", e and cfg.reminders.offsets[i],
          "a duration before the start such as P7D, P1W, PT2H or P1DT12H (at most a year)")
    end
  end
end

-- registrations.csv; returns the participants when they can be worked out
local function check_registrations(cfg)
  local about = regie.describe("registrations")
  if not about then
    return nil
  end
  local file = about.source or "registrations.csv"
  local rows = regie.input("registrations")
  local bad = 0
  for i, r in ipairs(rows) do
    local line = rows.lines[i]
    local email = L.trim(L.text(r.email))
    if not L.email_ok(email) then
      err(file, line, "email", email, "an e-mail address such as naam@example.org")
      bad = bad + 1
    end
    local status = L.trim(L.text(r.status)):lower()
    local cancelled = L.stamp(r.cancelled_at)
    if status ~= "" and status ~= "registered" and status ~= "cancelled" then
      err(file, line, "status", L.text(r.status), "registered, cancelled or empty")
      bad = bad + 1
    elseif status == "cancelled" and not cancelled then
      err(file, line, "cancelled_at", "", "the time of the cancellation (status is cancelled)")
      bad = bad + 1
    elseif status == "registered" and cancelled then
      err(file, line, "status", L.text(r.status), "cancelled (cancelled_at is given)")
      bad = bad + 1
    end
    if cancelled and cancelled < L.stamp(r.registered_at) then
      err(file, line, "cancelled_at", L.text(r.cancelled_at),
          "a time on or after registered_at (" .. L.text(r.registered_at) .. ")")
      bad = bad + 1
    end
  end
  if bad > 0 or not cfg or not cfg.deadline then
    return nil
  end
  local people = L.process(cfg, rows)
  return people
end

-- rooms.csv, slots.csv, sessions.csv, availability.csv
local function check_programme()
  local have = {}
  for _, n in ipairs({ "rooms", "slots", "sessions", "availability" }) do
    have[n] = regie.has_input(n)
  end
  local largest
  if have.rooms then
    local rooms = regie.input("rooms")
    local f = rooms.source or "rooms.csv"
    for i, r in ipairs(rooms) do
      if r.capacity <= 0 then
        err(f, rooms.lines[i], "capacity", tostring(r.capacity), "a number of seats above 0")
      elseif not largest or r.capacity > largest.capacity then
        largest = r
      end
    end
  end
  local slot_ids = {}
  if have.slots then
    local slots = regie.input("slots")
    local f = slots.source or "slots.csv"
    for i, s in ipairs(slots) do
      slot_ids[s.slot_id] = true
      if L.stamp(s["end"]) <= L.stamp(s.start) then
        err(f, slots.lines[i], "end", L.text(s["end"]), "a time after start (" .. L.text(s.start) .. ")")
      end
    end
  end
  local speakers = {}
  if have.sessions then
    local sessions = regie.input("sessions")
    local f = sessions.source or "sessions.csv"
    if not have.rooms or not have.slots then
      local missing = {}
      for _, n in ipairs({ "rooms", "slots" }) do
        if not have[n] and not regie.describe(n) then
          missing[#missing + 1] = n
        end
      end
      if #missing > 0 then
        err(f, 0, "session_id", f, "a programme with its rooms and slots too (--set "
            .. table.concat(missing, "=FILE --set ") .. "=FILE)")
      end
    end
    for i, s in ipairs(sessions) do
      local line = sessions.lines[i]
      if s.expected < 0 then
        err(f, line, "expected", tostring(s.expected), "a number of people, 0 or more")
      elseif largest and s.expected > largest.capacity then
        err(f, line, "expected", tostring(s.expected),
            string.format("at most %d (the largest room, %s)", largest.capacity, largest.room_id))
      end
      local seen = {}
      for name in L.text(s.speakers):gmatch("[^;]+") do
        name = L.trim(name)
        if name ~= "" then
          if seen[name] then
            err(f, line, "speakers", L.text(s.speakers), "each speaker once (" .. name .. " twice)")
          end
          seen[name] = true
          speakers[name] = true
        end
      end
    end
  end
  if have.availability then
    local av = regie.input("availability")
    local f = av.source or "availability.csv"
    for i, a in ipairs(av) do
      if have.slots and not slot_ids[a.slot_id] then
        err(f, av.lines[i], "slot_id", a.slot_id, "a slot_id of slots.csv")
      end
      if have.sessions and not speakers[a.speaker] then
        err(f, av.lines[i], "speaker", a.speaker, "a speaker of sessions.csv")
      end
    end
  end
end

-- attendance.csv and evaluations.csv: scores, known participants
local function check_after(people)
  local by_id
  if people then
    by_id = {}
    for _, p in ipairs(people) do
      by_id[p.reg_id] = p
    end
  elseif regie.has_input("registrations") then
    -- the registrations have errors: check only that the ids exist
    by_id = {}
    for _, r in ipairs(regie.input("registrations")) do
      by_id[r.reg_id] = { status = "confirmed" }
    end
  end
  local function known(f, line, id, what)
    local p = by_id and by_id[id]
    if by_id and not p then
      err(f, line, "reg_id", id, "a reg_id of registrations.csv")
    elseif p and p.status ~= "confirmed" then
      err(f, line, "reg_id", id, string.format("a confirmed participant%s (%s is %s)", what, id, p.status))
    end
  end
  if regie.has_input("attendance") then
    local t = regie.input("attendance")
    local f = t.source or "attendance.csv"
    for i, a in ipairs(t) do
      known(f, t.lines[i], a.reg_id, "")
    end
  end
  if regie.has_input("evaluations") then
    local t = regie.input("evaluations")
    local f = t.source or "evaluations.csv"
    local first = {}
    for i, e in ipairs(t) do
      local line = t.lines[i]
      if e.score < R.score_min or e.score > R.score_max then
        err(f, line, "score", tostring(e.score),
            string.format("a whole number from %d to %d", R.score_min, R.score_max))
      end
      if first[e.reg_id] then
        err(f, line, "reg_id", e.reg_id, string.format("one evaluation per participant (first at line %d)",
                                                       first[e.reg_id]))
      else
        first[e.reg_id] = line
      end
      known(f, line, e.reg_id, "")
    end
  end
end

return {
  summary = "Check event.ini and the files against each other",
  params = {},
  run = function(step)
    local cfg = L.config()
    if cfg then
      check_event(cfg)
    end
    local people = check_registrations(cfg)
    check_programme()
    check_after(people)
    regie.output("valid", true)
    if cfg and cfg.deadline then
      regie.output("decide_on", L.day_after(cfg.deadline))
    end
  end,
}
