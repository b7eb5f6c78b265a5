-- lib.lua - shared helpers of the stakeholder-analysis steps: the
-- settings of analysis.ini, the order of priority and the score,
-- engagement levels, classification, escaping; the helpers of every
-- workflow (values, texts, dates) come from scripts/common under the same
-- names.  The rules themselves live in rules.lua (admin-editable).

local R = require "stakeholders.rules"
local V = require "common.value"
local T = require "common.text"
local dates = require "common.date"

local L = { rules = R }

-- ---- the order of priority (rules.lua R.priority_order) -------------------

-- The columns an entry of R.priority_order may name, and their kind.
L.PRIORITY_COLUMNS = {
  score = "number", power = "number", interest = "number", attributes = "number",
  gap = "number", attitude = "number", name = "text", id = "text", side = "text",
}
local PRIORITY_COLUMN_LIST = "score, power, interest, attributes, gap, attitude, name, id, side"

-- Where the rules are, for messages about them.
L.RULES_FILE = "scripts/stakeholders/rules.lua"

-- R.priority_order checked: a list of { column =, desc =, fold = }, or
-- nil and a message naming the entry that is wrong ("priority_order[3]:
-- ..."; the caller names L.RULES_FILE).
local function priority_order(order)
  local where = "priority_order"
  if type(order) ~= "table" or #order == 0 then
    return nil, where .. ": expected a list of { column, direction } entries"
  end
  local spec, seen = {}, {}
  for i, e in ipairs(order) do
    local at = string.format("%s[%d]", where, i)
    if type(e) ~= "table" then
      return nil, string.format("%s: found %s, expected { column, direction }", at, type(e))
    end
    local column, direction, flag = e[1], e[2], e[3]
    local kind = L.PRIORITY_COLUMNS[column]
    if not kind then
      return nil, string.format("%s: column \"%s\", expected one of %s", at, tostring(column),
                                PRIORITY_COLUMN_LIST)
    end
    if seen[column] then
      return nil, string.format("%s: column \"%s\" is already entry %d", at, column, seen[column])
    end
    seen[column] = i
    if direction ~= "asc" and direction ~= "desc" then
      return nil, string.format("%s: direction \"%s\" for %s, expected \"asc\" or \"desc\"", at,
                                tostring(direction), column)
    end
    if flag ~= nil and flag ~= "case-insensitive" then
      return nil, string.format("%s: \"%s\" for %s, expected \"case-insensitive\" or nothing", at,
                                tostring(flag), column)
    end
    if flag and kind ~= "text" then
      return nil, string.format("%s: \"case-insensitive\" for %s, a number column; expected it only for name, id or side",
                                at, column)
    end
    if #e > 3 then
      return nil, string.format("%s: %d values, expected { column, direction[, \"case-insensitive\"] }",
                                at, #e)
    end
    spec[i] = { column = column, desc = direction == "desc", fold = flag ~= nil }
  end
  return spec
end
L.check_priority_order = priority_order

-- The columns R.score may multiply.
local SCORE_COLUMNS = { power = true, interest = true, attitude = true, gap = true }

-- R.score and R.score_decimals checked: the list of columns and the
-- decimals, or nil and a message naming what is wrong (the caller names
-- L.RULES_FILE).
function L.check_score(score, decimals)
  if type(score) ~= "table" or #score == 0 then
    return nil, "score: expected a list of the columns to multiply (power, interest, attitude, gap)"
  end
  for i, column in ipairs(score) do
    if not SCORE_COLUMNS[column] then
      return nil, string.format("score[%d]: column \"%s\", expected one of power, interest, attitude, gap",
                                i, tostring(column))
    end
  end
  if math.type(decimals) ~= "integer" or decimals < 0 or decimals > 15 then
    return nil, string.format("score_decimals: found %s, expected a whole number from 0 to 15",
                              tostring(decimals))
  end
  return score, decimals
end

-- A text folded for comparing without case: ASCII letters in lower case
-- (string.lower, in the C locale the steps run in) and the upper-case
-- letters of Latin-1 (U+00C0..U+00DE but the multiplication sign, UTF-8
-- C3 80..C3 9E) as their lower-case letters (U+00E0..U+00FE).  Other
-- letters are left as they are.
local function fold_latin1(c)
  return "\195" .. string.char(c:byte(2) + 32)
end
function L.fold(s)
  s = s:lower()
  if s:find("\195", 1, true) then
    s = s:gsub("\195[\128-\150\152-\158]", fold_latin1)
  end
  return s
end

-- ---- small helpers (common/value.lua, common/text.lua) --------------------

local is_null = V.is_null
L.is_null = is_null
L.cache = V.cache
L.sub = V.sub
L.contains = V.contains
L.trim = T.trim

-- A number as text: integers without a fraction, others with up to four
-- decimals (half-up), trailing zeros dropped, decimal point.
L.num = T.number(4)

-- A value as text ("" for null; numbers as L.num).
L.str = T.cell(4)

-- A number with a decimal comma, for the Dutch reports.
function L.num_nl(x)
  if math.type(x) == "integer" then
    return tostring(x)
  end
  return T.comma(L.num(x))
end

-- Records (ranked) in priority order.  They usually come in that order
-- (then the very list is returned); else the priorities are 1..n, so each
-- record goes straight to its place without a sort.
function L.by_priority(records)
  local in_order = true
  for i, r in ipairs(records) do
    if r.priority ~= i then
      in_order = false
      break
    end
  end
  if in_order then
    return records
  end
  local out, n = {}, #records
  for _, r in ipairs(records) do
    local p = r.priority
    if math.type(p) ~= "integer" or p < 1 or p > n or out[p] then
      -- not numbered 1..n: sort instead
      out = table.move(records, 1, n, 1, {})
      table.sort(out, function(a, b)
        return a.priority < b.priority
      end)
      return out
    end
    out[p] = r
  end
  return out
end

-- The ranked stakeholders in priority order, for a step that goes through
-- them once: for _, r in L.each_ranked(columns) do ... end, r with the
-- fields `columns` only.  r is one table, refilled for each stakeholder:
-- keep its values, never r itself.  ranked comes in priority order (1, 2,
-- ...) and is then read as it stands, without a table per stakeholder; in
-- any other order it is read whole and sorted first (L.by_priority).
function L.each_ranked(columns)
  for i, priority in regie.each("ranked", { "priority" }) do
    if priority ~= i then
      return ipairs(L.by_priority(regie.input("ranked", columns)))
    end
  end
  return regie.each("ranked", columns, {})
end

-- ---- dates (common/date.lua: day numbers, days since 1970-01-01) ------

L.day = dates.day -- "YYYY-MM-DD" -> day number, or nil
L.iso = dates.iso -- day number -> "YYYY-MM-DD"
L.add_months = dates.add_months
L.date_nl = dates.date_nl -- "2 februari 2026"
L.weekday_nl = dates.weekday_nl -- "maandag"

-- The next working day on or after `day` in the calendar of the analysis.
function L.next_workday(cfg, day)
  local memo = cfg._next_workday
  if not memo then
    memo = {}
    cfg._next_workday = memo
  end
  local w = memo[day]
  if not w then
    w = L.day(regie.date.next_workday(L.iso(day), cfg.calendar))
    memo[day] = w
  end
  return w
end

function L.is_workday(cfg, day)
  return regie.date.is_workday(L.iso(day), cfg.calendar)
end

-- ---- analysis.ini -----------------------------------------------------------
-- Its keys (type, range, choices, required, default) are declared in the
-- workflow, keys.SECTION of [input.analysis], and checked when the file is
-- read; regie.settings hands them over typed, with the defaults.

-- The settings of the analysis: cfg.id, title, organisation, domain (of
-- [analysis]), min, max, threshold ([scale]), start, months, owner
-- ([plan]), calendar (as regie.date takes it); start_day and end_day
-- (day numbers: the start, and the start plus the months) and end (that
-- date); cfg.file is the file, cfg.lines["section.key"] the line of each
-- key written.  nil when analysis.ini could not be read.
function L.config()
  local s, at = regie.settings("analysis")
  if not s then
    return nil
  end
  local analysis, scale, plan = s.analysis, s.scale, s.plan
  local cfg = {
    file = at.source or "analysis.ini", lines = at.line,
    id = analysis.id, title = analysis.title, organisation = analysis.organisation,
    domain = analysis.domain,
    min = scale.min, max = scale.max, threshold = scale.threshold,
    start = plan.start, months = plan.months, owner = plan.owner,
    calendar = s.calendar,
  }
  cfg.start_day = L.day(cfg.start)
  cfg.end_day = L.add_months(cfg.start_day, cfg.months)
  cfg["end"] = L.iso(cfg.end_day)
  return cfg
end

-- ---- engagement levels -----------------------------------------------------

-- Level name (canonical) and value for a cell, or nil.
local function level_of(v)
  if is_null(v) then
    return nil
  end
  local s = L.trim(L.str(v)):lower()
  if s:match("^%d$") then
    local n = tonumber(s)
    if R.levels[n + 1] then
      return R.levels[n + 1], n
    end
    return nil
  end
  s = R.level_aliases[s] or s
  if R.level_value[s] then
    return s, R.level_value[s]
  end
  return nil
end

-- A roster spells its levels in a handful of ways: each spelling is
-- looked up once (false = not a level).
local level_name, level_number = {}, {}
function L.level(v)
  if type(v) ~= "string" then
    return level_of(v)
  end
  local name = level_name[v]
  if name == nil then
    local n
    name, n = level_of(v)
    level_name[v], level_number[v] = name or false, n
  end
  if not name then
    return nil
  end
  return name, level_number[v]
end

-- The engagement cells of a stakeholder, one per level of R.levels:
-- "C" (current), "D" (desired), "C D" (both) or "".
function L.level_marks(current, desired)
  local cells = {}
  for i, lv in ipairs(R.levels) do
    local c, d = current == lv, desired == lv
    cells[i] = c and d and "C D" or c and "C" or d and "D" or ""
  end
  return cells
end

-- An integer with its sign: "+2", "0", "-1".
function L.signed(n)
  if n > 0 then
    return "+" .. n
  end
  return tostring(n)
end

-- The columns of `roster`: what validate.lua hands on and classify.lua
-- reads (line and source: where each stakeholder is in the input).
L.ROSTER_COLUMNS = { "id", "name", "side", "power", "interest", "legitimacy", "urgency",
                     "attitude", "current", "desired", "current_level", "desired_level", "owner",
                     "concern", "line", "source" }

-- ---- quadrants ---------------------------------------------------------------

L.QUADRANTS = { "manage_closely", "keep_satisfied", "keep_informed", "monitor" }
L.SALIENCE = { "definitive", "dominant", "dangerous", "dependent", "dormant", "discretionary",
               "demanding", "non_stakeholder" }
L.TYPES = { "saviour", "saboteur", "sleeping_giant", "time_bomb", "friend", "irritant",
            "acquaintance", "tripwire", "undetermined" }

-- The classification of one stakeholder by the rules of rules.lua:
--   quadrant                    Mendelow
--   attribute_codes, attributes the salience attributes present ("PLU")
--                               and their number
--   salience, salience_group    Mitchell, Agle & Wood
--   type                        Murray-Webster & Simon (attitude 0:
--                               "undetermined")
local function classification(power_high, interest_high, legitimacy, urgency, attitude)
  local quadrant = R.quadrant[power_high][interest_high]
  local codes = (power_high and "P" or "") .. (legitimacy and "L" or "") .. (urgency and "U" or "")
  local kind
  if attitude > 0 then
    kind = R.types[quadrant].positive
  elseif attitude < 0 then
    kind = R.types[quadrant].negative
  else
    kind = "undetermined"
  end
  return {
    quadrant = quadrant, attribute_codes = codes, attributes = #codes, salience = R.salience[codes],
    salience_group = R.salience_group[#codes], type = kind,
  }
end

-- L.class_of(r) is the classification above of stakeholder r, from its
-- fields power_high and interest_high (set by classify.lua, which compares
-- with the threshold), legitimacy, urgency and attitude.  It depends only
-- on these four yes/no values and the sign of the attitude: each of the 48
-- combinations is worked out once, and alike stakeholders share the same
-- table (do not change it).  Working it out is cheaper than handing it
-- from step to step as more columns, so each step that needs it asks here.
local class_known = {}
function L.class_of(r)
  local power_high, interest_high = r.power_high, r.interest_high
  local legitimacy, urgency, attitude = r.legitimacy, r.urgency, r.attitude
  -- a number for the combination: one bit per yes/no, then the sign
  local key = (power_high and 1 or 0) + (interest_high and 2 or 0) + (legitimacy and 4 or 0)
    + (urgency and 8 or 0) + (attitude > 0 and 16 or attitude < 0 and 32 or 0)
  local c = class_known[key]
  if not c then
    c = classification(power_high, interest_high, legitimacy, urgency, attitude)
    class_known[key] = c
  end
  return c
end

-- The channel mix: the `channels` input when given, else rules.lua.
-- Returns { quadrant = { {channel=, mode=}, ... } }.
function L.channel_mix()
  if regie.has_input("channels") then
    local ds = regie.input("channels")
    local mix = {}
    for _, rec in ipairs(ds) do
      local q = L.trim(L.str(rec.quadrant))
      mix[q] = mix[q] or {}
      table.insert(mix[q], { channel = L.trim(L.str(rec.channel)),
                             mode = L.trim(L.str(rec.mode)):lower() })
    end
    return mix, ds.source
  end
  return R.channels, nil
end

-- ---- escaping ----------------------------------------------------------------

-- L.xml: XML and HTML text; L.md: a Markdown table cell (pipes and
-- backslashes escaped, no line breaks).  Other values as L.str writes them.
L.xml, L.md = T.escapes(4, "\\|")
L.html = L.xml

-- Approximate rendered width (px) of text in DejaVu Sans / Arial at `size`.
local W = {
  a = .613, b = .635, c = .55, d = .635, e = .615, f = .352, g = .635, h = .634, i = .278,
  j = .278, k = .579, l = .278, m = .974, n = .634, o = .612, p = .635, q = .635, r = .411,
  s = .521, t = .392, u = .634, v = .592, w = .818, x = .592, y = .592, z = .525,
  A = .684, B = .686, C = .698, D = .77, E = .632, F = .575, G = .775, H = .752, I = .295,
  J = .295, K = .656, L = .557, M = .863, N = .748, O = .787, P = .603, Q = .787, R = .695,
  S = .635, T = .611, U = .732, V = .684, W = .989, X = .685, Y = .611, Z = .685,
  [" "] = .318, ["."] = .318, [","] = .318, [":"] = .337, [";"] = .337, ["-"] = .361,
  ["/"] = .337, ["("] = .39, [")"] = .39, ["&"] = .78, ["'"] = .275, ['"'] = .46,
}
function L.text_width(s, size, bold)
  local w = 0
  local ok = pcall(function()
    for _, c in utf8.codes(s) do
      local ch = c < 128 and string.char(c) or nil
      local cw = ch and W[ch]
      if not cw then
        if ch and ch:match("%d") then
          cw = .636
        else
          cw = .68
        end
      end
      w = w + cw
    end
  end)
  if not ok then
    w = #s * .68
  end
  if bold then
    w = w * 1.1
  end
  return w * size
end

-- Shorten text to at most `n` characters (UTF-8 aware) with an ellipsis.
function L.shorten(s, n)
  local ok, len = pcall(utf8.len, s)
  if not ok or not len or len <= n then
    return s
  end
  local cut = utf8.offset(s, n)
  return s:sub(1, cut - 1) .. "…"
end

return L
