-- classify.lua - Mendelow quadrant, salience class, Murray-Webster & Simon
-- type and engagement gap of every stakeholder (rules in rules.lua).

local lib = require "stakeholders.lib"
local R = lib.rules

-- What prioritise.lua reads: the roster's data for classification.csv and
-- the later steps, with the classification added.
local COLUMNS = { "id", "name", "side", "power", "interest", "legitimacy", "urgency", "attitude",
                  "current", "desired", "owner", "concern", "power_high", "quadrant",
                  "attribute_codes", "attributes", "salience", "salience_group", "type", "gap",
                  "score" }

return {
  summary = "Classify stakeholders: quadrant, salience, 3-D type and engagement gap",
  params = {},
  run = function(step)
    local cfg = lib.config()
    local threshold = cfg.threshold
    -- the records of the roster are changed in place: each gets its
    -- classification added
    local rows = regie.rows("roster")
    local notes = {}
    local scores = {} -- power x interest, rounded once per distinct product
    for i, r in ipairs(rows) do
      -- "high" means >= threshold; the boundary counts as high
      r.power_high = r.power >= threshold
      r.interest_high = r.interest >= threshold
      r.quadrant = R.quadrant[r.power_high][r.interest_high]
      local codes = (r.power_high and "P" or "") .. (r.legitimacy and "L" or "")
        .. (r.urgency and "U" or "")
      r.attribute_codes = codes
      r.attributes = #codes
      r.salience = R.salience[codes]
      r.salience_group = R.salience_group[#codes]
      if r.attitude > 0 then
        r.type = R.types[r.quadrant].positive
      elseif r.attitude < 0 then
        r.type = R.types[r.quadrant].negative
      else
        r.type = "undetermined"
      end
      r.gap = math.tointeger(r.desired_level - r.current_level)
      -- score kept exact enough for sorting decimal inputs (2.99 x 5)
      local product = r.power * r.interest
      local score = scores[product]
      if not score then
        score = regie.round(product, 6)
        if product == product then
          scores[product] = score
        end
      end
      r.score = score
      if r.gap < 0 then
        local msg = string.format("%s:%d: %s (%s): desired level %s is below current level %s (gap %d)",
                                  r.source, r.line, r.name, r.id, r.desired, r.current, r.gap)
        regie.warn(msg)
        notes[#notes + 1] = { id = r.id, kind = "negative_gap", message = msg }
      end
      if r.type == "undetermined" then
        notes[#notes + 1] = { id = r.id, kind = "undetermined",
                              message = r.name .. ": " .. R.undetermined_advice }
      end
      if i % 4096 == 0 then
        regie.progress(i / #rows)
      end
    end
    regie.progress(1)
    regie.output("classified", rows, COLUMNS)
    regie.output("notes", notes, { "id", "kind", "message" })
  end,
}
