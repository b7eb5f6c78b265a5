-- compare.lua - compare with an earlier run's classification.csv: which
-- stakeholders are new, gone, or moved quadrant, salience class or type.
-- Writes comparison.csv and comparison.md.

local lib = require "stakeholders.lib"
local R = lib.rules

local COLUMNS = { "id", "name", "change", "previous_quadrant", "quadrant", "previous_salience",
                  "salience", "previous_type", "type", "previous_priority", "priority" }

-- comparison.csv, a line per stakeholder.
local function comparison_csv(out)
  local w = regie.csv.writer("comparison.csv", COLUMNS)
  for _, c in ipairs(out) do
    w:add(c.id, c.name, c.change, c.previous_quadrant, c.quadrant, c.previous_salience, c.salience,
          c.previous_type, c.type, c.previous_priority, c.priority)
  end
  w:close()
end

return {
  summary = "Compare the classification with a previous run",
  params = {},
  run = function(step)
    local prev_ds = regie.input("previous")
    local prev, prev_order = {}, {}
    for _, rec in ipairs(prev_ds) do
      local id = lib.str(rec.id)
      prev[id] = rec
      prev_order[#prev_order + 1] = id
    end
    local rows = lib.by_priority(regie.input("ranked"))
    local out, seen = {}, {}
    local counts = { moved = 0, new = 0, removed = 0, unchanged = 0 }
    for _, r in ipairs(rows) do
      local p = prev[r.id]
      seen[r.id] = true
      local class = lib.class_of(r)
      local c = { id = r.id, name = r.name, quadrant = class.quadrant, salience = class.salience,
                  type = class.type, priority = r.priority }
      if not p then
        c.change = "new"
      else
        c.previous_quadrant = lib.str(p.quadrant)
        c.previous_salience = lib.str(p.salience)
        c.previous_type = lib.str(p.type)
        c.previous_priority = lib.str(p.priority)
        local what = {}
        if c.previous_quadrant ~= c.quadrant then
          what[#what + 1] = "quadrant"
        end
        if c.previous_salience ~= c.salience then
          what[#what + 1] = "salience"
        end
        if c.previous_type ~= "" and c.previous_type ~= c.type then
          what[#what + 1] = "type"
        end
        c.change = #what > 0 and ("moved:" .. table.concat(what, "+")) or "unchanged"
      end
      local key = c.change:match("^moved") and "moved" or c.change
      counts[key] = counts[key] + 1
      out[#out + 1] = c
    end
    for _, id in ipairs(prev_order) do
      if not seen[id] then
        local p = prev[id]
        out[#out + 1] = { id = id, name = lib.str(p.name), change = "removed",
                          previous_quadrant = lib.str(p.quadrant),
                          previous_salience = lib.str(p.salience),
                          previous_type = lib.str(p.type),
                          previous_priority = lib.str(p.priority) }
        counts.removed = counts.removed + 1
      end
    end
    comparison_csv(out)

    local t = { "# Vergelijking met de vorige analyse", "",
                string.format("Vorige analyse: `%s`. Verschoven: %d, nieuw: %d, vervallen: %d, ongewijzigd: %d.",
                              lib.md(prev_ds.source or "previous"), counts.moved, counts.new,
                              counts.removed, counts.unchanged), "" }
    t[#t + 1] = "| Stakeholder | Wijziging | Kwadrant | Saillantie | Type |"
    t[#t + 1] = "| --- | --- | --- | --- | --- |"
    local function arrow(a, b, names)
      local na = a and a ~= "" and (names[a] or a) or "–"
      local nb = b and b ~= "" and (names[b] or b) or "–"
      if na == nb then
        return nb
      end
      return na .. " → " .. nb
    end
    local change_nl = { new = "nieuw", removed = "vervallen", unchanged = "ongewijzigd" }
    for _, c in ipairs(out) do
      local ch = change_nl[c.change] or "verschoven"
      t[#t + 1] = string.format("| %s | %s | %s | %s | %s |", lib.md(c.name), ch,
                                arrow(c.previous_quadrant, c.quadrant, R.quadrant_nl),
                                arrow(c.previous_salience, c.salience, R.salience_nl),
                                arrow(c.previous_type, c.type, R.type_nl))
    end
    t[#t + 1] = ""
    regie.write("comparison.md", table.concat(t, "\n"))
    if counts.moved > 0 then
      regie.info(string.format("%d stakeholder(s) moved quadrant, salience class or type since the previous run",
                               counts.moved))
    end
    -- the report shows only who is new, gone or moved
    local changes = {}
    for _, c in ipairs(out) do
      if c.change ~= "unchanged" then
        changes[#changes + 1] = c
      end
    end
    regie.output("changes", changes, COLUMNS)
  end,
}
