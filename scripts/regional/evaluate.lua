-- regional/evaluate.lua - the status of every milestone at the end of the
-- quarter reported on and of the quarters before it (regional/lib.lua,
-- L.status), per region:
--   due           milestones due in the quarter
--   done_on_time  of those, done on or before due + late_tolerance_workdays
--   late          of those, not done by the quarter's end and due before it
--   at_risk       of those, open and at risk (the latest update, or stale)
--   on_time_pct   done_on_time / due, rounded half-up ("" when due is 0)
--   support_hours the hours of deployments.csv dated in the quarter
--   trend         on_time_pct minus that of the previous quarter, worked
--                 out from the same data at the previous quarter's end, or
--                 taken from an earlier run's regions.csv (input previous:
--                 given, or the latest earlier run's in the run store when
--                 that run reported on the quarter before; L.use_previous)
-- Each quarter is evaluated at its own end: a milestone done later, an
-- update made later, do not count yet.  Signals (signals.csv): every
-- milestone late or stale at the end of the quarter reported on, whatever
-- quarter it was due in, and every region whose on-time share fell by
-- rules.fall_points or more.  regions.csv, signals.csv and quarter.csv
-- (the quarter reported on, for the next run), and the data regions,
-- signals and history (each region's share per quarter) for the report.

local L = require "regional.lib"
local R = L.rules

return {
  summary = "Status of every milestone at the end of each quarter, per region (regions.csv, signals.csv)",
  params = {},
  run = function(step)
    local cfg = L.config()
    local is_null = L.is_null

    -- the milestones, per region, with their updates in date order
    local by_key, regions, region_list = {}, {}, {}
    for _, region, id, title, due, done_at in regie.each("milestones", { "region", "milestone_id", "title",
                                                                        "due", "done_at" }) do
      local m = { region = region, id = id, title = is_null(title) and "" or title, due = due,
                  done_at = not is_null(done_at) and done_at or nil, updates = {} }
      by_key[region .. "\0" .. id] = m
      local r = regions[region]
      if not r then
        r = { name = region, milestones = {}, hours = 0 }
        regions[region] = r
        region_list[#region_list + 1] = r
      end
      r.milestones[#r.milestones + 1] = m
    end
    table.sort(region_list, function(a, b) return a.name < b.name end)
    for _, region, id, date, status in regie.each("updates", { "region", "milestone_id", "date", "status" }) do
      local u = by_key[region .. "\0" .. id].updates
      u[#u + 1] = { date = date, status = status, n = #u }
    end
    for _, m in pairs(by_key) do
      if #m.updates > 1 then
        -- by date; on one date the later line is the latest
        table.sort(m.updates, function(a, b)
          if a.date ~= b.date then
            return a.date < b.date
          end
          return a.n < b.n
        end)
      end
    end
    for _, region, date, hours in regie.each("deployments", { "region", "date", "hours" }) do
      if date >= cfg.first and date <= cfg.last then
        local r = regions[region]
        r.hours = r.hours + L.hundredths(hours)
      end
    end

    local deadline = L.deadline_of(cfg)
    local stale_from = L.stale_from_of(cfg)
    local d = R.pct_decimals
    local n = math.max(2, R.chart_quarters)

    -- Evaluate every milestone at the end e of a quarter; returns the
    -- counts per region of the milestones due in it, and calls
    -- signal(r, m, status, stale, since) for each milestone.
    local function evaluate(y, q, signal)
      local s, e = L.quarter_start(y, q), L.quarter_end(y, q)
      local ref = regie.date.add_days(s, -1)
      local counts = {}
      for _, r in ipairs(region_list) do
        local c = { due = 0, done_on_time = 0, late = 0, at_risk = 0 }
        for _, m in ipairs(r.milestones) do
          -- the latest update up to e
          m.latest = nil
          for i = #m.updates, 1, -1 do
            if m.updates[i].date <= e then
              m.latest = m.updates[i]
              break
            end
          end
          local status, stale, since = L.status(m, e, ref, cfg, deadline, stale_from)
          if m.due >= s and m.due <= e then
            c.due = c.due + 1
            if status == "done_on_time" or status == "late" or status == "at_risk" then
              c[status] = c[status] + 1
            end
          end
          if signal then
            signal(r, m, status, stale, since)
          end
        end
        c.pct = L.pct(c.done_on_time, c.due, d)
        counts[r.name] = c
      end
      return counts
    end

    -- the quarters of the chart, oldest first; the last is the one reported
    local quarters, per_quarter = {}, {}
    local found = {} -- region -> list of signals of milestones
    for k = n - 1, 0, -1 do
      local y, q = L.quarter_back(cfg.year, cfg.q, k)
      quarters[#quarters + 1] = L.quarter_name(y, q)
      per_quarter[#per_quarter + 1] = evaluate(y, q, k == 0 and function(r, m, status, stale, since)
        if status == "late" or stale then
          local list = found[r.name]
          if not list then
            list = {}
            found[r.name] = list
          end
          list[#list + 1] = { m.id, status == "late" and "late" or "stale", since }
        end
      end or nil)
    end
    local now, before = per_quarter[#per_quarter], per_quarter[#per_quarter - 1]
    local use, was = L.use_previous(cfg)
    if regie.has_input("previous") and not use then
      regie.info(string.format("previous (%s) is the report on %s, not on %s, the quarter before: "
                               .. "the trend is worked out from the data", regie.describe("previous").source
                               or "previous", was or "no quarter",
                               cfg.year and L.quarter_name(L.quarter_back(cfg.year, cfg.q, 1)) or "?"))
    end
    if use then
      before = {}
      for _, region, pct in regie.each("previous", { "region", "on_time_pct" }) do
        before[region] = { pct = is_null(pct) and "" or pct }
      end
    end

    local csv = regie.csv.writer("regions.csv", { "region", "due", "done_on_time", "late", "at_risk",
                                                  "on_time_pct", "support_hours", "trend" })
    local out = regie.output_writer("regions", { "region", "due", "done_on_time", "late", "at_risk",
                                                 "on_time_pct", "support_hours", "trend", "previous" })
    local sig = regie.csv.writer("signals.csv", { "region", "milestone_id", "signal", "since" })
    local sigout = regie.output_writer("signals", { "region", "milestone_id", "signal", "since" })
    local fall_h = R.fall_points * 100
    local total = { late = 0, stale = 0, fall = 0 }
    for _, r in ipairs(region_list) do
      local c = now[r.name]
      local was = before[r.name] and before[r.name].pct or ""
      local a, b = L.hundredths(c.pct), L.hundredths(was)
      local trend = a and b and L.change(a - b) or ""
      local hours = L.ratio(r.hours, 100, 2)
      csv:add(r.name, c.due, c.done_on_time, c.late, c.at_risk, c.pct, hours, trend)
      out:add(r.name, c.due, c.done_on_time, c.late, c.at_risk, c.pct, hours, trend, was)
      local list = {}
      if a and b and b - a >= fall_h then
        list[1] = { "", "fall", cfg.first }
      end
      for _, s in ipairs(found[r.name] or {}) do
        list[#list + 1] = s
      end
      for _, def in ipairs(R.signals) do
        for _, s in ipairs(list) do
          if s[2] == def.id then
            sig:add(r.name, s[1], s[2], s[3])
            sigout:add(r.name, s[1], s[2], s[3])
            total[s[2]] = total[s[2]] + 1
          end
        end
      end
    end
    csv:close()
    out:close()
    local qf = regie.csv.writer("quarter.csv", { "quarter" })
    qf:add(cfg.quarter)
    qf:close()
    sig:close()
    sigout:close()

    -- each region's on-time share per quarter, for the chart
    local hist = regie.output_writer("history", { "region", "quarter", "due", "done_on_time", "on_time_pct" })
    for _, r in ipairs(region_list) do
      for i, qname in ipairs(quarters) do
        local c = per_quarter[i][r.name]
        hist:add(r.name, qname, c.due, c.done_on_time, c.pct)
      end
    end
    hist:close()
    regie.info(string.format("%d regions, quarter %s: %d late, %d stale, %d fallen", #region_list, cfg.quarter,
                             total.late, total.stale, total.fall))
  end,
}
