-- plan.lua - the communication plan: goal on the participation ladder,
-- message, channels, frequency, owner and contact dates per stakeholder.
-- Writes commplan.csv, commplan.md and contacts.csv.

local lib = require "stakeholders.lib"
local R = lib.rules

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

local PLAN_COLUMNS = { "priority", "id", "name", "quadrant", "type", "goal_code", "goal", "message",
                       "channels", "modes", "frequency", "base_frequency", "contacts",
                       "extra_meeting", "owner", "first_contact", "last_contact" }

local function md_plan(cfg, plan)
  local t = {}
  local function add(s)
    t[#t + 1] = s
  end
  add("# Communicatieplan: " .. lib.md(cfg.title))
  add("")
  add(string.format("Planperiode: %s tot %s (%d maanden). Contactmomenten die op een niet-werkdag vallen, schuiven naar de volgende werkdag.",
                    lib.date_nl(cfg.start), lib.date_nl(cfg["end"]), cfg.months))
  add("")
  add("| Prio | Stakeholder | Kwadrant | Doel | Boodschap | Kanalen | Per jaar | Eigenaar | Eerste contact |")
  add("| ---: | --- | --- | --- | --- | --- | ---: | --- | --- |")
  for _, p in ipairs(plan) do
    add(string.format("| %d | %s | %s | %s | %s | %s | %d%s | %s | %s |", p.priority, lib.md(p.name),
                      R.quadrant_nl[p.quadrant], lib.md(p.goal), lib.md(p.message),
                      lib.md(p.channels:gsub(";", ", ")), p.frequency,
                      p.extra_meeting == "yes" and " + 1" or "", lib.md(p.owner),
                      lib.date_nl(p.first_contact)))
  end
  add("")
  add("`+ 1`: een extra een-op-eengesprek om zorgen weg te nemen (negatieve houding, veel macht).")
  add("")
  return table.concat(t, "\n")
end

return {
  summary = "Derive the communication plan and the contact dates",
  params = {},
  run = function(step)
    local cfg = lib.config()
    local mix = lib.channel_mix()
    local rows = lib.rows(regie.input("ranked"))
    table.sort(rows, function(a, b)
      return a.priority < b.priority
    end)
    local plan, contacts = {}, {}
    for _, r in ipairs(rows) do
      local q = r.quadrant
      local goal = R.goal[q]
      local chans = {}
      for _, c in ipairs(mix[q] or {}) do
        chans[#chans + 1] = c
      end
      local freq, base = frequency(q, r.gap)
      local concerns = r.power_high and r.attitude <= R.concerns.max_attitude
      if concerns then
        goal = R.concerns.goal
        if not has_channel(chans, R.concerns.channel) then
          table.insert(chans, 1, { channel = R.concerns.channel, mode = "offline" })
        end
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
      local message = r.concern ~= "" and r.concern or R.default_message[q]
      local owner = r.owner ~= "" and r.owner or cfg.owner
      local names, modes = {}, {}
      for _, c in ipairs(chans) do
        names[#names + 1] = c.channel
        modes[#modes + 1] = c.mode
      end
      for k, c in ipairs(list) do
        contacts[#contacts + 1] = {
          priority = r.priority, id = r.id, name = r.name, n = k, date = lib.iso(c.day),
          channel = c.channel, mode = c.mode, kind = c.kind, owner = owner,
          goal = goal.text, message = message,
        }
      end
      plan[#plan + 1] = {
        priority = r.priority, id = r.id, name = r.name, quadrant = q, type = r.type,
        goal_code = goal.code, goal = goal.text, message = message,
        channels = table.concat(names, ";"), modes = table.concat(modes, ";"),
        frequency = freq, base_frequency = base, contacts = #list,
        extra_meeting = concerns and "yes" or "no", owner = owner,
        first_contact = lib.iso(list[1].day), last_contact = lib.iso(list[#list].day),
      }
    end
    regie.write("commplan.csv", regie.csv.encode(plan, PLAN_COLUMNS))
    regie.write("commplan.md", md_plan(cfg, plan))
    local ccols = { "priority", "id", "name", "n", "date", "channel", "mode", "kind", "owner",
                    "goal", "message" }
    regie.write("contacts.csv", regie.csv.encode(contacts, ccols))
    regie.output("plan", plan, PLAN_COLUMNS)
    regie.output("contacts", contacts, ccols)
  end,
}
