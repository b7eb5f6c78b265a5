-- classify.lua - Mendelow quadrant, salience class, Murray-Webster & Simon
-- type and engagement gap of every stakeholder (rules in rules.lua): which
-- scores count as high, the gap, and from these the classification
-- (lib.class_of).  Warns about a negative gap and notes who has an
-- undetermined type.

local lib = require "stakeholders.lib"
local R = lib.rules

-- What prioritise.lua reads: the roster's data for classification.csv and
-- the later steps, with power_high, interest_high and gap added.  The rest
-- of the classification (quadrant, salience, type ...) follows from these
-- and is not handed on: each step that needs it asks lib.class_of, which
-- is cheaper than passing six more columns per stakeholder from step to
-- step.
local COLUMNS = { "id", "name", "side", "power", "interest", "legitimacy", "urgency", "attitude",
                  "power_high", "interest_high", "current", "desired", "gap", "owner", "concern" }

return {
  summary = "Classify stakeholders: quadrant, salience, 3-D type and engagement gap",
  params = {},
  run = function(step)
    local cfg = lib.config()
    local threshold = cfg.threshold
    -- the roster is read a stakeholder at a time into one record table
    -- (regie.each), which gets power_high, interest_high and gap added;
    -- each goes on as `classified` at once
    local n = regie.describe("roster").rows
    local classified = regie.output_writer("classified", COLUMNS)
    local notes = {}
    for i, r in regie.each("roster", lib.ROSTER_COLUMNS, {}) do
      -- "high" means >= threshold; the boundary counts as high
      r.power_high = r.power >= threshold
      r.interest_high = r.interest >= threshold
      r.gap = math.tointeger(r.desired_level - r.current_level)
      if r.gap < 0 then
        local msg = string.format("%s:%d: %s (%s): desired level %s is below current level %s (gap %d)",
                                  r.source, r.line, r.name, r.id, r.desired, r.current, r.gap)
        regie.warn(msg)
        notes[#notes + 1] = { id = r.id, kind = "negative_gap", message = msg }
      end
      if lib.class_of(r).type == "undetermined" then
        notes[#notes + 1] = { id = r.id, kind = "undetermined",
                              message = r.name .. ": " .. R.undetermined_advice }
      end
      classified:add(r.id, r.name, r.side, r.power, r.interest, r.legitimacy, r.urgency,
                     r.attitude, r.power_high, r.interest_high, r.current, r.desired, r.gap,
                     r.owner, r.concern)
      if i % 4096 == 0 then
        regie.progress(i / n)
      end
    end
    regie.progress(1)
    classified:close()
    regie.output("notes", notes, { "id", "kind", "message" })
  end,
}
