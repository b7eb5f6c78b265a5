-- plan.lua - the communication plan: goal on the participation ladder,
-- message, channels, frequency, owner and contact dates per stakeholder.
-- Writes commplan.csv and commplan.md; gives the report the plan and the
-- calendar step the contact moments of its calendar.  contacts.csv, every
-- contact moment, is written beside them by contacts.lua.

local lib = require "stakeholders.lib"
local R = lib.rules
local CP = require "stakeholders.contact_plan"

-- The most stakeholders whose contact moments go to the calendar
-- (contacts.ics; the `contacts` data of the calendar step), the parameter
-- calendar_max.  A calendar of a very large roster cannot be used: 100,000
-- stakeholders have over a million contact moments, half a gigabyte of
-- iCalendar that no calendar program imports and that does not fit in a
-- step's memory.  Beyond this number the calendar holds the contacts of the
-- stakeholders with the highest priority; contacts.csv always holds every
-- contact moment.
local CALENDAR_MAX = 1000

local PLAN_COLUMNS = { "priority", "id", "name", "quadrant", "type", "goal_code", "goal", "message",
                       "channels", "modes", "frequency", "base_frequency", "contacts",
                       "extra_meeting", "owner", "first_contact", "last_contact" }
-- What the report reads of the plan (the `plan` data).
local PLAN_DATA_COLUMNS = { "priority", "id", "name", "goal", "message", "channels", "frequency",
                            "base_frequency", "contacts", "extra_meeting", "owner",
                            "first_contact" }
local CONTACT_COLUMNS = CP.CONTACT_COLUMNS

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
    local rows = lib.by_priority(regie.rows("ranked"))
    local P = CP.new(cfg, mix)
    local kind_of, message_of, owner_of = P.kind, P.message, P.owner

    -- the plan, a line per stakeholder, and the contact moments of the
    -- calendar; commplan.csv gets each line as it is made, `plan` keeps
    -- only what commplan.md and the report read (100,000 smaller records)
    local w = regie.csv.writer("commplan.csv", PLAN_COLUMNS)
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
      local extra = kind.concerns and "yes" or "no"
      w:add(r.priority, r.id, r.name, r.quadrant, r.type, goal.code, goal.text, message, kind.names,
            kind.modes, kind.frequency, kind.base, #kind.contacts, extra, owner, kind.first,
            kind.last)
      plan[i] = {
        priority = r.priority, id = r.id, name = r.name, quadrant = r.quadrant,
        goal = goal.text, message = message, channels = kind.names,
        frequency = kind.frequency, base_frequency = kind.base, contacts = #kind.contacts,
        extra_meeting = extra, owner = owner, first_contact = kind.first,
      }
    end
    w:close()
    local nrows = #rows
    rows = nil -- let the collector have the records while the rest is made
    regie.write("commplan.md", md_plan(cfg, plan))
    regie.output("plan", plan, PLAN_DATA_COLUMNS)
    regie.output("contacts", contacts, CONTACT_COLUMNS)
    if nrows > calendar_max then
      regie.info(string.format("contacts.ics: the contact moments of the %d stakeholders with the highest priority (%d of %d); all are in contacts.csv",
                               calendar_max, #contacts, moments))
    end
  end,
}
