-- classify.lua - Mendelow quadrant, salience class, Murray-Webster & Simon
-- type and engagement gap of every stakeholder (rules in rules.lua).

local lib = require "stakeholders.lib"
local R = lib.rules

local COLUMNS = { "id", "name", "side", "power", "interest", "legitimacy", "urgency", "attitude",
                  "current", "desired", "current_level", "desired_level", "owner", "concern",
                  "line", "source", "power_high", "interest_high", "quadrant", "attribute_codes",
                  "attributes", "salience", "salience_group", "type", "gap", "score" }

return {
  summary = "Classify stakeholders: quadrant, salience, 3-D type and engagement gap",
  params = {},
  run = function(step)
    local cfg = lib.config()
    local ds = regie.input("roster")
    local out, notes = {}, {}
    for i, rec in ipairs(ds) do
      local r = lib.copy(rec)
      -- "high" means >= threshold; the boundary counts as high
      r.power_high = r.power >= cfg.threshold
      r.interest_high = r.interest >= cfg.threshold
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
      r.score = regie.round(r.power * r.interest, 6)
      if r.gap < 0 then
        local msg = string.format("%s:%d: %s (%s): desired level %s is below current level %s (gap %d)",
                                  r.source, r.line, r.name, r.id, r.desired, r.current, r.gap)
        regie.warn(msg)
        notes[#notes + 1] = { id = r.id, kind = "negative_gap", message = msg }
      end
      if r.type == "undetermined" then
        notes[#notes + 1] = { id = r.id, kind = "undetermined",
                              message = string.format("%s: %s", r.name, R.undetermined_advice) }
      end
      out[#out + 1] = r
      regie.progress(i / #ds)
    end
    regie.output("classified", out, COLUMNS)
    regie.output("notes", notes, { "id", "kind", "message" })
  end,
}
