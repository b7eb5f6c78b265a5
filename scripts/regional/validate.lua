-- regional/validate.lua - check monitor.ini, milestones.csv, updates.csv,
-- deployments.csv and previous against each other before anything is
-- worked out.  The engine has already checked the column types and the
-- keys of monitor.ini; this step checks the rules between them: a quarter
-- YYYY-Qn, each milestone once per region, updates and deployments only
-- of a region and milestone of milestones.csv, no update after the end of
-- the quarter, a known status, hours a number 0 or more.  Every data error
-- of every file is reported together; the run then stops with exit status
-- 2 and nothing is written.
--
-- A pre-flight step: `regie check` runs it too, and it also runs when an
-- input could not be read (the engine has reported why).  That input is
-- absent here; the rules that need it are left out, the others still apply.

local PR = require "common.previous"
local L = require "regional.lib"
local R = L.rules

local function err(file, line, column, found, expected)
  regie.data_error(file, line, column, found, expected)
end

return {
  summary = "Check monitor.ini, milestones.csv, updates.csv, deployments.csv and previous",
  params = {},
  run = function(step)
    local count = 0
    local cfg = L.config()
    if cfg then
      if not cfg.year then
        if cfg.from_input then
          err("--set quarter", 0, "quarter", tostring(cfg.quarter), "a quarter YYYY-Qn, such as 2026-Q2")
        elseif cfg.quarter == nil then
          err(cfg.file, 0, "quarter", "", "a value for quarter in [monitor] (or --set quarter=YYYY-Qn)")
        else
          err(cfg.file, cfg.lines["monitor.quarter"] or 0, "quarter", tostring(cfg.quarter),
              "a quarter YYYY-Qn, such as 2026-Q2")
        end
        count = count + 1
      end
      if #cfg.calendar.extra_closed > 64 then
        err(cfg.file, cfg.lines["calendar.extra_closed"] or 0, "extra_closed",
            string.format("%d dates", #cfg.calendar.extra_closed), "at most 64 dates")
        count = count + 1
      end
    end
    local last = cfg and cfg.last

    -- milestones.csv: each milestone once per region
    local known, regions
    local about = regie.describe("milestones")
    local mfile = about and about.source or "milestones.csv"
    if about then
      known, regions = {}, {}
      for _, region, id, line in regie.each("milestones", { "region", "milestone_id", "_line" }) do
        local key = region .. "\0" .. id
        local first = known[key]
        if first then
          err(mfile, line, "milestone_id", id,
              string.format("a milestone_id unique in region %s (first at line %d)", region, first))
          count = count + 1
        else
          known[key] = line
        end
        regions[region] = true
      end
    end

    -- a region and milestone of milestones.csv
    local function check_ref(file, line, region, id, optional)
      if not regions then
        return
      end
      if not regions[region] then
        err(file, line, "region", region, "a region of " .. mfile)
        count = count + 1
      elseif not (optional and (L.is_null(id) or id == "")) and not known[region .. "\0" .. id] then
        err(file, line, "milestone_id", L.is_null(id) and "" or id,
            string.format("a milestone_id of region %s in %s", region, mfile))
        count = count + 1
      end
    end

    -- updates.csv
    local updates = regie.describe("updates")
    if updates then
      local file = updates.source or "updates.csv"
      local ok = {}
      for _, s in ipairs(R.statuses) do
        ok[s] = true
      end
      local choices = table.concat(R.statuses, ", ")
      for _, line, region, id, date, status in regie.each("updates", { "_line", "region", "milestone_id",
                                                                       "date", "status" }) do
        check_ref(file, line, region, id)
        if last and date > last then
          err(file, line, "date", date, string.format("a date on or before %s, the end of %s", last, cfg.quarter))
          count = count + 1
        end
        if not ok[status] then
          err(file, line, "status", status, "one of " .. choices)
          count = count + 1
        end
      end
    end

    -- deployments.csv
    local deployments = regie.describe("deployments")
    if deployments then
      local file = deployments.source or "deployments.csv"
      for _, line, region, id, hours in regie.each("deployments", { "_line", "region", "milestone_id",
                                                                   "hours" }) do
        check_ref(file, line, region, id, true)
        local h = L.hundredths(hours)
        if not h then
          err(file, line, "hours", hours, "a number of hours with at most 2 decimals")
          count = count + 1
        elseif h < 0 then
          err(file, line, "hours", hours, "a number of hours, 0 or more")
          count = count + 1
        end
      end
    end

    -- previous: the regions.csv of an earlier run, its shares numbers
    count = count + PR.check_numbers("previous", "on_time_pct", err)

    if count > 0 then
      -- the data errors are printed by the engine; this only ends the step
      regie.fail(string.format("%d invalid input row(s) or setting(s)", count))
    end
    if not (cfg and about and updates and deployments) then
      regie.fail("an input could not be read")
    end
    regie.info(string.format("%d milestones, %d updates, %d deployments, quarter %s", about.rows, updates.rows,
                             deployments.rows, cfg.quarter))
    regie.output("valid", true)
  end,
}
