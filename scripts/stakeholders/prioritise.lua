-- prioritise.lua - order the stakeholders (power x interest desc, attribute
-- count desc, gap desc, name asc) and write classification.csv,
-- salience.csv and engagement.md.

local lib = require "stakeholders.lib"
local R = lib.rules

local function before(a, b)
  if a.score ~= b.score then
    return a.score > b.score
  end
  if a.attributes ~= b.attributes then
    return a.attributes > b.attributes
  end
  if a.gap ~= b.gap then
    return a.gap > b.gap
  end
  local na, nb = a.name:lower(), b.name:lower()
  if na ~= nb then
    return na < nb
  end
  if a.name ~= b.name then
    return a.name < b.name
  end
  return a.id < b.id
end

local CLASS_COLUMNS = { "priority", "id", "name", "quadrant", "salience", "attributes", "type",
                        "current", "desired", "gap", "score", "power", "interest", "legitimacy",
                        "urgency", "attitude", "salience_group", "side" }

local function yn(b)
  return b and "yes" or "no"
end

local function engagement_md(cfg, rows)
  local t = {}
  local function add(s)
    t[#t + 1] = s
  end
  add("# Betrokkenheid: huidig (C) en gewenst (D)")
  add("")
  add(string.format("%s. Niveaus volgens de PMBOK-betrokkenheidsmatrix; C = huidig, D = gewenst.",
                    cfg.title))
  add("")
  local head = { "Prio", "Stakeholder" }
  for _, lv in ipairs(R.levels) do
    head[#head + 1] = R.level_nl[lv]
  end
  head[#head + 1] = "Kloof"
  add("| " .. table.concat(head, " | ") .. " |")
  local sep = {}
  for i = 1, #head do
    sep[i] = (i == 1 or i == #head) and "---:" or "---"
  end
  add("| " .. table.concat(sep, " | ") .. " |")
  for _, r in ipairs(rows) do
    local cells = { tostring(r.priority), lib.md(r.name) }
    for _, lv in ipairs(R.levels) do
      local m = {}
      if r.current == lv then
        m[#m + 1] = "C"
      end
      if r.desired == lv then
        m[#m + 1] = "D"
      end
      cells[#cells + 1] = table.concat(m, " ")
    end
    cells[#cells + 1] = string.format("%+d", r.gap):gsub("^%+0$", "0")
    add("| " .. table.concat(cells, " | ") .. " |")
  end
  local neg = {}
  for _, r in ipairs(rows) do
    if r.gap < 0 then
      neg[#neg + 1] = string.format("- Let op: bij %s ligt het gewenste niveau (%s) onder het huidige (%s).",
                                    lib.md(r.name), R.level_nl[r.desired], R.level_nl[r.current])
    end
  end
  if #neg > 0 then
    add("")
    for _, s in ipairs(neg) do
      add(s)
    end
  end
  add("")
  return table.concat(t, "\n")
end

return {
  summary = "Prioritise stakeholders and write classification.csv, salience.csv, engagement.md",
  params = {},
  run = function(step)
    local cfg = lib.config()
    local rows = lib.rows(regie.input("classified"))
    table.sort(rows, before)
    local csv, sal = {}, {}
    for i, r in ipairs(rows) do
      r.priority = i
      csv[i] = {
        priority = i, id = r.id, name = r.name, quadrant = r.quadrant, salience = r.salience,
        attributes = r.attributes, type = r.type, current = r.current, desired = r.desired,
        gap = r.gap, score = lib.num(r.score), power = lib.num(r.power),
        interest = lib.num(r.interest), legitimacy = yn(r.legitimacy), urgency = yn(r.urgency),
        attitude = r.attitude, salience_group = r.salience_group, side = r.side,
      }
      sal[i] = {
        priority = i, id = r.id, name = r.name, power = yn(r.power_high),
        legitimacy = yn(r.legitimacy), urgency = yn(r.urgency), attributes = r.attributes,
        attribute_codes = r.attribute_codes, salience = r.salience, group = r.salience_group,
      }
    end
    regie.write("classification.csv", regie.csv.encode(csv, CLASS_COLUMNS))
    regie.write("salience.csv", regie.csv.encode(sal, { "priority", "id", "name", "power",
      "legitimacy", "urgency", "attributes", "attribute_codes", "salience", "group" }))
    regie.write("engagement.md", engagement_md(cfg, rows))
    local cols = {}
    for _, c in ipairs(regie.input("classified").columns) do
      cols[#cols + 1] = c
    end
    table.insert(cols, 1, "priority")
    for _, r in ipairs(rows) do
      r._line = nil
    end
    regie.output("ranked", rows, cols)
  end,
}
