-- contact_plan.lua - who is contacted when: the frequency on the ladder,
-- the contact dates over the plan period and the channel of each contact.
-- Shared by plan.lua (the plan and the calendar) and contacts.lua
-- (contacts.csv), which must agree to the day.

local lib = require "stakeholders.lib"
local R = lib.rules

local M = {}

-- The columns of contacts.csv and of the calendar's contact moments.
M.CONTACT_COLUMNS = { "priority", "id", "name", "n", "date", "channel", "mode", "kind", "owner",
                      "goal", "message" }

-- Index of a value on the frequency ladder (nil if absent).
local function ladder_index(f)
  for i, v in ipairs(R.frequency_ladder) do
    if v == f then
      return i
    end
  end
  return nil
end

local function frequency(q, gap)
  local base = R.frequency_base[q]
  local i = ladder_index(base)
  if not i then
    regie.fail(string.format("rules.lua: frequency_base.%s = %s is not on the frequency ladder",
                             q, tostring(base)))
  end
  if gap >= R.step_up_gap then
    i = math.min(i + R.step_up_steps, #R.frequency_ladder)
  end
  return R.frequency_ladder[i], base
end

-- Contact dates: n contacts spread evenly over the plan period
-- [start, end), each moved to the next working day (and past the previous
-- contact, so two contacts never share a day).
local function spread(cfg, n)
  local days = cfg.end_day - cfg.start_day
  local out, prev = {}, nil
  for k = 0, n - 1 do
    local d = cfg.start_day + (k * days) // n
    if prev and d <= prev then
      d = prev + 1
    end
    d = lib.next_workday(cfg, d)
    out[#out + 1] = d
    prev = d
  end
  return out
end

local function has_channel(list, name)
  for _, c in ipairs(list) do
    if c.channel == name then
      return true
    end
  end
  return false
end

-- The contact moments of a stakeholder depend only on the quadrant (the
-- channel mix and the base frequency), on whether the gap steps the
-- frequency up and on whether the extra meeting is added.  Stakeholders
-- alike in these get the same goal, channels, dates and frequency, so that
-- is worked out once for each such kind:
--   quadrant, steps_up, concerns  what the kind depends on (see M.kind_of)
--   goal, frequency, base, names, modes  as in the plan
--   contacts  { day =, date =, channel =, mode =, kind = } in date order
local function make_kind(cfg, mix, q, gap, concerns)
  local goal = concerns and R.concerns.goal or R.goal[q]
  local freq, base = frequency(q, gap)
  local chans = {}
  for _, c in ipairs(mix[q] or {}) do
    chans[#chans + 1] = c
  end
  if concerns and not has_channel(chans, R.concerns.channel) then
    table.insert(chans, 1, { channel = R.concerns.channel, mode = "offline" })
  end
  local names, modes = {}, {}
  for _, c in ipairs(chans) do
    names[#names + 1] = c.channel
    modes[#modes + 1] = c.mode
  end
  local n = math.max(1, math.floor(regie.round(freq * cfg.months / 12, 0)))
  local dates = spread(cfg, n)
  local list = {}
  -- regular contacts rotate through the channel mix (without the extra
  -- meeting's channel when it was added for concerns)
  local base_chans = mix[q] or chans
  for k, d in ipairs(dates) do
    local c = base_chans[(k - 1) % #base_chans + 1]
    list[#list + 1] = { day = d, channel = c.channel, mode = c.mode, kind = "regular" }
  end
  if concerns then
    local taken = {}
    for _, d in ipairs(dates) do
      taken[d] = true
    end
    local d = lib.next_workday(cfg, cfg.start_day + R.concerns.meeting_after_days)
    while taken[d] do
      d = lib.next_workday(cfg, d + 1)
    end
    list[#list + 1] = { day = d, channel = R.concerns.channel, mode = "offline",
                        kind = "address_concerns" }
  end
  table.sort(list, function(a, b)
    return a.day < b.day
  end)
  for _, c in ipairs(list) do
    c.date = lib.iso(c.day)
  end
  return {
    quadrant = q, steps_up = gap >= R.step_up_gap, concerns = concerns,
    goal = goal, frequency = freq, base = base,
    names = table.concat(names, ";"), modes = table.concat(modes, ";"),
    contacts = list, first = list[1].date, last = list[#list].date,
  }
end

-- What a stakeholder's contact moments depend on (see make_kind), from
-- the stakeholder r and its classification c (lib.class_of): its
-- quadrant, whether its gap steps the frequency up and whether the extra
-- meeting is added (negative attitude with high power).
function M.kind_of(c, r)
  return c.quadrant, r.gap >= R.step_up_gap, r.power_high and r.attitude <= R.concerns.max_attitude
end

local function filled(v)
  return v ~= "" and not lib.is_null(v)
end

-- The key message and the owner of stakeholder r with classification c,
-- as the CSV outputs hold them: the concern and the owner of
-- stakeholders.csv (the owner of [plan] owner when the column is empty and
-- analysis.ini gives one), empty when not filled in.

function M.message(c, r)
  return filled(r.concern) and r.concern or ""
end

function M.owner(cfg, r)
  return filled(r.owner) and r.owner or cfg.owner
end

-- A message or owner as the reports show it: the placeholder of rules.lua
-- for an empty one.
function M.shown(v)
  return filled(v) and v or R.placeholder
end

-- What the plan of one stakeholder is made of, for a run's rules and
-- channel mix: P.kind(c, r) (see make_kind, worked out once per kind), for
-- stakeholder r with classification c.
function M.new(cfg, mix)
  local kinds = {} -- [quadrant][steps up][concerns]
  local P = {}
  function P.kind(c, r)
    local q, up, concerns = M.kind_of(c, r)
    local by_up = kinds[q]
    if not by_up then
      by_up = { [true] = {}, [false] = {} }
      kinds[q] = by_up
    end
    local k = by_up[up][concerns]
    if not k then
      k = make_kind(cfg, mix, q, r.gap, concerns)
      by_up[up][concerns] = k
    end
    return k
  end
  return P
end

return M
