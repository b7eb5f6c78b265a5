-- prioritise.lua - order the stakeholders (power x interest desc, attribute
-- count desc, gap desc, name asc) and write classification.csv,
-- salience.csv and engagement.md.

local lib = require "stakeholders.lib"
local R = lib.rules

-- Position of each distinct value of `field` when sorted from high to low,
-- as zero-padded text ("02" sorts before "10").
local function rank_high_first(rows, field)
  local seen, values = {}, {}
  for _, r in ipairs(rows) do
    local v = r[field]
    if not seen[v] then
      seen[v] = true
      values[#values + 1] = v
    end
  end
  table.sort(values, function(a, b)
    return a > b
  end)
  local fmt = "%0" .. #tostring(#values) .. "d"
  local rank = {}
  for i, v in ipairs(values) do
    rank[v] = string.format(fmt, i)
  end
  return rank
end

-- The order of priority: power x interest (highest first), then the number
-- of salience attributes (most first), the engagement gap (largest first),
-- the name (ignoring case, then exactly) and the id.  Each stakeholder gets
-- one text key that sorts in exactly that order ("\0" separates the parts,
-- so a shorter name comes first), and the keys are sorted as plain text:
-- on a large roster much faster than comparing records in Lua.
local function sorted_by_priority(rows)
  local score = rank_high_first(rows, "score")
  local attributes = rank_high_first(rows, "attributes")
  local gap = rank_high_first(rows, "gap")
  local keys, row_of = {}, {}
  for i, r in ipairs(rows) do
    local key = score[r.score] .. attributes[r.attributes] .. gap[r.gap] .. r.name:lower() .. "\0"
      .. r.name .. "\0" .. r.id
    keys[i] = key
    row_of[key] = r
  end
  table.sort(keys)
  local out = {}
  for i, key in ipairs(keys) do
    out[i] = row_of[key]
  end
  return out
end

local CLASS_COLUMNS = { "priority", "id", "name", "quadrant", "salience", "attributes", "type",
                        "current", "desired", "gap", "score", "power", "interest", "legitimacy",
                        "urgency", "attitude", "salience_group", "side" }

-- What the later steps read (grid, plan, report, compare): each
-- stakeholder's priority with the part of its classification they use.
local RANKED_COLUMNS = { "priority", "id", "name", "power", "interest", "attitude", "quadrant",
                         "type", "salience", "attribute_codes", "attributes", "power_high",
                         "current", "desired", "gap", "owner", "concern" }

local SALIENCE_COLUMNS = { "priority", "id", "name", "power", "legitimacy", "urgency", "attributes",
                           "attribute_codes", "salience", "group" }

-- classification.csv and salience.csv, a line per stakeholder.
local function class_csv(rows)
  local w, num = regie.csv.writer("classification.csv", CLASS_COLUMNS), lib.num
  for _, r in ipairs(rows) do
    w:add(r.priority, r.id, r.name, r.quadrant, r.salience, r.attributes, r.type, r.current,
          r.desired, r.gap, num(r.score), num(r.power), num(r.interest), r.legitimacy, r.urgency,
          r.attitude, r.salience_group, r.side)
  end
  w:close()
end

local function salience_csv(rows)
  local w = regie.csv.writer("salience.csv", SALIENCE_COLUMNS)
  for _, r in ipairs(rows) do
    w:add(r.priority, r.id, r.name, r.power_high, r.legitimacy, r.urgency, r.attributes,
          r.attribute_codes, r.salience, r.salience_group)
  end
  w:close()
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
  -- the level cells ("C", "D", "C D" or empty) per current/desired pair,
  -- and the gap as text, each made once
  local marks, gaps = {}, {}
  for _, r in ipairs(rows) do
    local pair = r.current .. "\0" .. r.desired
    local m = marks[pair]
    if not m then
      m = table.concat(lib.level_marks(r.current, r.desired), " | ")
      marks[pair] = m
    end
    local g = gaps[r.gap]
    if not g then
      g = lib.signed(r.gap)
      gaps[r.gap] = g
    end
    add("| " .. r.priority .. " | " .. lib.md(r.name) .. " | " .. m .. " | " .. g .. " |")
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
    local rows = sorted_by_priority(regie.rows("classified"))
    for i, r in ipairs(rows) do
      r.priority = i
    end
    class_csv(rows)
    salience_csv(rows)
    regie.write("engagement.md", engagement_md(cfg, rows))
    regie.output("ranked", rows, RANKED_COLUMNS)
  end,
}
