-- validate.lua - check analysis.ini, stakeholders.csv and the optional
-- channels and previous inputs before anything is classified.  The engine
-- has already checked the column types; this step checks what depends on
-- the analysis (the scale) and the domain (engagement levels, attitude,
-- channel mix, enumerations of a previous run).  Every data error of the
-- inputs is reported together; the run then stops with exit status 2.
--
-- A pre-flight step: `regie check` runs it too, and it also runs when an
-- input could not be read (the engine reports why).  That input is absent
-- here; the rules that need it are left out and the others still apply.

local lib = require "stakeholders.lib"
local R = lib.rules

local function err(file, line, column, found, expected)
  regie.data_error(file, line, column, found, expected)
end

-- An INI problem has no column: the message names section and key.
local function ini_err(file, line, text)
  regie.data_error(file, line, nil, nil, text)
end

-- The scale of analysis.ini (min below max, the threshold between them)
-- and the days regie.date can take.  Returns the number of errors.
local function check_settings(cfg)
  local problems, lines = {}, cfg.lines
  local function problem(line, text)
    problems[#problems + 1] = { line = line or 0, text = text }
  end
  local lo, hi, th = cfg.min, cfg.max, cfg.threshold
  if lo >= hi then
    problem(lines["scale.max"] or lines["scale.min"],
            string.format("[scale] max: found \"%s\", expected a number greater than min %s",
                          lib.num(hi), lib.num(lo)))
  elseif th < lo or th > hi then
    problem(lines["scale.threshold"],
            string.format("[scale] threshold: found \"%s\", expected a value in %s..%s (min..max)",
                          lib.num(th), lib.num(lo), lib.num(hi)))
  end
  if #cfg.calendar.extra_closed > 64 then
    problem(lines["calendar.extra_closed"],
            string.format("[calendar] extra_closed: found \"%d dates\", expected at most 64 dates",
                          #cfg.calendar.extra_closed))
  end
  -- in the order of the file (each key has a line of its own)
  table.sort(problems, function(a, b) return a.line < b.line end)
  for _, p in ipairs(problems) do
    ini_err(cfg.file, p.line, p.text)
  end
  return #problems
end

local function check_channels(count)
  if not regie.has_input("channels") then
    return count
  end
  local ds = regie.input("channels")
  local file = ds.source or "channels.csv"
  local have = {}
  for i, rec in ipairs(ds) do
    local line = ds.lines and ds.lines[i] or 0
    local q = lib.trim(lib.str(rec.quadrant))
    local mode = lib.trim(lib.str(rec.mode)):lower()
    if not lib.contains(lib.QUADRANTS, q) then
      err(file, line, "quadrant", q, "one of " .. table.concat(lib.QUADRANTS, ", "))
      count = count + 1
    else
      have[q] = true
    end
    if not R.channel_modes[mode] then
      local modes = {}
      for m in pairs(R.channel_modes) do
        modes[#modes + 1] = m
      end
      table.sort(modes)
      err(file, line, "mode", lib.str(rec.mode), "one of " .. table.concat(modes, ", "))
      count = count + 1
    end
  end
  for _, q in ipairs(lib.QUADRANTS) do
    if not have[q] then
      ini_err(file, 0, string.format("no channel for quadrant %s, expected at least one row", q))
      count = count + 1
    end
  end
  return count
end

local function set_of(list)
  local set = {}
  for _, v in ipairs(list) do
    set[v] = true
  end
  return set
end
local QUADRANT, SALIENCE, TYPE = set_of(lib.QUADRANTS), set_of(lib.SALIENCE), set_of(lib.TYPES)

local function check_previous(count)
  if not regie.has_input("previous") then
    return count
  end
  local ds = regie.input("previous")
  local file = ds.source or "previous.csv"
  local lines = ds.lines or {}
  for i, rec in ipairs(ds) do
    local line = lines[i] or 0
    local q, s = lib.str(rec.quadrant), lib.str(rec.salience)
    if not QUADRANT[q] then
      err(file, line, "quadrant", q, "one of " .. table.concat(lib.QUADRANTS, ", "))
      count = count + 1
    end
    if not SALIENCE[s] then
      err(file, line, "salience", s, "one of " .. table.concat(lib.SALIENCE, ", "))
      count = count + 1
    end
    local t = rec.type
    if not lib.is_null(t) and lib.str(t) ~= "" and not TYPE[lib.str(t)] then
      err(file, line, "type", lib.str(t), "one of " .. table.concat(lib.TYPES, ", "))
      count = count + 1
    end
  end
  return count
end

return {
  summary = "Check analysis.ini and stakeholders.csv against the scale and the rules",
  params = {},
  run = function(step)
    local count = 0
    -- the rules themselves: a wrong order of priority in rules.lua is the
    -- administrator's to mend, reported with the errors of the inputs
    local _, problem = lib.check_priority_order(R.priority_order)
    if problem then
      regie.data_error(lib.RULES_FILE, 0, nil, nil, problem)
      count = count + 1
    end
    -- analysis.ini: the type, range and choices of each key, and the
    -- unknown keys and sections, are declared in the workflow
    -- (keys.SECTION of [input.analysis]) and checked when the file is read;
    -- a file with such an error is not given to this step.  What is
    -- checked here depends on several keys (the threshold in min..max) or
    -- on regie.date (its 64 extra closed days).
    local cfg = lib.config()
    if cfg then
      count = count + check_settings(cfg)
    end
    -- without analysis.ini the scale is not known: the ranges are not checked
    local scale_ok = cfg ~= nil and cfg.min < cfg.max

    -- the roster is read once, a stakeholder at a time (regie.each): no
    -- table per stakeholder
    local about = regie.describe("stakeholders") or { rows = -1 }
    local file = about.source or "stakeholders.csv"
    if about.rows == 0 then
      ini_err(file, 1, "no stakeholders: found only the header, expected at least one stakeholder row")
      count = count + 1
    end
    local range = scale_ok and string.format("a value in %s..%s", lib.num(cfg.min), lib.num(cfg.max))
    local levels = "one of unaware, resistant, neutral, supportive, leading (or 0..4)"
    local lo, hi = cfg and cfg.min, cfg and cfg.max
    -- each good record goes on as the stakeholder's roster record; the
    -- roster is handed over only when no record is bad (and there is none
    -- when an input could not be read)
    local complete = cfg ~= nil and about.rows >= 0
    local roster = complete and regie.output_writer("roster", lib.ROSTER_COLUMNS)
    local columns = { "_line", "id", "name", "side", "power", "interest", "legitimacy", "urgency",
                      "attitude", "current", "desired", "owner", "concern" }
    for _, rec in regie.each("stakeholders", columns, {}) do
      local line = rec._line
      local bad = false
      local power, interest = rec.power, rec.interest
      if scale_ok and type(power) == "number" and (power < lo or power > hi) then
        err(file, line, "power", lib.num(power), range)
        bad = true
      end
      if scale_ok and type(interest) == "number" and (interest < lo or interest > hi) then
        err(file, line, "interest", lib.num(interest), range)
        bad = true
      end
      local a = rec.attitude
      if type(a) == "number" and (a < -2 or a > 2) then
        err(file, line, "attitude", lib.num(a), "a value in -2..2")
        bad = true
      end
      local cur, curv = lib.level(rec.current)
      local des, desv = lib.level(rec.desired)
      if not cur then
        err(file, line, "current", lib.str(rec.current), levels)
        bad = true
      end
      if not des then
        err(file, line, "desired", lib.str(rec.desired), levels)
        bad = true
      end
      if bad then
        count = count + 1
      elseif count == 0 and roster then
        roster:add(rec.id, lib.str(rec.name), lib.str(rec.side), power, interest, rec.legitimacy == true,
                   rec.urgency == true, math.tointeger(a) or 0, cur, des, curv, desv,
                   lib.str(rec.owner), lib.str(rec.concern), line, file)
      end
    end
    count = check_channels(count)
    count = check_previous(count)
    if count > 0 then
      -- the data errors are printed by the engine; this only ends the step
      regie.fail(string.format("%d invalid input row(s) or setting(s)", count))
    end
    if not complete then
      -- an input could not be read: the engine has reported it
      regie.fail("an input could not be read")
    end
    -- no row is bad here: the roster is every stakeholder
    regie.info(string.format("%d stakeholders, scale %s..%s, threshold %s, plan %s + %d months",
                             about.rows, lib.num(cfg.min), lib.num(cfg.max), lib.num(cfg.threshold),
                             cfg.start, cfg.months))
    roster:close()
  end,
}
