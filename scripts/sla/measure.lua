-- sla/measure.lua - the measures against their targets (§4.2), as
-- summary.csv (measure,value,target,met) and the data `measures`:
--   on_time_pct       = on_time / (responded + breaches), target target_pct
--   satisfaction_pct  = #(score >= satisfaction_min) / #scores,
--                       target satisfaction_target_pct
--   advisers_mean_ok_pct = the share of advisers (assignees of rated
--                       requests) whose mean score is >= satisfaction_min
-- A target is met when count*100 >= target*total (integers: the boundary
-- counts).  Which measures, in which order: sla/rules.lua.  With the
-- summary.csv of an earlier run (input previous), trend.csv
-- (measure,previous,value,change): the change of each measure since then,
-- only when that run's report date (its period.csv, input previous_period)
-- is earlier than this one's (L.use_previous).  period.csv (report_date):
-- the report date of this run, for the next one.

local L = require "sla.lib"
local R = L.rules

return {
  summary = "On-time share, satisfaction and advisers against their targets (summary.csv)",
  params = {},
  run = function(step)
    local cfg = L.config()
    local n = { on_time = 0, late = 0, breach = 0, pending = 0 }
    local adviser_of = {}
    for _, id, result, assignee in regie.each("classified", { "req_id", "result", "assignee" }) do
      n[result] = n[result] + 1
      adviser_of[id] = assignee
    end
    local counted = n.on_time + n.late + n.breach

    local scores, satisfied, sum = 0, 0, 0
    local per = {} -- adviser -> { sum, count }
    local advisers = {}
    for _, id, score in regie.each("ratings", { "req_id", "score" }) do
      scores = scores + 1
      sum = sum + score
      if score >= cfg.satisfaction_min then
        satisfied = satisfied + 1
      end
      local a = adviser_of[id]
      if a and a ~= "" then
        local p = per[a]
        if not p then
          p = { 0, 0 }
          per[a] = p
          advisers[#advisers + 1] = a
        end
        p[1], p[2] = p[1] + score, p[2] + 1
      end
    end
    local advisers_ok = 0
    for _, a in ipairs(advisers) do
      local p = per[a]
      if p[1] >= cfg.satisfaction_min * p[2] then
        advisers_ok = advisers_ok + 1
      end
    end

    local d = R.pct_decimals
    -- measure -> value text, and for a share its count and total
    local value = {
      on_time_pct = { L.pct(n.on_time, counted, d), n.on_time, counted },
      satisfaction_pct = { L.pct(satisfied, scores, d), satisfied, scores },
      advisers_mean_ok_pct = { L.pct(advisers_ok, #advisers, d), advisers_ok, #advisers },
      mean_score = { L.ratio(sum, scores, R.mean_decimals) },
      counted = { tostring(counted) },
      on_time = { tostring(n.on_time) },
      late = { tostring(n.late) },
      breach = { tostring(n.breach) },
      pending = { tostring(n.pending) },
      ratings = { tostring(scores) },
      advisers = { tostring(#advisers) },
    }
    local csv = regie.csv.writer("summary.csv", { "measure", "value", "target", "met" })
    -- the values of an earlier run's summary.csv, for trend.csv
    local before, trend = nil, nil
    local use, was_date = L.use_previous(cfg)
    if regie.has_input("previous") and not use then
      regie.info(string.format("previous (%s) is the summary of the run on %s, not earlier than %s: "
                               .. "no trend.csv", regie.describe("previous").source or "previous",
                               was_date or "no report date", tostring(cfg.report_date)))
    end
    if use then
      before = {}
      for _, measure, v in regie.each("previous", { "measure", "value" }) do
        before[measure] = L.is_null(v) and "" or v
      end
      trend = regie.csv.writer("trend.csv", { "measure", "previous", "value", "change" })
    end
    local out = regie.output_writer("measures", { "measure", "value", "target", "met", "label", "count",
                                                  "total", "previous", "change" })
    for _, m in ipairs(R.measures) do
      local v = value[m.id]
      if not v then
        regie.fail(string.format("%s: unknown measure %s, expected one of on_time_pct, satisfaction_pct, "
                                 .. "advisers_mean_ok_pct, mean_score, counted, on_time, late, breach, "
                                 .. "pending, ratings, advisers", L.RULES_FILE, tostring(m.id)))
      end
      local target, met = "", ""
      if m.target then
        local t = cfg[m.target]
        if t == nil then
          regie.fail(string.format("%s: measure %s: target %s is not a key of [sla]", L.RULES_FILE, m.id,
                                   m.target))
        end
        target = tostring(t)
        if v[3] and v[3] > 0 then
          met = v[2] * 100 >= t * v[3] and "yes" or "no"
        end
      end
      csv:add(m.id, v[1], target, met)
      local label = (m.label or m.id):gsub("{min}", tostring(cfg.satisfaction_min))
      local was, change = "", ""
      if before then
        was = before[m.id] or ""
        local a, b = L.hundredths(v[1]), L.hundredths(was)
        change = a and b and L.change(a - b) or ""
        trend:add(m.id, was, v[1], change)
      end
      out:add(m.id, v[1], target, met, label, v[2] or regie.null, v[3] or regie.null, was, change)
    end
    csv:close()
    local period = regie.csv.writer("period.csv", { "report_date" })
    period:add(cfg.report_date)
    period:close()
    if trend then
      trend:close()
    end
    out:close()
    regie.info(string.format("on time %s%% of %d, satisfied %s%% of %d", value.on_time_pct[1], counted,
                             value.satisfaction_pct[1], scores))
  end,
}
