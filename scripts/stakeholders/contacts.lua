-- contacts.lua - contacts.csv: every contact moment of the plan, a line
-- each (1.2 million lines for 100,000 stakeholders).  A step of its own so
-- that the largest file is written beside the report and the calendar.

local lib = require "stakeholders.lib"
local CP = require "stakeholders.contact_plan"

return {
  summary = "Write every contact moment of the plan as contacts.csv",
  params = {},
  run = function(step)
    local P = CP.new(lib.config(), lib.channel_mix())
    local w = regie.csv.writer("contacts.csv", CP.CONTACT_COLUMNS)
    for _, r in ipairs(lib.by_priority(regie.rows("ranked"))) do
      local kind = P.kind(r)
      local goal, message, owner = kind.goal.text, P.message(r), P.owner(r)
      local priority, id, name = r.priority, r.id, r.name
      for k, c in ipairs(kind.contacts) do
        w:add(priority, id, name, k, c.date, c.channel, c.mode, c.kind, owner, goal, message)
      end
    end
    w:close()
  end,
}
