-- plan.lua - the communication plan: goal on the participation ladder,
-- message, channels, frequency, owner and contact dates per stakeholder.
-- Writes commplan.csv, commplan.md and contacts.csv; gives the report the
-- plan and the calendar step the contact moments of its calendar.

local lib = require "stakeholders.lib"
local R = lib.rules

-- The most stakeholders whose contact moments go to the calendar
-- (contacts.ics; the `contacts` data of the calendar step), the parameter
-- calendar_max.  A calendar of a very large roster cannot be used: 100,000
-- stakeholders have over a million contact moments, half a gigabyte of
-- iCalendar that no calendar program imports and that does not fit in a
-- step's memory.  Beyond this number the calendar holds the contacts of the
-- stakeholders with the highest priority; contacts.csv always holds every
-- contact moment.
local CALENDAR_MAX = 1000

-- Index of a value on the frequency ladder (nil if absent).
local function ladder_index(f)
  for i, v in ipairs(R.frequency_ladder) do
    if v == f then
      return i
    end
  end
  return nil
end

local function frequency(q, gap)
  local base = R.frequency_base[q]
  local i = ladder_index(base)
  if not i then
    regie.fail(string.format("rules.lua: frequency_base.%s = %s is not on the frequency ladder",
                             q, tostring(base)))
  end
  if gap >= R.step_up_gap then
    i = math.min(i + R.step_up_steps, #R.frequency_ladder)
  end
  return R.frequency_ladder[i], base
end

-- Contact dates: n contacts spread evenly over the plan period
-- [start, end), each moved to the next working day (and past the previous
-- contact, so two contacts never share a day).
local function spread(cfg, n)
  local days = cfg.end_day - cfg.start_day
  local out, prev = {}, nil
  for k = 0, n - 1 do
    local d = cfg.start_day + (k * days) // n
    if prev and d <= prev then
      d = prev + 1
    end
    d = lib.next_workday(cfg, d)
    out[#out + 1] = d
    prev = d
  end
  return out
end

local function has_channel(list, name)
  for _, c in ipairs(list) do
    if c.channel == name then
      return true
    end
  end
  return false
end

local PLAN_COLUMNS = { "priority", "id", "name", "quadrant", "type", "goal_code", "goal", "message",
                       "channels", "modes", "frequency", "base_frequency", "contacts",
                       "extra_meeting", "owner", "first_contact", "last_contact" }
-- What the report reads of the plan (the `plan` data).
local PLAN_DATA_COLUMNS = { "priority", "id", "name", "goal", "message", "channels", "frequency",
                            "base_frequency", "contacts", "extra_meeting", "owner",
                            "first_contact" }
local CONTACT_COLUMNS = { "priority", "id", "name", "n", "date", "channel", "mode", "kind", "owner",
                          "goal", "message" }

local function md_plan(cfg, plan)
  local t = {}
  local function add(s)
    t[#t + 1] = s
  end
  add("# Communicatieplan: " .. lib.md(cfg.title))
  add("")
  add(string.format("Planperiode: %s tot %s (%d maanden). Contactmomenten die op een niet-werkdag vallen, schuiven naar de volgende werkdag.",
                    lib.date_nl(cfg.start), lib.date_nl(cfg["end"]), cfg.months))
  add("")
  add("| Prio | Stakeholder | Kwadrant | Doel | Boodschap | Kanalen | Per jaar | Eigenaar | Eerste contact |")
  add("| ---: | --- | --- | --- | --- | --- | ---: | --- | --- |")
  -- the values that recur (goals, owners, channel mixes) are escaped once
  local md = setmetatable({}, { __index = function(t, x)
    local v = lib.md(x)
    if x ~= nil then
      t[x] = v
    end
    return v
  end })
  local listed = {} -- "a;b" -> "a, b" (escaped), once per channel mix
  for _, p in ipairs(plan) do
    local channels = listed[p.channels]
    if not channels then
      channels = lib.md(p.channels:gsub(";", ", "))
      listed[p.channels] = channels
    end
    add(string.format("| %d | %s | %s | %s | %s | %s | %d%s | %s | %s |", p.priority, lib.md(p.name),
                      R.quadrant_nl[p.quadrant], md[p.goal], lib.md(p.message),
                      channels, p.frequency,
                      p.extra_meeting == "yes" and " + 1" or "", md[p.owner],
                      lib.date_nl(p.first_contact)))
  end
  add("")
  add("`+ 1`: een extra een-op-eengesprek om zorgen weg te nemen (negatieve houding, veel macht).")
  add("")
  return table.concat(t, "\n")
end

-- commplan.csv, a line per stakeholder.
local function plan_csv(plan)
  local w = regie.csv.writer("commplan.csv", PLAN_COLUMNS)
  for _, p in ipairs(plan) do
    w:add(p.priority, p.id, p.name, p.quadrant, p.type, p.goal_code, p.goal, p.message, p.channels,
          p.modes, p.frequency, p.base_frequency, p.contacts, p.extra_meeting, p.owner,
          p.first_contact, p.last_contact)
  end
  w:close()
end

-- The contact moments of a stakeholder depend only on the quadrant (the
-- channel mix and the base frequency), on whether the gap steps the
-- frequency up and on whether the extra meeting is added.  Stakeholders
-- alike in these get the same goal, channels, dates and frequency, so that
-- is worked out once for each such kind:
--   goal, frequency, base, names, modes  as in the plan
--   contacts  { day =, date =, channel =, mode =, kind = } in date order
local function make_kind(cfg, mix, q, gap, concerns)
  local goal = concerns and R.concerns.goal or R.goal[q]
  local freq, base = frequency(q, gap)
  local chans = {}
  for _, c in ipairs(mix[q] or {}) do
    chans[#chans + 1] = c
  end
  if concerns and not has_channel(chans, R.concerns.channel) then
    table.insert(chans, 1, { channel = R.concerns.channel, mode = "offline" })
  end
  local names, modes = {}, {}
  for _, c in ipairs(chans) do
    names[#names + 1] = c.channel
    modes[#modes + 1] = c.mode
  end
  local n = math.max(1, math.floor(regie.round(freq * cfg.months / 12, 0)))
  local dates = spread(cfg, n)
  local list = {}
  -- regular contacts rotate through the channel mix (without the extra
  -- meeting's channel when it was added for concerns)
  local base_chans = mix[q] or chans
  for k, d in ipairs(dates) do
    local c = base_chans[(k - 1) % #base_chans + 1]
    list[#list + 1] = { day = d, channel = c.channel, mode = c.mode, kind = "regular" }
  end
  if concerns then
    local taken = {}
    for _, d in ipairs(dates) do
      taken[d] = true
    end
    local d = lib.next_workday(cfg, cfg.start_day + R.concerns.meeting_after_days)
    while taken[d] do
      d = lib.next_workday(cfg, d + 1)
    end
    list[#list + 1] = { day = d, channel = R.concerns.channel, mode = "offline",
                        kind = "address_concerns" }
  end
  table.sort(list, function(a, b)
    return a.day < b.day
  end)
  for _, c in ipairs(list) do
    c.date = lib.iso(c.day)
  end
  return {
    goal = goal, frequency = freq, base = base, concerns = concerns,
    names = table.concat(names, ";"), modes = table.concat(modes, ";"),
    contacts = list, first = list[1].date, last = list[#list].date,
  }
end

return {
  summary = "Derive the communication plan and the contact dates",
  params = {
    calendar_max = { type = "integer", default = CALENDAR_MAX,
                     description = "contacts.ics holds the contact moments of this many stakeholders, those with the highest priority (contacts.csv holds all)" },
  },
  run = function(step)
    local cfg = lib.config()
    local mix = lib.channel_mix()
    local calendar_max = step.params.calendar_max
    if calendar_max < 1 then
      regie.fail(string.format("parameter calendar_max = %d: expected a whole number of at least 1",
                               calendar_max))
    end
    -- the records are read as a copy of their own (regie.rows), which can
    -- be let go before contacts.csv is joined
    local rows = lib.by_priority(regie.rows("ranked"))
    local kinds = {} -- [quadrant][steps up][concerns]
    local function kind_of(r)
      local q = r.quadrant
      local up = r.gap >= R.step_up_gap
      local concerns = r.power_high and r.attitude <= R.concerns.max_attitude
      kinds[q] = kinds[q] or { [true] = {}, [false] = {} }
      local k = kinds[q][up][concerns]
      if not k then
        k = make_kind(cfg, mix, q, r.gap, concerns)
        kinds[q][up][concerns] = k
      end
      return k
    end
    local function message_of(r)
      return r.concern ~= "" and r.concern or R.default_message[r.quadrant]
    end
    local function owner_of(r)
      return r.owner ~= "" and r.owner or cfg.owner
    end

    -- the plan, a line per stakeholder, and the contact moments of the
    -- calendar
    local plan, contacts = {}, {}
    local moments = 0
    for i, r in ipairs(rows) do
      local kind = kind_of(r)
      local goal = kind.goal
      local message, owner = message_of(r), owner_of(r)
      if r.priority <= calendar_max then
        for k, c in ipairs(kind.contacts) do
          contacts[#contacts + 1] = {
            priority = r.priority, id = r.id, name = r.name, n = k, date = c.date,
            channel = c.channel, mode = c.mode, kind = c.kind, owner = owner,
            goal = goal.text, message = message,
          }
        end
      end
      moments = moments + #kind.contacts
      plan[i] = {
        priority = r.priority, id = r.id, name = r.name, quadrant = r.quadrant, type = r.type,
        goal_code = goal.code, goal = goal.text, message = message,
        channels = kind.names, modes = kind.modes,
        frequency = kind.frequency, base_frequency = kind.base, contacts = #kind.contacts,
        extra_meeting = kind.concerns and "yes" or "no", owner = owner,
        first_contact = kind.first, last_contact = kind.last,
      }
    end
    plan_csv(plan)
    regie.write("commplan.md", md_plan(cfg, plan))
    regie.output("plan", plan, PLAN_DATA_COLUMNS)
    regie.output("contacts", contacts, CONTACT_COLUMNS)
    if #rows > calendar_max then
      regie.info(string.format("contacts.ics: the contact moments of the %d stakeholders with the highest priority (%d of %d); all are in contacts.csv",
                               calendar_max, #contacts, moments))
    end
    plan, contacts = nil, nil
    collectgarbage() -- before the largest file, what is no longer needed goes

    -- contacts.csv, a line per contact moment
    local w = regie.csv.writer("contacts.csv", CONTACT_COLUMNS)
    for _, r in ipairs(rows) do
      local kind = kind_of(r)
      local goal, message, owner = kind.goal.text, message_of(r), owner_of(r)
      local priority, id, name = r.priority, r.id, r.name
      for k, c in ipairs(kind.contacts) do
        w:add(priority, id, name, k, c.date, c.channel, c.mode, c.kind, owner, goal, message)
      end
    end
    w:close()
  end,
}
