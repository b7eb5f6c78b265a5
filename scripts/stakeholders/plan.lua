-- plan.lua - the communication plan: goal on the participation ladder,
-- message, channels, frequency, owner and contact dates per stakeholder.
-- Writes commplan.csv and commplan.md; gives the report the plan of each
-- kind of stakeholder and the calendar step the contact moments of its
-- calendar.  contacts.csv, every contact moment, is written beside them by
-- contacts.lua.

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
-- What the report reads of the plan (the `plan` data): the part of the
-- plan that is the same for all stakeholders of a kind (contact_plan.lua),
-- a line per kind, with what the kind depends on (quadrant, steps_up,
-- concerns: CP.kind_of).  The message and the owner of each stakeholder
-- the report takes from the ranked stakeholders, as this step does.
local PLAN_DATA_COLUMNS = { "quadrant", "steps_up", "concerns", "goal", "channels", "frequency",
                            "base_frequency", "contacts", "extra_meeting", "first_contact" }
local CONTACT_COLUMNS = CP.CONTACT_COLUMNS

-- commplan.md, written line by line as the plan is made: md.head(),
-- md.line(r, kind, message, owner) per stakeholder, md.close().
local function md_plan(cfg)
  local f = regie.file("commplan.md")
  local md = {}
  function md.head()
    f:write("# Communicatieplan: ", lib.md(cfg.title), "\n\n")
    f:write(string.format("Planperiode: %s tot %s (%d maanden). Contactmomenten die op een niet-werkdag vallen, schuiven naar de volgende werkdag.\n\n",
                          lib.date_nl(cfg.start), lib.date_nl(cfg["end"]), cfg.months))
    f:write("| Prio | Stakeholder | Kwadrant | Doel | Boodschap | Kanalen | Per jaar | Eigenaar | Eerste contact |\n")
    f:write("| ---: | --- | --- | --- | --- | --- | ---: | --- | --- |\n")
  end
  -- the values that recur (owners) are escaped once
  local owners = lib.cache(lib.md)
  -- the cells of a kind of stakeholder (see contact_plan.lua), made once:
  -- those between the name and the message, and between the message and
  -- the owner, and after the owner
  local cells = {}
  local function cells_of(kind)
    local c = cells[kind]
    if not c then
      c = {
        string.format(" | %s | %s | ", R.quadrant_nl[kind.quadrant], lib.md(kind.goal.text)),
        string.format(" | %s | %d%s | ", lib.md((kind.names:gsub(";", ", "))), kind.frequency,
                      kind.concerns and " + 1" or ""),
        string.format(" | %s |\n", lib.date_nl(kind.first)),
      }
      cells[kind] = c
    end
    return c
  end
  function md.line(r, kind, message, owner)
    local c = cells_of(kind)
    f:write("| ", r.priority, " | ", lib.md(r.name), c[1], lib.md(CP.shown(message)), c[2],
            owners[CP.shown(owner)], c[3])
  end
  function md.close()
    f:write("\n`+ 1`: een extra een-op-eengesprek om zorgen weg te nemen (negatieve houding, veel macht).\n")
    f:close()
  end
  return md
end

return {
  summary = "Derive the communication plan and the contact dates",
  params = {
    calendar_max = { type = "integer", default = CALENDAR_MAX,
                     description = "contacts.ics holds the contact moments of this many stakeholders, those with the highest priority (contacts.csv holds all)" },
    plan_data = { type = "string", default = "",
                  description = "also hand the rows of commplan.csv as this data (one of the step's writes; stakeholders.xlsx is made from it); empty: not" },
  },
  run = function(step)
    local cfg = lib.config()
    local mix = lib.channel_mix()
    local calendar_max = step.params.calendar_max
    if calendar_max < 1 then
      regie.fail(string.format("parameter calendar_max = %d: expected a whole number of at least 1",
                               calendar_max))
    end
    local class_of = lib.class_of
    local P = CP.new(cfg, mix)

    -- the plan, a line per stakeholder in commplan.csv and commplan.md,
    -- each written as it is made; the plan of each kind for the report;
    -- the contact moments of the calendar
    local w = regie.csv.writer("commplan.csv", PLAN_COLUMNS)
    local typed = step.params.plan_data ~= "" and regie.output_writer(step.params.plan_data, PLAN_COLUMNS) or nil
    local md = md_plan(cfg)
    md.head()
    local kinds, listed = {}, {}
    local contacts = {}
    local moments, stakeholders = 0, 0
    -- the columns of ranked used here (lib.class_of, CP.kind, the lines)
    local columns = { "priority", "id", "name", "power_high", "interest_high", "legitimacy",
                      "urgency", "attitude", "gap", "owner", "concern" }
    for _, r in lib.each_ranked(columns) do
      stakeholders = stakeholders + 1
      local c = class_of(r)
      local kind = P.kind(c, r)
      local goal = kind.goal
      local message, owner = CP.message(c, r), CP.owner(cfg, r)
      if not listed[kind] then
        listed[kind] = true
        kinds[#kinds + 1] = {
          quadrant = kind.quadrant, steps_up = kind.steps_up, concerns = kind.concerns,
          goal = goal.text, channels = kind.names, frequency = kind.frequency,
          base_frequency = kind.base, contacts = #kind.contacts,
          extra_meeting = kind.concerns and "yes" or "no", first_contact = kind.first,
        }
      end
      if r.priority <= calendar_max then
        for k, m in ipairs(kind.contacts) do
          contacts[#contacts + 1] = {
            priority = r.priority, id = r.id, name = r.name, n = k, date = m.date,
            channel = m.channel, mode = m.mode, kind = m.kind, owner = owner,
            goal = goal.text, message = message,
          }
        end
      end
      moments = moments + #kind.contacts
      w:add(r.priority, r.id, r.name, kind.quadrant, c.type, goal.code, goal.text, message,
            kind.names, kind.modes, kind.frequency, kind.base, #kind.contacts,
            kind.concerns and "yes" or "no", owner, kind.first, kind.last)
      if typed then
        typed:add(r.priority, r.id, r.name, kind.quadrant, c.type, goal.code, goal.text, message,
                  kind.names, kind.modes, kind.frequency, kind.base, #kind.contacts,
                  kind.concerns and "yes" or "no", owner, kind.first, kind.last)
      end
      md.line(r, kind, message, owner)
    end
    w:close()
    if typed then
      typed:close()
    end
    md.close()
    regie.output("plan", kinds, PLAN_DATA_COLUMNS)
    regie.output("contacts", contacts, CONTACT_COLUMNS)
    if stakeholders > calendar_max then
      regie.info(string.format("contacts.ics: the contact moments of the %d stakeholders with the highest priority (%d of %d); all are in contacts.csv",
                               calendar_max, #contacts, moments))
    end
  end,
}
