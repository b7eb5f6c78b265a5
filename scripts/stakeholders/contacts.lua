-- contacts.lua - contacts.csv: every contact moment of the plan, a line
-- each (1.2 million lines for 100,000 stakeholders).  A step of its own so
-- that the largest file is written beside the report and the calendar.

local lib = require "stakeholders.lib"
local CP = require "stakeholders.contact_plan"

return {
  summary = "Write every contact moment of the plan as contacts.csv",
  params = {},
  run = function(step)
    local cfg = lib.config()
    local P = CP.new(cfg, lib.channel_mix())
    local field = regie.csv.field -- (as regie.csv.writer quotes a value)
    local dialect = regie.csv.dialect() -- the run's: its separator, a BOM or not
    local sep = dialect.delimiter

    -- A line is priority,id,name, then n,date,channel,mode,kind of the
    -- contact, then owner,goal,message.  The middle parts are the same for
    -- all stakeholders of a kind (contact_plan.lua) and the outer parts for
    -- all contacts of a stakeholder: each is made once, as CSV text, and a
    -- line is written as its three parts.
    local middles, goals = {}, {} -- per kind: the middle part of each contact, the goal
    local function prepare(kind)
      local list = {}
      for k, m in ipairs(kind.contacts) do
        list[k] = k .. sep .. field(m.date) .. sep .. field(m.channel) .. sep .. field(m.mode)
          .. sep .. field(m.kind)
      end
      middles[kind], goals[kind] = list, field(kind.goal.text)
    end
    -- the owners recur: each is made CSV text once
    local owners = lib.cache(field)

    local f = regie.file("contacts.csv")
    local header = {}
    for i, column in ipairs(CP.CONTACT_COLUMNS) do
      header[i] = field(column)
    end
    f:write(dialect.bom, table.concat(header, sep), "\r\n")
    -- the columns of ranked used here (lib.class_of, CP.kind, the line)
    local columns = { "priority", "id", "name", "power_high", "interest_high", "legitimacy",
                      "urgency", "attitude", "gap", "owner", "concern" }
    for _, r in lib.each_ranked(columns) do
      local c = lib.class_of(r)
      local kind = P.kind(c, r)
      if not middles[kind] then
        prepare(kind)
      end
      local head = r.priority .. sep .. field(r.id) .. sep .. field(r.name) .. sep
      local tail = sep .. owners[CP.owner(cfg, r)] .. sep .. goals[kind] .. sep
        .. field(CP.message(c, r)) .. "\r\n"
      for _, middle in ipairs(middles[kind]) do
        f:write(head, middle, tail)
      end
    end
    f:close()
  end,
}
