-- sla/classify.lua - the due date and result of every request (§4.2):
--   due      = add_workdays(the day it counts from, response_workdays)
--   on_time  = responded on or before the due date
--   late     = responded after it
--   breach   = no response and the due date before the report date
--   pending  = no response yet, still in time (left out of the count)
-- requests.csv (req_id,due,result) in the order of the input, and the
-- data `classified` for the measures and the report.

local L = require "sla.lib"

return {
  summary = "Due date and result of every request (requests.csv)",
  params = {},
  run = function(step)
    local cfg = L.config()
    local report = cfg.report_date
    local due_of = L.due_of(cfg)
    local week_of = L.week_of
    local report_day = L.day(report)
    local csv = regie.csv.writer("requests.csv", { "req_id", "due", "result" })
    local out = regie.output_writer("classified", { "req_id", "received", "due", "responded", "result",
                                                    "week", "age", "assignee", "topic" })
    local start_day, date_of, is_null, day = L.start_day, L.date_of, L.is_null, L.day
    for _, id, received, responded, assignee, topic in regie.each("requests", { "req_id", "received_at",
                                                                               "first_response_at",
                                                                               "assignee", "topic" }) do
      local due = due_of[start_day(received, cfg)]
      local rdate = not is_null(responded) and date_of(responded) or nil
      local result
      if rdate then
        result = rdate <= due and "on_time" or "late"
      elseif due < report then
        result = "breach"
      else
        result = "pending"
      end
      csv:add(id, due, result)
      -- the age of an open request in calendar days on the report date
      -- (0 for one received after it)
      local age = rdate and 0 or math.max(0, report_day - day(date_of(received)))
      out:add(id, date_of(received), due, rdate or "", result, week_of[due], age,
              is_null(assignee) and "" or assignee, topic)
    end
    local n = csv:close()
    out:close()
    regie.info(string.format("%d requests, report date %s, due after %d working days", n, report,
                             cfg.workdays))
  end,
}
