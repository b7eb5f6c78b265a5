-- event/figures.lua - the figures after the event (domain reference §3.1
-- steps 7-9) and the counts before it, as summary.csv (measure,value):
--   confirmed, waitlisted, cancelled, duplicate, late, confirmed_at_deadline,
--   decision;
--   with attendance.csv: attended, attendance_pct (attended / confirmed),
--   no_show_pct (100 - attendance);
--   with evaluations.csv: evaluations, evaluation_mean (1..10),
--   evaluation_7plus_pct (the share of scores of at least rules.good_score);
--   with meetings.csv, per calendar year: meetings_YYYY_held,
--   meetings_YYYY (held and with minutes: the ones that count),
--   meetings_YYYY_target and meetings_YYYY_met (yes/no).
-- Percentages and means exact on whole numbers, rounded half-up to
-- rules.decimals.

local L = require "event.lib"
local P = require "common.pct"
local R = L.rules

return {
  summary = "Attendance, evaluation and the meetings target (summary.csv)",
  params = {},
  run = function(step)
    local cfg = L.config()
    local rows = {}
    local function put(measure, value)
      rows[#rows + 1] = { measure, tostring(value) }
    end
    local count = {}
    for _, s in ipairs(R.statuses) do
      count[s] = 0
    end
    local people = regie.input("participants")
    for _, p in ipairs(people) do
      count[p.status] = count[p.status] + 1
    end
    for _, s in ipairs(R.statuses) do
      put(s, count[s])
    end
    put("confirmed_at_deadline", regie.input("at_deadline"))
    put("decision", regie.input("decision"))

    if regie.has_input("attendance") then
      local attended = 0
      for _, a in ipairs(regie.input("attendance")) do
        if a.attended ~= false then
          attended = attended + 1
        end
      end
      put("attended", attended)
      if count.confirmed > 0 then
        put("attendance_pct", P.pct(attended, count.confirmed, R.decimals))
        put("no_show_pct", P.pct(count.confirmed - attended, count.confirmed, R.decimals))
      end
    end

    if regie.has_input("evaluations") then
      local n, sum, good = 0, 0, 0
      for _, e in ipairs(regie.input("evaluations")) do
        n, sum = n + 1, sum + e.score
        if e.score >= R.good_score then
          good = good + 1
        end
      end
      put("evaluations", n)
      if n > 0 then
        put("evaluation_mean", P.ratio(sum, n, R.decimals))
        put("evaluation_" .. R.good_score .. "plus_pct", P.pct(good, n, R.decimals))
      end
    end

    if regie.has_input("meetings") then
      local years, held, counted = {}, {}, {}
      for _, m in ipairs(regie.input("meetings")) do
        local y = m.date:sub(1, 4)
        if not held[y] then
          years[#years + 1], held[y], counted[y] = y, 0, 0
        end
        if m.held then
          held[y] = held[y] + 1
          if L.trim(L.text(m.minutes_file)) ~= "" then
            counted[y] = counted[y] + 1
          end
        end
      end
      table.sort(years)
      local target = cfg.meetings.target
      for _, y in ipairs(years) do
        put("meetings_" .. y .. "_held", held[y])
        put("meetings_" .. y, counted[y])
        put("meetings_" .. y .. "_target", target)
        put("meetings_" .. y .. "_met", counted[y] >= target and "yes" or "no")
      end
    end

    local out = regie.output_writer("figures", { "measure", "value" })
    local w = regie.csv.writer("summary.csv", { "measure", "value" })
    for _, r in ipairs(rows) do
      out:add(r[1], r[2])
      w:add(r[1], r[2])
    end
    out:close()
    w:close()
  end,
}
