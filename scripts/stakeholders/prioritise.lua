-- prioritise.lua - order the stakeholders by the score and the order of
-- priority of rules.lua (R.score, R.priority_order) and write
-- classification.csv, salience.csv and engagement.md.

local lib = require "stakeholders.lib"
local R = lib.rules
local class_of = lib.class_of

-- The order of priority, as rules.lua says it (R.priority_order; by
-- default the score (R.score) highest first, then the number of salience
-- attributes, the engagement gap, the name ignoring case and the id).
-- scores[i] and classes[i] belong to rows[i]; returns the positions in
-- `rows` in priority order.  regie.order sorts by these columns in C: on a
-- large roster far faster than comparing records in Lua.  It compares text
-- byte by byte, so a case-insensitive column is sorted by its folded text
-- (lib.fold).
local function order_of_priority(spec, rows, scores, classes)
  local columns, directions = {}, {}
  for k, e in ipairs(spec) do
    local list = {}
    local name = e.column
    if name == "score" then
      list = scores
    elseif name == "attributes" then
      for i = 1, #rows do
        list[i] = classes[i].attributes
      end
    elseif e.fold then
      local fold = lib.fold
      for i, r in ipairs(rows) do
        list[i] = fold(r[name])
      end
    else
      for i, r in ipairs(rows) do
        list[i] = r[name]
      end
    end
    columns[k] = list
    directions[k] = e.desc and "desc" or "asc"
  end
  return regie.order(columns, directions)
end

local CLASS_COLUMNS = { "priority", "id", "name", "quadrant", "salience", "attributes", "type",
                        "current", "desired", "gap", "score", "power", "interest", "legitimacy",
                        "urgency", "attitude", "salience_group", "side" }

-- What the later steps read (grid, plan, report, compare): each
-- stakeholder's priority with its data; they ask lib.class_of for the rest
-- of the classification.
local RANKED_COLUMNS = { "priority", "id", "name", "power", "interest", "legitimacy", "urgency",
                         "attitude", "power_high", "interest_high", "current", "desired", "gap",
                         "owner", "concern" }

local SALIENCE_COLUMNS = { "priority", "id", "name", "power", "legitimacy", "urgency", "attributes",
                           "attribute_codes", "salience", "group" }

-- classification.csv, salience.csv and engagement.md, a line per
-- stakeholder in each, written as they are made: files.add(r, priority, c,
-- score) for stakeholder r with classification c in priority order, then
-- files.close().
local function open_files(cfg, typed_name)
  -- power, interest and score as text (lib.num), once per distinct value:
  -- num[x]
  local num = lib.cache(lib.num)
  local class_csv = regie.csv.writer("classification.csv", CLASS_COLUMNS)
  -- the rows of classification.csv typed (for stakeholders.xlsx): score,
  -- power and interest the numbers their text reads as
  local typed = typed_name ~= "" and regie.output_writer(typed_name, CLASS_COLUMNS) or nil
  local salience_csv = regie.csv.writer("salience.csv", SALIENCE_COLUMNS)

  -- engagement.md: the C/D table, then a note for each negative gap
  local md = regie.file("engagement.md")
  md:write("# Betrokkenheid: huidig (C) en gewenst (D)\n\n")
  md:write(string.format("%s. Niveaus volgens de PMBOK-betrokkenheidsmatrix; C = huidig, D = gewenst.\n\n",
                         cfg.title))
  local head = { "Prio", "Stakeholder" }
  for _, lv in ipairs(R.levels) do
    head[#head + 1] = R.level_nl[lv]
  end
  head[#head + 1] = "Kloof"
  md:write("| " .. table.concat(head, " | ") .. " |\n")
  local sep = {}
  for i = 1, #head do
    sep[i] = (i == 1 or i == #head) and "---:" or "---"
  end
  md:write("| " .. table.concat(sep, " | ") .. " |\n")
  -- the level cells ("C", "D", "C D" or empty) made once per
  -- current/desired pair (marks[current][desired]), the gap as text once
  -- per gap
  local marks, gaps = {}, {}
  local neg = {} -- the notes below the table

  local files = {}
  function files.add(r, priority, c, score)
    class_csv:add(priority, r.id, r.name, c.quadrant, c.salience, c.attributes, c.type, r.current,
                  r.desired, r.gap, num[score], num[r.power], num[r.interest], r.legitimacy,
                  r.urgency, r.attitude, c.salience_group, r.side)
    if typed then
      typed:add(priority, r.id, r.name, c.quadrant, c.salience, c.attributes, c.type, r.current,
                r.desired, r.gap, tonumber(num[score]), tonumber(num[r.power]),
                tonumber(num[r.interest]), r.legitimacy, r.urgency, r.attitude, c.salience_group,
                r.side)
    end
    salience_csv:add(priority, r.id, r.name, r.power_high, r.legitimacy, r.urgency, c.attributes,
                     c.attribute_codes, c.salience, c.salience_group)
    local by_desired = lib.sub(marks, r.current)
    local m = by_desired[r.desired]
    if not m then
      m = table.concat(lib.level_marks(r.current, r.desired), " | ")
      by_desired[r.desired] = m
    end
    local g = gaps[r.gap]
    if not g then
      g = lib.signed(r.gap)
      gaps[r.gap] = g
    end
    md:write("| ", priority, " | ", lib.md(r.name), " | ", m, " | ", g, " |\n")
    if r.gap < 0 then
      neg[#neg + 1] = string.format("- Let op: bij %s ligt het gewenste niveau (%s) onder het huidige (%s).",
                                    lib.md(r.name), R.level_nl[r.desired], R.level_nl[r.current])
    end
  end
  function files.close()
    class_csv:close()
    if typed then
      typed:close()
    end
    salience_csv:close()
    if #neg > 0 then
      md:write("\n")
      for _, s in ipairs(neg) do
        md:write(s, "\n")
      end
    end
    md:close()
  end
  return files
end

return {
  summary = "Prioritise stakeholders and write classification.csv, salience.csv, engagement.md",
  params = {
    classification_data = { type = "string", default = "",
                            description = "also hand the rows of classification.csv, typed, as this data (one of the step's writes; stakeholders.xlsx is made from it); empty: not" },
  },
  run = function(step)
    local cfg = lib.config()
    local spec, problem = lib.check_priority_order(R.priority_order)
    if not spec then
      regie.fail(lib.RULES_FILE .. ": " .. problem)
    end
    local factors, decimals = lib.check_score(R.score, R.score_decimals)
    if not factors then
      regie.fail(lib.RULES_FILE .. ": " .. decimals)
    end
    local rows = regie.input("classified")
    -- each stakeholder's classification (lib.class_of) and score (R.score:
    -- by default power x interest), kept exact enough for sorting decimal
    -- inputs (2.99 x 5), rounded once per distinct product
    local classes, scores = {}, {}
    local score_of_product = {}
    local first, nfactors = factors[1], #factors
    for i, r in ipairs(rows) do
      classes[i] = class_of(r)
      local product = r[first]
      for k = 2, nfactors do
        product = product * r[factors[k]]
      end
      local score = score_of_product[product]
      if not score then
        score = regie.round(product, decimals)
        if product == product then -- NaN cannot be a table key
          score_of_product[product] = score
        end
      end
      scores[i] = score
    end
    local order = order_of_priority(spec, rows, scores, classes)
    -- in priority order: the stakeholder's lines in the three files, and
    -- its record of the `ranked` data, handed on as it is made (no table
    -- per record)
    local files = open_files(cfg, step.params.classification_data)
    local ranked = regie.output_writer("ranked", RANKED_COLUMNS)
    for priority, i in ipairs(order) do
      local r = rows[i]
      files.add(r, priority, classes[i], scores[i])
      ranked:add(priority, r.id, r.name, r.power, r.interest, r.legitimacy, r.urgency, r.attitude,
                 r.power_high, r.interest_high, r.current, r.desired, r.gap, r.owner, r.concern)
    end
    files.close()
    ranked:close()
  end,
}
